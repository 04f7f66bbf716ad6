"""``atouts verify``: exit status 0/1/2/64, the French summary, --json, --map, --trust-key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from tests.verifier.builders import (
    LIST_URL,
    key,
    sign,
    signed,
    status_entry,
    status_list,
    unsigned,
)


def write(tmp_path: Path, name: str, value: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def test_verified_badge_exits_0_with_the_verdict_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "badge.json", signed())
    assert main(["verify", str(path), "--offline", "--at", "2026-01-01T00:00:00Z"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("✔ Badge authentique")
    assert any(line.strip().startswith("✔ Signature") for line in out)


def test_tampered_badge_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    credential = signed()
    credential["name"] = "Autre"
    path = write(tmp_path, "badge.json", credential)
    assert main(["verify", str(path), "--offline"]) == 1
    assert capsys.readouterr().out.startswith("✖ Non valable")


def test_unreachable_status_list_exits_2_and_map_serves_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = key()
    path = write(tmp_path, "badge.json", signed(pair, credentialStatus=status_entry(3)))
    assert main(["verify", str(path), "--offline", "--at", "2026-01-01T00:00:00Z"]) == 2
    listing = write(tmp_path, "list.json", status_list(pair, revoked=(3,)))
    code = main(["verify", str(path), "--offline", "--json", "--map", f"{LIST_URL}={listing}"])
    assert code == 1
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{") :])
    status = next(c for c in report["checks"] if c["check"] == "status")
    assert [p["code"] for p in status["problems"]] == ["revoked"]


def test_json_output_is_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "badge.json", signed(validUntil="2025-06-01T00:00:00Z"))
    assert main(["verify", str(path), "--json", "--offline", "--at", "2026-01-01"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["verdict"] == "verified"
    assert report["policy"] == "default"
    assert [c["check"] for c in report["checks"]][:4] == ["structure", "context", "schema", "proof"]
    assert main(["verify", str(path), "--offline", "--policy", "strict"]) == 1


def test_trust_key_pins_an_https_issuer_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = key()
    issuer = "https://formation.example/issuers/1"
    credential = sign(
        unsigned(issuer), pair, verification_method=f"{issuer}#{pair.public.public_key_multibase}"
    )
    path = write(tmp_path, "badge.json", credential)
    assert main(["verify", str(path), "--offline"]) == 2
    key_file = write(tmp_path, "key.json", {"publicKeyMultibase": pair.public.public_key_multibase})
    assert main(["verify", str(path), "--offline", "--trust-key", str(key_file)]) == 0


def test_trust_registry_file_and_stdin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import sys

    pair = key()
    registry = tmp_path / "trust.yaml"
    registry.write_text(f"issuers:\n  - id: {pair.public.did_key}\n    name: CFA\n", "utf-8")
    data = json.dumps(signed(pair)).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["verify", "-", "--offline", "--policy", "strict", "--trust", str(registry)]) == 0
    assert "fait partie des organismes reconnus" in capsys.readouterr().out


@pytest.mark.parametrize(
    "arguments",
    [
        ["verify"],
        ["verify", "missing-file.json"],
        ["verify", "x.json", "--policy", "lenient"],
        ["verify", "x.json", "--at", "not-a-date"],
        ["verify", "x.json", "--map", "no-equals-sign"],
    ],
)
def test_usage_errors_exit_64(arguments: list[str], tmp_path: Path) -> None:
    try:
        code = main(arguments)
    except SystemExit as exc:  # argparse exits for missing or invalid arguments
        code = int(exc.code or 0)
    assert code == 64


def test_recipient_option_checks_the_holder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "badge.json", signed())
    args = ["verify", str(path), "--offline", "--at", "2026-01-01T00:00:00Z"]
    assert main([*args, "--recipient", "did:example:titulaire-1"]) == 0
    assert main([*args, "--recipient", "did:example:someone-else", "--lang", "en"]) == 1
    assert "was not issued to the stated person" in capsys.readouterr().out
