# ruff: noqa: T201, S603, S607  (a drill script prints its report and runs the database tools)
"""Drill D7 (reliability-ux.md): back up, restore into an empty database, and get identical
verification results.

``python scripts/drill_d7.py [--database-url postgresql+psycopg://user@host:5432/db]``

With a PostgreSQL URL (or ``ATOUTS_TEST_DATABASE_URL``): a scratch database is filled (badges
issued, some revoked, some suspended), dumped with ``pg_dump -Fc``, restored with ``pg_restore``
into another empty database; without one, the same with SQLite's online backup API. The
key-encryption key is kept in a separate file (its own backup). Then, on the restored copy:
every sampled badge gets the same verdict, every status list the same SHA-256, and a new badge
can be signed with the restored keys. Exit status 0 when the drill passes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy.engine import Engine, make_url  # noqa: E402
from sqlmodel import select  # noqa: E402

from issuer.issuance import IssueSpec  # noqa: E402
from issuer.recipients import parse_recipient  # noqa: E402
from issuer.service import issue  # noqa: E402
from issuer.status import change_status  # noqa: E402
from scripts.drill_common import context, new_kek, prepare, verdict  # noqa: E402
from storage.engine import create_engine, session_scope  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.tables import Credential, StatusList  # noqa: E402


def _fill(engine: Engine, kek: bytes) -> None:
    ctx = context(engine, kek)
    achievement_id = prepare(ctx)
    for i in range(20):
        spec = IssueSpec(recipient=parse_recipient(f"d7-{i}@example.org"), suspendable=i % 5 == 0)
        issued = issue(ctx, achievement_id, spec)
        if i % 7 == 1:
            change_status(ctx, issued.row_id, action="revoke", reason="exercice")
        elif i % 5 == 0 and i:
            change_status(ctx, issued.row_id, action="suspend")


def _snapshot(engine: Engine, kek: bytes) -> tuple[dict[str, str], dict[str, str]]:
    ctx = context(engine, kek)
    with session_scope(engine, write=False) as session:
        credentials = session.exec(select(Credential)).all()
        lists = session.exec(select(StatusList)).all()
    verdicts = {c.id: verdict(ctx, c.signed_text) for c in credentials}
    hashes = {s.id: hashlib.sha256((s.published_text or "").encode()).hexdigest() for s in lists}
    return verdicts, hashes


def _libpq(url: str) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def _postgres(admin_url: str, workdir: Path, kek: bytes) -> tuple[Engine, Engine]:
    admin = create_engine(admin_url, connect_args={"autocommit": True})
    suffix = secrets.token_hex(4)
    names = (f"atouts_d7_src_{suffix}", f"atouts_d7_dst_{suffix}")
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    source_url = make_url(admin_url).set(database=names[0])
    target_url = make_url(admin_url).set(database=names[1])
    source = create_engine(source_url)
    upgrade(source)
    _fill(source, kek)
    dump = workdir / "atouts.dump"
    subprocess.run(
        ["pg_dump", "-Fc", "-f", str(dump), _libpq(source_url.render_as_string(False))], check=True
    )
    subprocess.run(
        ["pg_restore", "--no-owner", "-d", _libpq(target_url.render_as_string(False)), str(dump)],
        check=True,
    )
    return source, create_engine(target_url)


def _drop_postgres(admin_url: str, *engines: Engine) -> None:
    names = [e.url.database for e in engines]
    for engine in engines:
        engine.dispose()
    admin = create_engine(admin_url, connect_args={"autocommit": True})
    with admin.connect() as connection:
        for name in names:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
    admin.dispose()


def _sqlite(workdir: Path, kek: bytes) -> tuple[Engine, Engine]:
    source_path, target_path = workdir / "source.db", workdir / "restored.db"
    source = create_engine(f"sqlite+pysqlite:///{source_path}")
    upgrade(source)
    _fill(source, kek)
    with sqlite3.connect(source_path) as src, sqlite3.connect(target_path) as dst:
        src.backup(dst)
    return source, create_engine(f"sqlite+pysqlite:///{target_path}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=os.environ.get("ATOUTS_TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        kek = new_kek()
        kek_backup = workdir / "kek-backup.key"  # kept apart from the database backup
        kek_backup.write_text(kek.hex())
        if args.database_url:
            source, restored = _postgres(args.database_url, workdir, kek)
        else:
            source, restored = _sqlite(workdir, kek)
        try:
            before = _snapshot(source, kek)
            restored_kek = bytes.fromhex(kek_backup.read_text())
            after = _snapshot(restored, restored_kek)
            same = before == after
            counts = {v: list(before[0].values()).count(v) for v in set(before[0].values())}
            print(f"verdicts before the backup: {counts}")
            print(
                f"status lists: {len(before[1])}, identical after restore: {before[1] == after[1]}"
            )
            ctx = context(restored, restored_kek)
            with session_scope(restored, write=False) as session:
                achievement_id = session.exec(select(Credential.achievement_id)).first()
            assert achievement_id is not None
            new = issue(
                ctx, achievement_id, IssueSpec(recipient=parse_recipient("new@example.org"))
            )
            fresh = verdict(ctx, new.signed_text)
            print(f"verdicts identical after restore: {same}")
            print(f"new badge signed with the restored keys: {fresh}")
            return 0 if same and fresh == "verified" else 1
        finally:
            if args.database_url:
                _drop_postgres(args.database_url, source, restored)
            else:
                source.dispose()
                restored.dispose()


if __name__ == "__main__":
    sys.exit(main())
