"""The bundled contexts: every digest pinned, every file equal to the reference copies."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from badges.contexts.registry import ALLOWED_CONTEXTS, CONTEXTS_DIR, OB_V3_0_3

# URL -> (path under shared/standards, byte-identical?)
SHARED_COPIES: dict[str, tuple[str, bool]] = {
    "https://www.w3.org/ns/credentials/v2": ("vc-data-model-2.0/contexts/credentials/v2", True),
    "https://www.w3.org/2018/credentials/v1": ("vc-data-model-2.0/contexts/credentials/v1", True),
    "https://www.w3.org/ns/credentials/examples/v2": (
        "vc-data-model-2.0/contexts/credentials/examples/v2",
        True,
    ),
    "https://w3id.org/security/data-integrity/v2": (
        "vc-data-integrity/contexts/data-integrity/v2",
        True,
    ),
    "https://w3id.org/security/data-integrity/v1": (
        "vc-data-integrity/contexts/data-integrity/v1",
        True,
    ),
    "https://w3id.org/security/multikey/v1": ("vc-data-integrity/contexts/multikey/v1", True),
    "https://w3id.org/security/jwk/v1": ("vc-data-integrity/contexts/jwk/v1", True),
    "https://www.w3.org/ns/did/v1": ("1edtech-validator/contexts/did-v1.jsonld", True),
    "https://www.w3.org/ns/credentials/status/v1": (
        "bitstring-status-list/contexts/v1.jsonld",
        False,
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": (
        "openbadges-3.0/context/context.json",
        True,
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": (
        "openbadges-3.0/context/context-3.0.1.json",
        False,
    ),
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": (
        "openbadges-3.0/context/context-3.0.2.json",
        True,
    ),
    OB_V3_0_3: ("openbadges-3.0/context/context-3.0.3.json", True),
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": (
        "1edtech-validator/contexts/ob-v3p0-extensions.json",
        False,
    ),
    "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json": (
        "1edtech-validator/contexts/clr-v2p0-2.0.1.json",
        True,
    ),
    "https://w3id.org/openbadges/v2": ("1edtech-validator/contexts/ob-v2p0.json", True),
    "https://w3id.org/security/suites/ed25519-2020/v1": (
        "1edtech-validator/contexts/suites-ed25519-2020.jsonld",
        True,
    ),
}


@pytest.mark.parametrize("url", sorted(ALLOWED_CONTEXTS))
def test_every_bundled_context_matches_its_pinned_digest(url: str) -> None:
    entry = ALLOWED_CONTEXTS[url]
    if entry.path is None:
        pytest.skip(f"{url} is pinned but not shipped (no registry package carries it)")
    assert hashlib.sha256(entry.path.read_bytes()).hexdigest() == entry.sha256


def test_ob_303_is_the_specification_bytes() -> None:
    assert ALLOWED_CONTEXTS[OB_V3_0_3].sha256.startswith("ef2fa9c7")


def test_every_shipped_file_is_in_the_registry_and_provenance() -> None:
    shipped = {p.name for p in CONTEXTS_DIR.glob("*.json")}
    registered = {e.filename for e in ALLOWED_CONTEXTS.values() if e.filename}
    assert shipped == registered
    provenance = (CONTEXTS_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    for entry in ALLOWED_CONTEXTS.values():
        assert entry.url in provenance
        assert entry.sha256 in provenance


@pytest.mark.parametrize("url", sorted(SHARED_COPIES))
def test_bundled_context_equals_the_reference_copy(shared: Path, url: str) -> None:
    rel, byte_exact = SHARED_COPIES[url]
    reference = (shared / "standards" / rel).read_bytes()
    entry = ALLOWED_CONTEXTS[url]
    if entry.path is None:
        # not shipped: the pin must still be the digest of the published bytes
        assert hashlib.sha256(reference).hexdigest() == entry.sha256
        return
    ours = entry.path.read_bytes()
    if byte_exact:
        assert ours == reference
    else:
        assert json.loads(ours) == json.loads(reference)
