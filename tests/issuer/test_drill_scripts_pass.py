"""Drills D3 and D7 of reliability-ux.md are scripts to run by hand against a real server
(``scripts/drill_d3.py`` can stop PostgreSQL abruptly with ``--crash``); this keeps them runnable
and passing: D3 on SQLite (kill -9 right after the acknowledgement, the badge is there and
verifies) and D7 on the test backend (backup, restore into an empty database, identical verdicts
and status-list hashes, a new badge signed with the restored keys)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.dbfixtures import postgres_admin_url


def _drill(*argv: str) -> str:
    # Without a URL, D7 reads ATOUTS_TEST_DATABASE_URL: the SQLite run must not see it.
    environ = {k: v for k, v in os.environ.items() if k != "ATOUTS_TEST_DATABASE_URL"}
    completed = subprocess.run(
        [sys.executable, *argv],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_drill_d3_an_acknowledged_badge_survives_kill_9_on_sqlite() -> None:
    out = _drill("scripts/drill_d3.py")
    assert "worker exit -9" in out
    assert "badge present after the crash, verification: verified" in out


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_drill_d7_a_restored_backup_gives_identical_verdicts(backend: str) -> None:
    if backend == "postgresql":
        url = postgres_admin_url()
        if url is None:
            pytest.skip("no PostgreSQL for tests (ATOUTS_TEST_DATABASE_URL unset)")
        out = _drill("scripts/drill_d7.py", "--database-url", url)
    else:
        out = _drill("scripts/drill_d7.py")
    assert "status lists: 2, identical after restore: True" in out
    assert "verdicts identical after restore: True" in out
    assert "new badge signed with the restored keys: verified" in out
    assert "'not_verified': 5" in out  # revoked and suspended badges survive as withdrawn
