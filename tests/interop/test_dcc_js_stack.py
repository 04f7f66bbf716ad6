"""Interop with the Digital Bazaar / DCC JavaScript stack (issue 2, "What must hold").

Both directions for DataIntegrityProof ``eddsa-rdfc-2022``: a credential signed by atouts verifies
with ``@digitalbazaar/vc`` + ``@digitalbazaar/eddsa-rdfc-2022-cryptosuite``, one signed there
verifies in atouts, and a tampered copy fails on both sides. The npm packages are installed on
demand into ``tests/interop/js`` (``npm ci``, exact versions in package-lock.json); the JS document
loader serves only the contexts of the npm context packages and did:key documents (no network).
"""

from __future__ import annotations

import copy
import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from badges.keys import Ed25519KeyPair
from badges.proofs.data_integrity import create_proof, verify_proof
from badges.resolution import KeyResolver

pytestmark = pytest.mark.interop

JS_DIR = Path(__file__).resolve().parent / "js"
SEED = bytes(range(32))
CREATED = "2025-01-15T09:00:00Z"


def _install(js_dir: Path) -> None:
    marker = js_dir / "node_modules" / ".package-lock.json"
    lock = js_dir / "package-lock.json"
    with (js_dir / ".install.lock").open("w") as guard:
        # Two pytest-xdist workers must not run npm in the same folder at once.
        fcntl.flock(guard, fcntl.LOCK_EX)
        if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
            return
        completed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=js_dir,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(f"npm ci failed in {js_dir}:\n{completed.stdout}\n{completed.stderr}")


@pytest.fixture(scope="module")
def js() -> Any:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the JavaScript interop cannot run")
    _install(JS_DIR)

    def run(command: str, payload: dict[str, Any]) -> dict[str, Any]:
        completed = subprocess.run(
            ["node", "interop.mjs", command],
            cwd=JS_DIR,
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert completed.stdout, completed.stderr
        result: dict[str, Any] = json.loads(completed.stdout)
        assert "error" not in result, result["error"]
        return result

    return run


def ob_credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": "urn:uuid:7f3b1c52-0f0d-4a5e-9d1c-5d8f0e7a9b10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Atelier Vélo Solidaire"},
        "validFrom": "2025-01-15T09:00:00Z",
        "name": "Réparer une crevaison",
        "credentialSubject": {
            "id": "did:example:apprenant",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://atouts.example/achievements/velo-1",
                "type": ["Achievement"],
                "name": "Réparer une crevaison",
                "description": "Démonte la roue, répare la chambre à air et remonte la roue.",
                "criteria": {"narrative": "Observé en atelier sur trois réparations."},
            },
        },
    }


def tampered(document: dict[str, Any]) -> dict[str, Any]:
    copy_ = copy.deepcopy(document)
    copy_["credentialSubject"]["achievement"]["name"] = "Diplôme d'ingénieur"
    return copy_


@pytest.fixture(scope="module")
def key() -> Ed25519KeyPair:
    return Ed25519KeyPair.from_seed(SEED)


def test_js_stack_checks_the_w3c_vector_and_rejects_a_tampered_copy(js: Any, shared: Path) -> None:
    vectors = shared / "standards/vc-di-eddsa/TestVectors/eddsa-rdfc-2022"
    signed = json.loads((vectors / "signedDataInt.json").read_text())
    # The W3C examples context ships in no npm package; the test hands it over from ../shared.
    examples = json.loads(
        (shared / "standards/vc-data-model-2.0/contexts/credentials/examples/v2").read_text()
    )
    extra = {"https://www.w3.org/ns/credentials/examples/v2": examples}
    assert js("verify-proof", {"credential": signed, "extraContexts": extra}) == {
        "verified": True,
        "errors": [],
    }
    forged = {**signed, "name": "Forged Credential"}
    result = js("verify-proof", {"credential": forged, "extraContexts": extra})
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_credential_signed_by_atouts_verifies_in_the_js_stack(js: Any, key: Ed25519KeyPair) -> None:
    did = key.public.did_key
    signed = create_proof(
        ob_credential(did),
        key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=f"{did}#{key.public.public_key_multibase}",
        created=CREATED,
    )
    assert js("verify", {"credential": signed}) == {"verified": True, "errors": []}
    result = js("verify", {"credential": tampered(signed)})
    assert result["verified"] is False
    assert "Invalid signature." in result["errors"]


def test_credential_signed_by_the_js_stack_verifies_in_atouts(js: Any, key: Ed25519KeyPair) -> None:
    did = key.public.did_key
    output = js("sign", {"seed": SEED.hex(), "created": CREATED, "credential": ob_credential(did)})
    signed = output["signed"]
    assert output["verificationMethod"] == f"{did}#{key.public.public_key_multibase}"
    assert signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"

    resolve_key = KeyResolver().for_issuer(did)
    result = verify_proof(signed, resolve_key=resolve_key)
    assert result.verified, result.problems
    assert result.verification_method == output["verificationMethod"]

    forged = verify_proof(tampered(signed), resolve_key=resolve_key)
    assert not forged.verified
    assert [p.code for p in forged.problems] == ["signature_invalid"]


def test_both_stacks_produce_the_same_signature_for_the_same_options(
    js: Any, key: Ed25519KeyPair
) -> None:
    # Ed25519 is deterministic: equal proofValues mean equal canonical N-Quads and hashes.
    did = key.public.did_key
    theirs = js("sign", {"seed": SEED.hex(), "created": CREATED, "credential": ob_credential(did)})
    ours = create_proof(
        ob_credential(did),
        key,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=theirs["verificationMethod"],
        created=CREATED,
    )
    assert ours["proof"]["proofValue"] == theirs["signed"]["proof"]["proofValue"]


def test_js_signed_credential_is_not_bound_to_another_issuer_in_atouts(
    js: Any, key: Ed25519KeyPair
) -> None:
    # Key substitution across stacks: a valid JS signature by someone else's did:key does not make
    # the credential the stated issuer's.
    victim = Ed25519KeyPair.from_seed(bytes(32)).public.did_key
    output = js(
        "sign", {"seed": SEED.hex(), "created": CREATED, "credential": ob_credential(victim)}
    )
    result = verify_proof(output["signed"], resolve_key=KeyResolver().for_issuer(victim))
    assert not result.verified
    assert [p.code for p in result.problems] == ["key_not_bound_to_issuer"]
