"""Credentials signed by the Digital Bazaar / DCC JavaScript stack get the right verdict in atouts.

Issue 5 "What must hold": valid, tampered, expired and revoked (through a status list also signed
by the JS stack and served from a local map). The JS harness is installed on demand
(``tests/interop/harness.py``); without node/npm these tests are skipped with the reason.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from badges.fetch import MapFetcher
from badges.keys import Ed25519KeyPair
from badges.status_list import StatusList
from tests.interop.harness import JsRunner, ensure_js
from verifier import VerifyOptions, verify
from verifier.report import CheckId, Verdict

pytestmark = pytest.mark.interop

SEED = bytes(range(32))
CREATED = "2025-01-15T09:00:00Z"
NOW = datetime(2026, 1, 1, tzinfo=UTC)
LIST_URL = "https://atouts.example/status/1"


@pytest.fixture(scope="module")
def js() -> JsRunner:
    return ensure_js()


@pytest.fixture(scope="module")
def did() -> str:
    return str(Ed25519KeyPair.from_seed(SEED).public.did_key)


def badge(issuer: str, **extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
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
    document.update(extra)
    return document


def js_sign(js: JsRunner, document: dict[str, Any]) -> dict[str, Any]:
    signed = js("sign", {"seed": SEED.hex(), "created": CREATED, "credential": document})
    return dict(signed["signed"])


def run(document: dict[str, Any], **options: Any) -> Any:
    return verify(document, options=VerifyOptions(now=NOW, **options))


def test_js_signed_badge_is_verified(js: JsRunner, did: str) -> None:
    report = run(js_sign(js, badge(did)))
    assert report.verdict == Verdict.VERIFIED, report.codes()


def test_js_signed_badge_tampered_is_not_verified(js: JsRunner, did: str) -> None:
    signed = js_sign(js, badge(did))
    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["achievement"]["name"] = "Diplôme d'ingénieur"
    report = run(forged)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "signature_invalid" in report.check(CheckId.PROOF).codes()  # type: ignore[union-attr]


def test_js_signed_expired_badge_shows_expiry(js: JsRunner, did: str) -> None:
    signed = js_sign(js, badge(did, validUntil="2025-06-01T00:00:00Z"))
    report = run(signed)
    assert report.verdict == Verdict.VERIFIED
    assert report.check(CheckId.VALIDITY_PERIOD).codes() == ["expired"]  # type: ignore[union-attr]
    assert run(signed, policy="strict").verdict == Verdict.NOT_VERIFIED


def test_js_signed_badge_revoked_through_a_js_signed_status_list(js: JsRunner, did: str) -> None:
    bits = StatusList()
    bits.set(8, True)
    status_list = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(),
        },
    }
    fetcher = MapFetcher({LIST_URL: json.dumps(js_sign(js, status_list)).encode()})

    def entry(index: int) -> dict[str, Any]:
        return {
            "id": f"{LIST_URL}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": LIST_URL,
        }

    revoked = run(js_sign(js, badge(did, credentialStatus=entry(8))), fetcher=fetcher)
    assert revoked.verdict == Verdict.NOT_VERIFIED
    assert revoked.check(CheckId.STATUS).codes() == ["revoked"]  # type: ignore[union-attr]
    fine = run(js_sign(js, badge(did, credentialStatus=entry(9))), fetcher=fetcher)
    assert fine.verdict == Verdict.VERIFIED, fine.codes()
