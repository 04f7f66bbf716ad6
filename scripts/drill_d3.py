# ruff: noqa: T201, S603  (a drill script prints its report and runs the database tools)
"""Drill D3 (reliability-ux.md): a badge acknowledged as issued survives a crash.

``python scripts/drill_d3.py`` — SQLite (WAL, synchronous=FULL): a worker process issues a badge,
prints its id (the acknowledgement) and is killed with SIGKILL at once; the database is reopened
and the badge must be there, byte for byte, and verify.

``python scripts/drill_d3.py --database-url postgresql+psycopg://… --crash "CMD" --restart "CMD"``
— PostgreSQL: after the acknowledgement, ``--crash`` stops the server abruptly (e.g.
``pg_ctl -D DATA stop -m immediate``) and ``--restart`` starts it again; then the same checks.
The database must be migrated (``atouts db upgrade``). Exit status 0 when the drill passes.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts.drill_common import context, new_kek, prepare, verdict  # noqa: E402
from storage.engine import create_engine, session_scope  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.tables import Credential  # noqa: E402


def _worker(url: str, kek_hex: str, achievement_id: str) -> None:
    from issuer.issuance import IssueSpec
    from issuer.recipients import parse_recipient
    from issuer.service import issue

    ctx = context(create_engine(url), bytes.fromhex(kek_hex))
    issued = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("d3@example.org")))
    print(issued.row_id, flush=True)  # the acknowledgement ("201")
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--crash", help="command that crashes the database server")
    parser.add_argument("--restart", help="command that starts it again")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(*args.worker)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+pysqlite:///{Path(tmp) / 'd3.db'}"
        engine = create_engine(url)
        upgrade(engine)
        kek = new_kek()
        achievement_id = prepare(context(engine, kek))
        engine.dispose()
        worker = subprocess.run(
            [sys.executable, __file__, "--worker", url, kek.hex(), achievement_id],
            capture_output=True,
            text=True,
            check=False,
        )
        row_id = worker.stdout.strip()
        print(f"worker exit {worker.returncode} (SIGKILL = -9), acknowledged badge {row_id}")
        if args.crash:
            subprocess.run(shlex.split(args.crash), check=False)
            print("database crashed")
            if args.restart:
                subprocess.run(shlex.split(args.restart), check=True)
                time.sleep(2)
        engine = create_engine(url)
        with session_scope(engine, write=False) as session:
            row = session.get(Credential, row_id)
        if row is None:
            print("FAILED: the acknowledged badge is missing")
            return 1
        result = verdict(context(engine, kek), row.signed_text)
        engine.dispose()
        print(f"badge present after the crash, verification: {result}")
        return 0 if result == "verified" else 1


if __name__ == "__main__":
    sys.exit(main())
