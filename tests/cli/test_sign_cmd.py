"""``atouts sign``: vectors reproduced from the command line, suites, refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from badges.keys import Ed25519KeyPair
from badges.multibase import base64url_decode
from badges.proofs.data_integrity import verify_proof
from cli.main import main

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def badge() -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB],
        "id": "urn:uuid:6e1e7c55-46b5-4f52-9d36-0d0a4f0b3c01",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://org.example/profil", "type": ["Profile"], "name": "Org"},
        "validFrom": "2026-03-01T09:00:00Z",
        "name": "Ponctualité",
        "credentialSubject": {
            "id": "did:example:beneficiaire",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://org.example/a/1",
                "type": ["Achievement"],
                "name": "Ponctualité",
                "criteria": {"narrative": "Arrive à l'heure"},
            },
        },
    }


@pytest.fixture
def keyfile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "key.json"
    assert (
        main(["keys", "generate", "-o", str(path), "--controller", "https://org.example/profil"])
        == 0
    )
    capsys.readouterr()
    return path


def write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_sign_prints_a_verifiable_credential(
    tmp_path: Path, keyfile: Path, capsys: pytest.CaptureFixture[str], suite: str
) -> None:
    src = write(tmp_path, "badge.json", badge())
    assert main(["sign", str(src), "--key", str(keyfile), "--suite", suite]) == 0
    signed = json.loads(capsys.readouterr().out)
    key = Ed25519KeyPair.from_key_file(json.loads(keyfile.read_text()))
    assert signed["proof"]["verificationMethod"] == json.loads(keyfile.read_text())["id"]
    assert signed["proof"]["created"].endswith("Z")
    assert verify_proof(signed, resolve_key=lambda vm: key.public).verified


def test_sign_refuses_undefined_terms(
    tmp_path: Path, keyfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = badge()
    doc["credentialSubject"]["note"] = "20/20"
    src = write(tmp_path, "badge.json", doc)
    assert main(["sign", str(src), "--key", str(keyfile)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "data_loss" in captured.err


def test_sign_refuses_a_public_only_key(
    tmp_path: Path, keyfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = tmp_path / "pub.json"
    assert main(["keys", "public", str(keyfile)]) == 0
    public.write_text(capsys.readouterr().out)
    src = write(tmp_path, "badge.json", badge())
    assert main(["sign", str(src), "--key", str(public)]) == 64


def test_missing_input_is_a_usage_error(keyfile: Path) -> None:
    assert main(["sign", "/nonexistent.json", "--key", str(keyfile)]) == 64


def test_vc_jwt_suite_prints_a_compact_jwt(
    tmp_path: Path, keyfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("badges.jwt")
    src = write(tmp_path, "badge.json", badge())
    assert main(["sign", str(src), "--key", str(keyfile), "--suite", "vc-jwt"]) == 0
    token = capsys.readouterr().out.strip()
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(base64url_decode(header_b64))
    payload = json.loads(base64url_decode(payload_b64))
    key = Ed25519KeyPair.from_key_file(json.loads(keyfile.read_text()))
    assert header["alg"] == "EdDSA"
    assert header["kid"] == json.loads(keyfile.read_text())["id"]
    assert payload["iss"] == "https://org.example/profil"
    assert key.public.verify(
        base64url_decode(signature_b64), f"{header_b64}.{payload_b64}".encode()
    )


W3C = "standards/vc-di-eddsa/TestVectors"


@pytest.mark.parametrize(
    ("suite", "config", "signed"),
    [
        ("eddsa-rdfc-2022", "proofConfigDataInt.json", "signedDataInt.json"),
        ("eddsa-jcs-2022", "proofConfigJCS.json", "signedJCS.json"),
    ],
)
def test_cli_reproduces_the_w3c_vectors(
    shared: Path, capsys: pytest.CaptureFixture[str], suite: str, config: str, signed: str
) -> None:
    folder = shared / W3C
    examples = shared / "standards/vc-data-model-2.0/contexts/credentials/examples/v2"
    status = main(
        [
            "sign",
            str(folder / "unsigned.json"),
            "--key",
            str(folder / "keyPair.json"),
            "--proof-options",
            str(folder / suite / config),
            "--context",
            f"{EXAMPLES}={examples}",
        ]
    )
    assert status == 0
    assert capsys.readouterr().out == (folder / suite / signed).read_text() + "\n"


@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_cli_reproduces_the_ob_and_clr_vectors(
    shared: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    folder = shared / "standards/openbadges-3.0/test-vectors" / name
    expected = (folder / "signed-credential.json").read_text()
    argv = [
        "sign",
        str(folder / "unsigned-credential.json"),
        "--key",
        str(folder / "keypair.json"),
        "--proof-options",
        str(folder / "proof-options.json"),
    ]
    if isinstance(json.loads(expected)["proof"], list):
        argv.append("--proof-set")
    assert main(argv) == 0
    assert capsys.readouterr().out == expected


def test_context_file_with_wrong_digest_is_refused(
    tmp_path: Path, keyfile: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake = tmp_path / "examples.json"
    fake.write_text('{"@context": {"@vocab": "https://evil.example/#"}}')
    src = write(tmp_path, "badge.json", badge())
    status = main(["sign", str(src), "--key", str(keyfile), "--context", f"{EXAMPLES}={fake}"])
    assert status == 64
    assert "context_not_allowed" in capsys.readouterr().err
