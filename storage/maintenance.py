"""Backups and integrity checks of the embedded SQLite database (``atouts db backup|check``).

A SQLite file in WAL mode cannot be copied with ``cp`` while the application runs: the last
commits may still be in ``atouts.db-wal``. :func:`backup_sqlite` uses SQLite's online backup API,
which copies a consistent snapshot including them, without stopping the application. PostgreSQL
is backed up with its own tools (``pg_dump -Fc``; reliability-ux.md D7).

Private keys are not usable from a backup alone: they are sealed with a key kept outside the
database (docs/adr/0002-storage.md), which must be backed up separately.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

from storage.errors import StorageError

POSTGRES_BACKUP_HINT = (
    "Pour PostgreSQL, utilisez les outils du serveur : pg_dump -Fc (sauvegarde) et pg_restore."
)


def backup_sqlite(engine: Engine, destination: Path) -> int:
    """Write a consistent copy of the SQLite database to ``destination``; returns its size.

    Refuses to overwrite an existing file: a backup should never silently replace another.
    """
    if engine.dialect.name != "sqlite":
        raise StorageError(POSTGRES_BACKUP_HINT)
    destination = Path(destination)
    if destination.exists():
        raise StorageError(f"Le fichier {destination} existe déjà : choisissez un autre nom.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    with engine.connect() as connection:
        source = connection.connection.dbapi_connection
        assert isinstance(source, sqlite3.Connection)
        target = sqlite3.connect(destination)
        try:
            source.backup(target)
            # The copy is a standalone file: fold its journal into it, as the original's is.
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
    return destination.stat().st_size


def integrity_problems(engine: Engine) -> list[str]:
    """What is wrong with the stored data, in French (empty when nothing is).

    SQLite: ``PRAGMA integrity_check`` (pages, indexes) and ``PRAGMA foreign_key_check`` (rows
    pointing nowhere, e.g. written by a tool with foreign keys off). PostgreSQL enforces both
    itself; nothing to add here.
    """
    if engine.dialect.name != "sqlite":
        return []
    problems: list[str] = []
    with engine.connect() as connection:
        for (line,) in connection.exec_driver_sql("PRAGMA integrity_check").all():
            if line != "ok":
                problems.append(f"Fichier endommagé : {line}")
        for table, rowid, parent, _fk in connection.exec_driver_sql(
            "PRAGMA foreign_key_check"
        ).all():
            problems.append(
                f"La ligne {rowid} de la table {table} pointe vers une ligne absente de {parent}."
            )
    return problems
