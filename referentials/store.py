"""Where imported referentials are kept: a small protocol and a filesystem implementation.

The database-backed store comes later (``storage``); until then the CLI keeps each version as
an atouts YAML file ``{root}/{slug}/{version}.yaml`` (``root`` is ``$ATOUTS_HOME/referentials``).

Rules every implementation keeps:

* saving the same content twice changes nothing and reports ``unchanged`` (import idempotence);
* a published version is immutable: saving different content under its slug and version raises
  :class:`~referentials.model.PublishedReferentialError` (retiring it is the one change allowed);
* ``get(slug)`` without a version returns the latest published version, else the latest one.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from referentials.kinds import version_key
from referentials.model import (
    PublishedReferentialError,
    Referential,
    ReferentialError,
    Status,
)
from referentials.yaml_format import canonical, dumps, loads

__all__ = [
    "FilesystemReferentialStore",
    "ReferentialNotFoundError",
    "ReferentialStore",
    "SaveOutcome",
    "StoredReferential",
    "version_key",
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


class ReferentialNotFoundError(ReferentialError):
    code = "referential_not_found"


class SaveOutcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class StoredReferential:
    """A line of :meth:`ReferentialStore.list`."""

    slug: str
    version: str
    status: Status
    title: str
    items: int


class ReferentialStore(Protocol):
    def save(self, referential: Referential) -> SaveOutcome: ...

    def get(self, slug: str, version: str | None = None) -> Referential: ...

    def list(self) -> list[StoredReferential]: ...


class FilesystemReferentialStore:
    """One YAML file per referential version under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, slug: str, version: str) -> Path:
        # Slugs and versions become path segments: refuse anything that could climb out.
        if not _SLUG.match(slug) or not _VERSION.match(version) or ".." in version:
            raise ReferentialError(
                f"identifiant ou version invalide pour un référentiel : « {slug} » « {version} »"
            )
        return self.root / slug / f"{version}.yaml"

    def save(self, referential: Referential) -> SaveOutcome:
        path = self._path(referential.slug, referential.version)
        new = canonical(referential)
        outcome = SaveOutcome.CREATED
        if path.exists():
            old = loads(path.read_text(encoding="utf-8"), source=str(path), validate=False)
            if old.digest() == new.digest():
                return SaveOutcome.UNCHANGED
            retiring = old.evolve(status=new.status) if old.is_published else old
            if old.is_published and retiring.digest() != new.digest():
                raise PublishedReferentialError(
                    f"le référentiel « {old.slug} » version {old.version} est publié : son "
                    "contenu ne peut plus changer ; importez-le sous une nouvelle version"
                )
            outcome = SaveOutcome.UPDATED
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(path, dumps(new))
        # A small sidecar so listing does not parse every (possibly ESCO-sized) referential.
        meta = {
            "slug": new.slug,
            "version": new.version,
            "status": str(new.status),
            "title": new.title.get("fr") or next(iter(new.title.values()), ""),
            "items": len(new.items),
            "digest": new.digest(),
        }
        _write_atomically(path.with_suffix(".meta.json"), json.dumps(meta, ensure_ascii=False))
        return outcome

    def versions(self, slug: str) -> list[str]:
        folder = self.root / slug
        if not _SLUG.match(slug) or not folder.is_dir():
            return []
        names = (p.stem for p in folder.glob("*.yaml") if not p.name.startswith("."))
        return sorted(names, key=version_key)

    def get(self, slug: str, version: str | None = None) -> Referential:
        if version is None:
            versions = self.versions(slug)
            if not versions:
                raise ReferentialNotFoundError(f"aucun référentiel « {slug} » n'est enregistré")
            loaded = [self._load(slug, v) for v in versions]
            published = [r for r in loaded if r.is_published]
            return (published or loaded)[-1]
        if not self._path(slug, version).exists():
            raise ReferentialNotFoundError(
                f"le référentiel « {slug} » n'a pas de version « {version} »"
            )
        return self._load(slug, version)

    def _load(self, slug: str, version: str) -> Referential:
        path = self._path(slug, version)
        return loads(path.read_text(encoding="utf-8"), source=str(path), validate=False)

    def list(self) -> list[StoredReferential]:
        found: list[StoredReferential] = []
        if not self.root.is_dir():
            return found
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for version in self.versions(folder.name):
                found.append(self._summary(folder.name, version))
        return found

    def _summary(self, slug: str, version: str) -> StoredReferential:
        meta_path = self._path(slug, version).with_suffix(".meta.json")
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            return StoredReferential(
                meta["slug"], meta["version"], Status(meta["status"]), meta["title"], meta["items"]
            )
        except (OSError, ValueError, KeyError):  # missing or damaged sidecar: read the file
            ref = self._load(slug, version)
            title = ref.title.get("fr") or next(iter(ref.title.values()), "")
            return StoredReferential(ref.slug, ref.version, ref.status, title, len(ref.items))


def _write_atomically(path: Path, text: str) -> None:
    """Write then rename, so a crash never leaves half a file behind."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
