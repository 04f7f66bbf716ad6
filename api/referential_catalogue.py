"""The referentials the web side shows: the bundled ones, the filesystem store, and every
version stored in the database (drafts included: co-editing happens there), each read once.

One source of truth for issuing and matching: the issuer (``api.issuer_routes``) and matching
(``api.matching_index``) read the filesystem store under ``ATOUTS_HOME/referentials`` (where
``atouts referential import`` writes) plus the bundled ones. So the catalogue lists that store
too, and :func:`publish_to_store` copies a version published on the web into it. The store's
root is attached to the application's engine (:func:`attach_store`, done by the composition
root) so that callers keep passing only the engine.

Deduplicated by (slug, version): the database wins over the store, the store over a bundled
version (a deployment may have imported its own copy). Editing is only ever done on a database
draft; a published version is immutable (``storage.guards`` refuses the change, the model
refuses it first, the store refuses a different published content).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine
from sqlmodel import select

from referentials.bundled import load_bundled
from referentials.model import Referential, ReferentialError
from referentials.store import FilesystemReferentialStore, version_key
from referentials.yaml_format import dumps, loads
from storage.engine import session_scope
from storage.tables import DocumentFormat, ReferentialStatus
from storage.tables import Referential as ReferentialRow

__all__ = [
    "Entry",
    "attach_store",
    "catalogue",
    "find",
    "publish_to_store",
    "save_draft",
    "store_root",
    "versions_of",
]

_STORES: WeakKeyDictionary[Engine, Path] = WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Entry:
    referential: Referential
    source: str  # "bundled" | "store" | "database"
    row_id: str | None = None


@cache
def _bundled() -> tuple[Referential, ...]:
    return tuple(load_bundled())


@cache
def _parsed(digest: str, text: str) -> Referential:
    return loads(text, validate=False)


def attach_store(engine: Engine, root: Path) -> None:
    """Say where the filesystem store of the application using ``engine`` lives."""
    _STORES[engine] = root


def store_root(engine: Engine | None) -> Path | None:
    return None if engine is None else _STORES.get(engine)


@lru_cache(maxsize=256)
def _stored(path: str, mtime_ns: int, size: int) -> Referential:
    # Keyed by the file's size and time: a re-import is read again, an unchanged file never.
    return loads(Path(path).read_text(encoding="utf-8"), source=path, validate=False)


def _from_store(root: Path) -> dict[tuple[str, str], Entry]:
    found: dict[tuple[str, str], Entry] = {}
    if not root.is_dir():
        return found
    for path in sorted(root.glob("*/*.yaml")):
        if path.name.startswith("."):
            continue
        try:
            stat = path.stat()
            ref = _stored(str(path), stat.st_mtime_ns, stat.st_size)
        except (OSError, ReferentialError, ValueError):  # one bad file must not hide the rest
            continue
        found[ref.key] = Entry(ref, "store")
    return found


def publish_to_store(engine: Engine, ref: Referential) -> None:
    """Copy a version published on the web where the issuer and matching read referentials."""
    root = store_root(engine)
    if root is not None:
        FilesystemReferentialStore(root).save(ref)


def catalogue(engine: Engine | None) -> dict[tuple[str, str], Entry]:
    found = {r.key: Entry(r, "bundled") for r in _bundled()}
    root = store_root(engine)
    if root is not None:
        found.update(_from_store(root))
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
