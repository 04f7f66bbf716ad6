# ruff: noqa: F811  (the env fixture imported from tests.cli.issuer_env is a parameter here)
"""Every ``atouts`` issuing command of issue 4 with the flags the issue lists (and the ones the
command adds): org create (with a parent network) and member roles, achievement create with
several items, issue with each kind of evidence, dates, suite and a claim QR, revoke with a
private reason, and export as json, jwt, png and svg — each export verifying with
``atouts verify``. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from cli.main import main
from referentials.bundled import load_bundled
from storage.engine import create_engine, session_scope
from storage.tables import Credential, Member, Organisation
from tests.cli.issuer_env import BASE, env, run  # noqa: F401 - env is a fixture


def _verify(capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path) -> dict[str, object]:
    code, mapping, _ = run(capsys, "org", "publish", "--dir", str(tmp_path / "public"))
    assert code == 0
    maps = [arg for line in mapping.split() for arg in ("--map", line)]
    later = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _, out, _ = run(capsys, "verify", str(path), "--json", "--offline", "--at", later, *maps)
    report: dict[str, object] = json.loads(out)
    return report


def _achievement(capsys: pytest.CaptureFixture[str]) -> str:
    code, out, _ = run(
        capsys,
        "achievement",
        "create",
        "--referential",
        "attitude-pro-reunion",
        "--items",
        "SE01",
        "SE02",
        "SE03",
        "--org",
        "cfa-ouest",
        "--json",
    )
    assert code == 0
    body = json.loads(out)
    ref = next(r for r in load_bundled() if r.slug == "attitude-pro-reunion")
    expected = [ref.item(code).human_code or code for code in ("SE01", "SE02", "SE03")]
    assert [a["targetCode"] for a in body["achievement"]["alignment"]] == expected
    return str(body["id"])


def test_org_create_with_a_parent_and_member_roles_from_the_command_line(
    env: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "org", "create", "--slug", "reseau", "--name", "Réseau", "--json")
    assert code == 0
    parent = json.loads(out)
    assert parent["issuer"] == "did:web:formation.example:issuers:reseau"
    code, out, _ = run(
        capsys,
        "org",
        "create",
        "--slug",
        "cfa-ouest",
        "--name",
        "CFA Ouest",
        "--parent",
        "reseau",
        "--email",
        "contact@cfa-ouest.example",
        "--json",
    )
    assert code == 0
    profile = json.loads(out)["profile"]
    assert profile["parentOrg"]["id"] == parent["issuer"]
    assert profile["email"] == "contact@cfa-ouest.example"
    for email, role in [("d@example.org", "admin"), ("f@example.org", "issuer")]:
        code, out, _ = run(capsys, "org", "member", "cfa-ouest", "--email", email, "--role", role)
        assert code == 0
        assert f"« {role} »" in out
    code, out, _ = run(
        capsys, "org", "member", "cfa-ouest", "--email", "r@example.org", "--role", "reviewer"
    )
    assert code == 0
    with pytest.raises(SystemExit) as usage:
        main(["org", "member", "cfa-ouest", "--email", "x@example.org", "--role", "patron"])
    assert usage.value.code != 0
    engine = create_engine(db_url)
    try:
        with session_scope(engine, write=False) as session:
            org = session.exec(select(Organisation).where(Organisation.slug == "cfa-ouest")).one()
            roles = sorted(
                str(m.role)
                for m in session.exec(select(Member).where(Member.organisation_id == org.id))
            )
    finally:
        engine.dispose()
    assert roles == ["admin", "issuer", "reviewer"]
    code, _, err = run(capsys, "org", "create", "--slug", "cfa-ouest", "--name", "Encore")
    assert code != 0
    assert "existe déjà" in err


def test_issue_with_every_kind_of_evidence_dates_and_a_claim_qr(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "org", "create", "--slug", "cfa-ouest", "--name", "CFA Ouest")
    achievement = _achievement(capsys)
    proof_file = env / "photo.jpg"
    proof_file.write_bytes(b"\xff\xd8 photo du mur")
    until = (datetime.now(UTC) + timedelta(days=365)).strftime("%Y-%m-%d")
    since = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%d")
    qr = env / "qr.svg"
    code, out, _ = run(
        capsys,
        "issue",
        "--achievement",
        achievement,
        "--evidence",
        "Accueil observé",
        "--evidence-url",
        "https://exemple.org/portfolio/7",
        "--evidence-file",
        str(proof_file),
        "--level",
        "N3",
        "--valid-from",
        since,
        "--valid-until",
        until,
        "--qr",
        str(qr),
        "--json",
    )
    assert code == 0
    issued = json.loads(out)
    credential = issued["credential"]
    assert issued["claim_url"] == f"{BASE}/reclamer/{issued['claim_code']}"
    assert qr.read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
    evidence_ids = {e.get("id") for e in credential["evidence"]}
    assert "https://exemple.org/portfolio/7" in evidence_ids
    digest = hashlib.sha256(proof_file.read_bytes()).digest()
    ni = "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip("=")
    assert ni in evidence_ids
    assert any(e.get("narrative") == "Accueil observé" for e in credential["evidence"])
    assert credential["validFrom"].startswith(since)
    assert credential["validUntil"].startswith(until)
    assert credential["credentialSubject"]["result"][0]["achievedLevel"].endswith("#niveau-N3")
    path = env / "badge.json"
    path.write_text(json.dumps(credential), encoding="utf-8")
    report = _verify(capsys, env, path)
    assert report["verdict"] == "verified", report

    code, _, err = run(capsys, "issue", "--achievement", achievement, "--recipient", "quelqu'un")
    assert code != 0
    assert "non reconnu" in err
    code, _, err = run(capsys, "issue", "--achievement", achievement, "--level", "N9")
    assert code != 0
    assert "niveau « N9 » inconnu" in err
    missing = env / "absente.jpg"
    code, _, err = run(
        capsys, "issue", "--achievement", achievement, "--evidence-file", str(missing)
    )
    assert code != 0
    assert f"fichier de preuve introuvable : {missing}" in err


@pytest.mark.parametrize(
    ("suite", "formats"),
    [("eddsa-rdfc-2022", ("json", "png", "svg")), ("vc-jwt", ("jwt", "png", "svg"))],
)
def test_export_as_json_jwt_png_and_svg_each_verifies(
    env: Path, capsys: pytest.CaptureFixture[str], suite: str, formats: tuple[str, ...]
) -> None:
    run(capsys, "org", "create", "--slug", "cfa-ouest", "--name", "CFA Ouest")
    achievement = _achievement(capsys)
    code, out, _ = run(
        capsys,
        "issue",
        "--achievement",
        achievement,
        "--recipient",
        "lea@example.org",
        "--suite",
        suite,
        "--json",
    )
    assert code == 0
    issued = json.loads(out)
    signed = issued["credential"]
    for kind in formats:
        target = env / f"badge.{kind}"
        code, _, _ = run(capsys, "export", issued["id"], "--as", kind, "-o", str(target))
        assert code == 0
        data = target.read_bytes()
        if kind == "json":
            assert json.loads(data) == signed
        elif kind == "jwt":
            assert data.decode() == signed
        report = _verify(capsys, env, target)
        assert report["verdict"] == "verified", (kind, report)
    other = "jwt" if suite != "vc-jwt" else "json"
    code, _, err = run(capsys, "export", issued["id"], "--as", other, "-o", str(env / "x"))
    assert code != 0
    assert "sans être signé à nouveau" in err


def test_revoke_keeps_its_reason_private(
    env: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "org", "create", "--slug", "cfa-ouest", "--name", "CFA Ouest")
    achievement = _achievement(capsys)
    _, out, _ = run(
        capsys, "issue", "--achievement", achievement, "--recipient", "a@example.org", "--json"
    )
    issued = json.loads(out)
    code, out, _ = run(
        capsys, "revoke", issued["id"], "--reason", "erreur de destinataire", "--json"
    )
    assert code == 0
    assert json.loads(out)["state"] == "revoked"
    code, out, _ = run(capsys, "org", "publish", "--dir", str(env / "public"))
    assert code == 0
    published = "".join(p.read_text(encoding="utf-8") for p in (env / "public").glob("*.json"))
    assert "erreur de destinataire" not in published
    engine = create_engine(db_url)
    try:
        with session_scope(engine, write=False) as session:
            row = session.get(Credential, issued["id"])
            assert row is not None
            assert row.state_reason == "erreur de destinataire"
    finally:
        engine.dispose()
    code, _, err = run(capsys, "reinstate", issued["id"])
    assert code != 0
    assert err.strip()
