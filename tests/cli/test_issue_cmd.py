# ruff: noqa: F811  (the env fixture imported from tests.cli.issuer_env is a parameter here)
"""The issuing commands end to end: org → achievement → issue → atouts verify (verified);
revoke → not verified (revoked); suspend → suspended; reinstate → verified; batch with resume."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli.main import main
from issuer.custody import generate_kek
from tests.cli.issuer_env import BASE, env  # noqa: F401 - env is a fixture


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, out


def _verify(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, credential: str
) -> dict[str, object]:
    code, mapping = run(capsys, "org", "publish", "--dir", str(tmp_path / "public"))
    assert code == 0
    maps = [arg for line in mapping.split() for arg in ("--map", line)]
    path = tmp_path / "badge.json"
    path.write_text(credential, encoding="utf-8")
    # A minute after issuance (the verifier's clock is not the issuer's, and not the same second).
    later = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _, out = run(capsys, "verify", str(path), "--json", "--offline", "--at", later, *maps)
    report: dict[str, object] = json.loads(out)
    return report


def _codes(report: dict[str, object]) -> list[str]:
    checks = report["checks"]
    assert isinstance(checks, list)
    return [p["code"] for c in checks for p in c["problems"]]


def test_issue_verify_revoke_suspend_reinstate_from_the_command_line(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "org", "create", "--slug", "cfa-ouest", "--name", "CFA Ouest")[0] == 0
    code, out = run(
        capsys,
        "achievement",
        "create",
        "--referential",
        "attitude-pro-reunion",
        "--items",
        "SE01",
        "SE02",
        "--json",
    )
    assert code == 0
    achievement = json.loads(out)["id"]

    code, out = run(
        capsys,
        "issue",
        "--achievement",
        achievement,
        "--recipient",
        "lea@example.org",
        "--level",
        "N2",
        "--evidence",
        "Accueil observé",
        "--json",
    )
    assert code == 0
    issued = json.loads(out)
    credential = json.dumps(issued["credential"])
    assert _verify(capsys, env, credential)["verdict"] == "verified"

    assert run(capsys, "revoke", issued["id"], "--reason", "erreur")[0] == 0
    report = _verify(capsys, env, credential)
    assert report["verdict"] == "not_verified"
    assert "revoked" in _codes(report)

    code, out = run(
        capsys,
        "issue",
        "--achievement",
        achievement,
        "--recipient",
        "tel:0692123456",
        "--suspendable",
        "--json",
    )
    second = json.loads(out)
    other = json.dumps(second["credential"])
    assert run(capsys, "revoke", second["credential_id"], "--suspend")[0] == 0
    report = _verify(capsys, env, other)
    assert "suspended" in _codes(report)
    assert run(capsys, "reinstate", second["id"])[0] == 0
    assert _verify(capsys, env, other)["verdict"] == "verified"

    png = env / "badge.png"
    assert run(capsys, "export", second["id"], "--as", "png", "-o", str(png))[0] == 0
    assert png.read_bytes().startswith(b"\x89PNG")


def test_batch_dry_run_then_issue_then_resume_is_a_no_op(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "org", "create", "--slug", "cfa", "--name", "CFA")
    _, out = run(
        capsys,
        "achievement",
        "create",
        "--referential",
        "attitude-pro-reunion",
        "--items",
        "SE05",
        "--json",
    )
    achievement = json.loads(out)["id"]
    path = env / "lot.csv"
    path.write_text("email;niveau\na@example.org;N1\nfaux;N1\nc@example.org;N3\n", encoding="utf-8")
    code, out = run(capsys, "issue-batch", str(path), "--achievement", achievement, "--dry-run")
    assert code == 1
    assert "ligne 3, colonne « email »" in out
    assert "2 badges prêts, 1 lignes à corriger" in out
    result = env / "resultat.csv"
    code, out = run(
        capsys,
        "issue-batch",
        str(path),
        "--achievement",
        achievement,
        "--idempotency-key",
        "k1",
        "--result",
        str(result),
        "--json",
    )
    assert code == 0
    summary = json.loads(out)
    assert (summary["issued"], summary["failed"]) == (2, 1)
    assert result.read_text(encoding="utf-8-sig").count("délivré") == 2
    code, out = run(
        capsys, "issue-batch", "resume", summary["id"], "--json", "--result", str(result)
    )
    assert json.loads(out)["issued"] == 2
    path.write_text("email\nz@example.org\n", encoding="utf-8")
    code, _ = run(
        capsys, "issue-batch", str(path), "--achievement", achievement, "--idempotency-key", "k1"
    )
    assert code == 1


def test_unmigrated_database_is_refused_with_advice(
    empty_db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ATOUTS_DATABASE_URL", empty_db_url)
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path))
    monkeypatch.setenv("ATOUTS_SECRET_KEY", generate_kek())
    assert main(["org", "create", "--slug", "x", "--name", "X"]) == 1
    assert "atouts db upgrade" in capsys.readouterr().err


def test_template_is_written(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = env / "modele.xlsx"
    assert run(capsys, "issue-batch", "template", "--format", "xlsx", "-o", str(target))[0] == 0
    assert target.read_bytes().startswith(b"PK")
