# ruff: noqa: F811  (the env fixture imported from tests.cli.issuer_env is a parameter here)
"""``atouts issue-batch FILE --achievement ID --dry-run`` refuses a level the badge does not
define (« ligne N, colonne « niveau » : … » with the accepted levels), and an unknown badge
plainly; ``atouts issue`` tells a recipient whose account chose English in English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from api.mail_texts import store_language
from storage.engine import create_engine, session_scope
from storage.tables import OutboxMessage, User
from tests.cli.issuer_env import BASE, env, run  # noqa: F401 - env is a fixture


def _achievement(capsys: pytest.CaptureFixture[str]) -> str:
    assert run(capsys, "org", "create", "--slug", "cfa", "--name", "CFA Ouest")[0] == 0
    code, out, _ = run(
        capsys,
        "achievement",
        "create",
        "--referential",
        "attitude-pro-reunion",
        "--items",
        "SE05",
        "--json",
    )
    assert code == 0
    return str(json.loads(out)["id"])


def test_cli_dry_run_with_the_achievement_reports_an_unknown_level(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    achievement = _achievement(capsys)
    path = env / "lot.csv"
    path.write_text("email;niveau\na@example.org;N1\nb@example.org;N9\n", encoding="utf-8")
    code, out, _ = run(capsys, "issue-batch", str(path), "--achievement", achievement, "--dry-run")
    assert code == 1
    assert (
        "ligne 3, colonne « niveau » : niveau « N9 » inconnu pour ce badge (niveaux : N1, N2, N3)"
    ) in out
    assert "1 badges prêts, 1 lignes à corriger" in out
    code, out, _ = run(
        capsys, "issue-batch", str(path), "--achievement", achievement, "--dry-run", "--json"
    )
    assert json.loads(out)["errors"][0]["code"] == "level_unknown"


def test_cli_dry_run_with_an_unknown_achievement_says_so(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = env / "lot.csv"
    path.write_text("email;niveau\na@example.org;N1\n", encoding="utf-8")
    code, out, err = run(
        capsys, "issue-batch", str(path), "--achievement", "pas-un-badge", "--dry-run"
    )
    assert code != 0
    assert "badge type « pas-un-badge » inconnu" in out + err


def test_cli_issue_tells_a_recipient_who_chose_english_in_english(
    env: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    achievement = _achievement(capsys)
    engine = create_engine(db_url)
    try:
        with session_scope(engine) as session:
            user = User(display_name="Sam", email="sam@example.org")
            session.add(user)
            session.flush()
            user_id = user.id
        store_language(engine, user_id, "en")
        code, _, _ = run(
            capsys, "issue", "--achievement", achievement, "--recipient", "sam@example.org"
        )
        assert code == 0
        with session_scope(engine, write=False) as session:
            message = session.exec(select(OutboxMessage)).one()
    finally:
        engine.dispose()
    assert message.subject.startswith("Your badge “")
    assert "gave you a badge" in message.body
