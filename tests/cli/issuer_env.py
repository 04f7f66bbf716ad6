"""The environment of the issuing commands in tests: a database, a home, a base URL and a master
key of their own, and a runner that returns the exit status with what was printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from issuer.custody import generate_kek

BASE = "https://formation.example"


@pytest.fixture
def env(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATOUTS_DATABASE_URL", db_url)
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATOUTS_BASE_URL", BASE)
    monkeypatch.setenv("ATOUTS_SECRET_KEY", generate_kek())
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err
