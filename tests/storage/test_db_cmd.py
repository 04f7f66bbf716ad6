"""``atouts db upgrade`` / ``atouts db status`` on the database the application would use."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from storage.engine import create_engine
from storage.migrate import head_revision, is_up_to_date


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("ATOUTS_HOME", str(home))
    monkeypatch.delenv("ATOUTS_DATABASE_URL", raising=False)
    return home


def test_db_upgrade_creates_the_sqlite_database_under_atouts_home(
    fresh_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "status"]) == 1
    assert "lancez `atouts db upgrade`" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "mise à jour" in capsys.readouterr().out
    engine = create_engine(f"sqlite:///{fresh_home / 'atouts.db'}")
    try:
        assert is_up_to_date(engine)
    finally:
        engine.dispose()
    assert main(["db", "upgrade"]) == 0
    assert "déjà à jour" in capsys.readouterr().out
    assert main(["db", "status"]) == 0
    assert "est à jour" in capsys.readouterr().out


def test_db_commands_use_atouts_database_url(
    empty_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ATOUTS_DATABASE_URL", empty_db_url)
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["db", "status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["up_to_date"] is True
    assert status["current_revision"] == status["head_revision"] == head_revision()


def test_db_without_an_action_is_a_usage_error(fresh_home: Path) -> None:
    assert main(["db"]) == 64
