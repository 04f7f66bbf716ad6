"""The referentials the web side shows: the bundled ones plus every version stored in the
database (drafts included: co-editing happens there), read once per document digest.

Database rows win over a bundled version with the same slug and version (a deployment may have
imported its own copy). Editing is only ever done on a database draft; a published version is
immutable (``storage.guards`` refuses the change, the model refuses it first).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy.engine import Engine
from sqlmodel import select

from referentials.bundled import load_bundled
from referentials.model import Referential
from referentials.store import version_key
from referentials.yaml_format import dumps, loads
from storage.engine import session_scope
from storage.tables import DocumentFormat, ReferentialStatus
from storage.tables import Referential as ReferentialRow

__all__ = ["Entry", "catalogue", "find", "save_draft", "versions_of"]


@dataclass(frozen=True, slots=True)
class Entry:
    referential: Referential
    source: str  # "bundled" | "database"
    row_id: str | None = None


@cache
def _bundled() -> tuple[Referential, ...]:
    return tuple(load_bundled())


@cache
def _parsed(digest: str, text: str) -> Referential:
    return loads(text, validate=False)


def catalogue(engine: Engine | None) -> dict[tuple[str, str], Entry]:
    found = {r.key: Entry(r, "bundled") for r in _bundled()}
    if engine is None:
        return found
    with session_scope(engine, write=False) as session:
        rows = session.exec(
            select(ReferentialRow).where(ReferentialRow.document_format == DocumentFormat.YAML)
        ).all()
    for row in rows:
        try:
            ref = _parsed(row.document_sha256, row.document)
        except Exception:  # one unreadable row must not hide the others  # noqa: S112
            continue
        found[(row.slug, row.version)] = Entry(ref, "database", row.id)
    return found


def find(engine: Engine | None, slug: str, version: str) -> Entry | None:
    return catalogue(engine).get((slug, version))


def versions_of(entries: dict[tuple[str, str], Entry], slug: str) -> list[str]:
    return sorted((v for s, v in entries if s == slug), key=version_key)


def save_draft(
    engine: Engine, ref: Referential, *, now: datetime, organisation_id: str | None
) -> str:
    """Insert or update the database row of ``ref`` (a draft, or a draft being published)."""
    text = dumps(ref)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    status = ReferentialStatus(str(ref.status))
    with session_scope(engine) as session:
        row = session.exec(
            select(ReferentialRow).where(
                ReferentialRow.slug == ref.slug, ReferentialRow.version == ref.version
            )
        ).first()
        if row is None:
            row = ReferentialRow(
                slug=ref.slug,
                version=ref.version,
                document_format=DocumentFormat.YAML,
                title="",
                document="",
                document_sha256="",
                organisation_id=organisation_id,
                created_at=now,
            )
        row.title = (ref.title.get("fr") or next(iter(ref.title.values()), ref.slug))[:200]
        row.document = text
        row.document_sha256 = digest
        row.status = status
        if status == ReferentialStatus.PUBLISHED and row.published_at is None:
            row.published_at = now
        session.add(row)
        session.flush()
        return row.id
