"""Drills D3 and D7 of reliability-ux.md are scripts to run by hand against a real server
(``scripts/drill_d3.py`` can stop PostgreSQL abruptly with ``--crash``); this keeps them runnable
and passing: D3 on SQLite (kill -9 right after the acknowledgement, the badge is there and
verifies) and D7 on the test backend (backup, restore into an empty database, identical verdicts
and status-list hashes, a new badge signed with the restored keys). D3's PostgreSQL half runs on
a private throw-away server started for the test (stopped with ``pg_ctl stop -m immediate``,
never the shared one), when the PostgreSQL server programs are installed."""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = found[-1] if found else shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _as_postgres(command: str) -> str:
    """``command`` run as the ``postgres`` user when we are root (initdb refuses root)."""
    if os.geteuid() == 0:
        return f"su postgres -c {shlex.quote(command)}"
    return command


@pytest.fixture
def private_postgres() -> Iterator[tuple[str, str, str]]:
    """A throw-away PostgreSQL server: (URL, crash command, restart command)."""
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed")
    if os.geteuid() == 0 and shutil.which("su") is None:
        pytest.skip("running as root without su: initdb cannot run")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = Path(tempfile.mkdtemp(prefix="atouts-d3-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, user="postgres")
    data = workdir / "data"
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1"
    start = f"{bindir}/pg_ctl -D {data} -o {shlex.quote(options)} -l {workdir}/log start -w"
    stop = f"{bindir}/pg_ctl -D {data} stop -m immediate"
    subprocess.run(
        shlex.split(_as_postgres(f"{bindir}/initdb -D {data} -A trust -U postgres")),
        check=True,
        capture_output=True,
    )
    subprocess.run(shlex.split(_as_postgres(start)), check=True, capture_output=True)
    try:
        yield (
            f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
            _as_postgres(stop),
            _as_postgres(start),
        )
    finally:
        subprocess.run(
            shlex.split(_as_postgres(f"{bindir}/pg_ctl -D {data} stop -m fast")),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.mark.postgres
def test_drill_d3_an_acknowledged_badge_survives_an_immediate_postgresql_stop(
    private_postgres: tuple[str, str, str],
) -> None:
    url, crash, restart = private_postgres
    out = _drill(
        "scripts/drill_d3.py", "--database-url", url, "--crash", crash, "--restart", restart
    )
    assert "worker exit -9" in out
    assert "database crashed" in out
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
