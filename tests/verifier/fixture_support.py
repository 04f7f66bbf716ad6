"""Offline access to the shared fixtures: a local map for their network URLs, pinned keys.

Every URL a fixture points to (DCC status lists and did:web documents, the 1EdTech bitstring test
list) is served from ``../shared`` through ``MapFetcher``: no test ever opens a socket.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

from badges.fetch import MapFetcher
from badges.keys import Ed25519PublicKey, KeyFormatError
from tests.conftest import SHARED

STANDARDS = SHARED / "standards"
NEGATIVE = STANDARDS / "negative"
DCC = NEGATIVE / "dcc-vc-test-fixtures"
ONEEDTECH = STANDARDS / "1edtech-validator"
NOW = datetime(2026, 1, 1, tzinfo=UTC)

_DCC_LISTS = (
    "https://digitalcredentials.github.io/vc-test-fixtures/statusLists/didkey-ed25519Signature2020/"
)
_BSL_TESTLIST = (
    "https://raw.githubusercontent.com/1EdTech/digital-credentials-public-validator/refs/heads/"
    "main/inspector-vc/src/test/resources/ob30/bit-string-list/testlist"
)


def local_map() -> dict[str, Path]:
    mapping: dict[str, Path] = {
        "https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/src/"
        "test-fixtures/status/e5WK8CbZ1GjycuPombrj": DCC / "statusLists/e5WK8CbZ1GjycuPombrj.json",
        "https://digitalcredentials.github.io/vc-test-fixtures/dids/oidf/did.json": DCC
        / "dids/oidf-did.json",
        "https://digitalcredentials.github.io/vc-test-fixtures/dids/legacy/did.json": DCC
        / "dids/legacy-did.json",
        _BSL_TESTLIST: ONEEDTECH / "ob30/bit-string-list/testlist",
    }
    for name in (
        "e5WK8CbZ1GjycuPombrj",
        "tampered",
        "notYetValid",
        "missingBitStringType",
        "expired",
    ):
        mapping[_DCC_LISTS + name] = DCC / f"statusLists/{name}.json"
    return mapping


def fetcher(extra: dict[str, bytes] | None = None) -> MapFetcher:
    mapped: dict[str, bytes | str | Path] = dict(local_map())
    mapped.update(extra or {})
    return MapFetcher(mapped)


def fragment_keys(document: Any) -> list[Ed25519PublicKey]:
    """The keys written in verification method fragments, to pin them explicitly.

    Pinning is the test's own trust decision (what ``--trust-key`` does); the verifier never
    trusts such a key by itself (reliability-ux.md finding 4).
    """
    keys: list[Ed25519PublicKey] = []
    proofs = document.get("proof", []) if isinstance(document, dict) else []
    for proof in proofs if isinstance(proofs, list) else [proofs]:
        method = proof.get("verificationMethod") if isinstance(proof, dict) else None
        if isinstance(method, str):
            fragment = urldefrag(method)[1]
            try:
                keys.append(Ed25519PublicKey.from_multibase(fragment))
            except (KeyFormatError, ValueError):
                continue
    return keys


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
