"""Issue 2, "What must hold", checked from the command line exactly as written.

Each test runs ``atouts …`` through ``cli.main.main`` on the published vectors and fixtures of
``../shared/standards`` (skipped when absent). The byte-for-byte signing of the vectors is
``tests/cli/test_sign_cmd.py``; the interop both ways is ``tests/interop/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from tests.verifier.fixture_support import fragment_keys, local_map

EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
VECTORS = "standards/openbadges-3.0/test-vectors"
W3C = "standards/vc-di-eddsa/TestVectors"
AT = "2026-01-01T00:00:00Z"


def verify_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    status = main(["verify", "--json", "--offline", "--at", AT, *argv])
    return status, json.loads(capsys.readouterr().out)


def check(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["check"] == name)


def codes(found: dict[str, Any]) -> list[str]:
    return [p["code"] for p in found["problems"]]


def changed_copy(source: Path, tmp_path: Path) -> Path:
    document = json.loads(source.read_text(encoding="utf-8"))
    document["name"] = document.get("name", "") + " (modifié)"  # one signed value changed
    path = tmp_path / f"changed-{source.name}"
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def w3c_args(shared: Path) -> list[str]:
    examples = shared / "standards/vc-data-model-2.0/contexts/credentials/examples/v2"
    return ["--context", f"{EXAMPLES}={examples}"]


@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_ob_and_clr_vectors_verify_with_a_pinned_key(
    shared: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    folder = shared / VECTORS / name
    argv = [str(folder / "signed-credential.json"), "--trust-key", str(folder / "keypair.json")]
    status, report = verify_json(argv, capsys)
    proof = check(report, "proof")
    assert proof["outcome"] == "passed", proof
    assert proof["details"]["proofs"][0]["signature"] == "valid"
    trust = check(report, "issuer_trust")
    assert trust["details"]["key_binding"] == "bound"
    assert trust["outcome"] != "indeterminate"  # unknown issuer: a warning only (ADR 0001)
    assert report["verdict"] == "verified"
    assert status == 0


@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_ob_and_clr_vectors_without_help_say_the_key_could_not_be_bound(
    shared: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    folder = shared / VECTORS / name
    status, report = verify_json([str(folder / "signed-credential.json")], capsys)
    proof = check(report, "proof")
    # Not "the proof is bad": the signature matches the key the proof names; binding it to the
    # https issuer needs the issuer's document, which cannot be fetched offline. That is the
    # issuer_trust finding, "could not bind" (indeterminate), not a failure.
    assert proof["outcome"] == "passed"
    assert codes(proof) == []
    assert proof["details"]["proofs"][0]["signature"] == "valid"
    assert proof["details"]["proofs"][0]["key_binding"] == "could_not_bind"
    trust = check(report, "issuer_trust")
    assert trust["outcome"] == "indeterminate"
    assert "verification_method_unresolvable" in codes(trust)
    assert trust["details"]["key_binding"] == "could_not_bind"
    assert report["verdict"] == "inconclusive"
    assert status == 2


@pytest.mark.parametrize("pin", [False, True])
@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_a_copy_with_one_signed_value_changed_fails_the_proof(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, pin: bool
) -> None:
    folder = shared / VECTORS / name
    argv = [str(changed_copy(folder / "signed-credential.json", tmp_path))]
    if pin:
        argv += ["--trust-key", str(folder / "keypair.json")]
    status, report = verify_json(argv, capsys)
    proof = check(report, "proof")
    assert proof["outcome"] == "failed"
    assert "signature_invalid" in codes(proof)
    assert report["verdict"] == "not_verified"
    assert status == 1


@pytest.mark.parametrize(
    "signed", ["eddsa-rdfc-2022/signedDataInt.json", "eddsa-jcs-2022/signedJCS.json"]
)
def test_w3c_vectors_signature_is_valid_and_a_changed_copy_is_not(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], signed: str
) -> None:
    source = shared / W3C / signed
    _, report = verify_json([str(source), *w3c_args(shared)], capsys)
    proof = check(report, "proof")
    assert proof["outcome"] == "passed", proof
    assert proof["details"]["proofs"][0]["signature"] == "valid"
    # The W3C vectors are signed by a did:key for an https issuer it does not belong to: that
    # binding finding is issuer_trust's, never a bad signature; and such a key never verifies.
    trust = check(report, "issuer_trust")
    assert trust["outcome"] == "failed"
    assert "key_not_bound_to_issuer" in codes(trust)
    assert proof["details"]["proofs"][0]["key_binding"] == "not_bound"
    assert report["verdict"] == "not_verified"
    status, report = verify_json([str(changed_copy(source, tmp_path)), *w3c_args(shared)], capsys)
    proof = check(report, "proof")
    assert proof["outcome"] == "failed"
    assert proof["details"]["proofs"][0]["signature"] == "invalid"
    assert "signature_invalid" in codes(proof)
    assert status == 1


def map_args() -> list[str]:
    return [arg for url, path in local_map().items() for arg in ("--map", f"{url}={path}")]


_DCC = "standards/negative/dcc-vc-test-fixtures/credentials/v2/"
_ONE = "standards/1edtech-validator/ob30/"


@pytest.mark.parametrize(
    ("kind", "path", "extra", "check_id", "code", "exit_status"),
    [
        ("tampered", _DCC + "ed25519/didKey/legacy-noStatus-noExpiry-tampered.json", [],
         "proof", "signature_invalid", 1),
        ("tampered", _ONE + "simple-err-proof-value.json", ["--pin-fragment"],
         "proof", "signature_invalid", 1),
        ("wrong key", _ONE + "simple-did-key-method.json", [],
         "issuer_trust", "key_not_bound_to_issuer", 1),
        ("wrong suite", _ONE + "simple-multiple-proofs.json", ["--pin-fragment"],
         "proof", "proof_type_unsupported", 2),
        ("expired", _DCC + "ed25519/didKey/legacy-noStatus-expired.json", ["--policy", "strict"],
         "validity_period", "expired", 1),
        ("expired", _ONE + "simple-err-expired.json", ["--pin-fragment", "--policy", "strict"],
         "validity_period", "expired", 1),
        ("not yet valid", _ONE + "simple-err-issued.json", ["--pin-fragment"],
         "validity_period", "not_yet_valid", 1),
        ("revoked", _DCC + "dataIntegrityProof/didKey/noRegsitry-revokedStatus-notExpired.json",
         [], "status", "revoked", 1),
        ("relative iri", _ONE + "simple-err-proof-method-no-scheme.json", [],
         "proof", "data_loss", 1),
    ],
)  # fmt: skip
def test_negative_fixtures_are_not_verified_with_the_right_code(
    shared: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    path: str,
    extra: list[str],
    check_id: str,
    code: str,
    exit_status: int,
) -> None:
    source = shared / path
    argv = [str(source), *map_args()]
    if "--pin-fragment" in extra:
        # The test's own trust decision, as a user would make it with --trust-key.
        pinned = fragment_keys(json.loads(source.read_text(encoding="utf-8")))[0]
        keyfile = tmp_path / "pinned.json"
        keyfile.write_text(
            json.dumps({"publicKeyMultibase": pinned.public_key_multibase}), encoding="utf-8"
        )
        argv += ["--trust-key", str(keyfile)]
    argv += [a for a in extra if a != "--pin-fragment"]
    status, report = verify_json(argv, capsys)
    assert code in codes(check(report, check_id)), (kind, report["checks"])
    assert report["verdict"] != "verified", kind
    assert status == exit_status, kind


@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_a_proof_relabelled_with_another_suite_fails(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    folder = shared / VECTORS / name
    document = json.loads((folder / "signed-credential.json").read_text(encoding="utf-8"))
    proofs = document["proof"] if isinstance(document["proof"], list) else [document["proof"]]
    proofs[0]["cryptosuite"] = "eddsa-jcs-2022"  # wrong suite for this signature
    path = tmp_path / "wrong-suite.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    argv = [str(path), "--trust-key", str(folder / "keypair.json")]
    status, report = verify_json(argv, capsys)
    assert check(report, "proof")["outcome"] == "failed"
    assert "signature_invalid" in codes(check(report, "proof"))
    assert status == 1


def test_undefined_term_is_refused_when_signing_and_when_verifying(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.verifier.builders import key, signed

    key_path = tmp_path / "key.json"
    assert main(["keys", "generate", "-o", str(key_path)]) == 0
    credential = signed(key(5))
    credential["credentialSubject"]["note"] = "20/20"  # defined by no context: unsigned data
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    source = tmp_path / "undefined.json"
    source.write_text(json.dumps(unsigned), encoding="utf-8")
    capsys.readouterr()
    assert main(["sign", str(source), "--key", str(key_path)]) == 1
    assert "data_loss" in capsys.readouterr().err
    source.write_text(json.dumps(credential), encoding="utf-8")
    status, report = verify_json([str(source)], capsys)
    assert "data_loss" in codes(check(report, "proof"))
    assert status == 1


def test_a_key_written_in_an_https_url_fragment_is_never_trusted(
    shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 1EdTech's shortcut (reliability-ux.md finding 4): the only "key" is the fragment.
    status, report = verify_json([str(shared / _ONE / "simple.json")], capsys)
    # The fragment key shows the seal is intact (proof passed), and nothing more: the key is not
    # bound to the issuer, so the badge is inconclusive, never verified.
    assert check(report, "proof")["outcome"] == "passed"
    trust = check(report, "issuer_trust")
    assert trust["outcome"] == "indeterminate"
    assert "verification_method_unresolvable" in codes(trust)
    assert report["verdict"] == "inconclusive"
    assert status == 2
