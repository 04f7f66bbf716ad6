"""The allow-list of JSON-LD contexts atouts processes, each pinned by SHA-256.

VC-DI 1.0 §2.4.1 "Validating Contexts" and VC DM 2.0 §B.1: a verifier MUST use local, integrity-
checked copies of the contexts it trusts and refuse the rest; nothing is fetched at verify time.
The files beside this module come from registry packages (see PROVENANCE.md). Entries with
``filename=None`` are pinned by the digest of their published bytes but not shipped (no registry
package carries them); a caller may supply those bytes at run time, and they are accepted only if
their SHA-256 equals the pin (see ``badges.jsonld.loader.OfflineDocumentLoader``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

CONTEXTS_DIR = Path(__file__).resolve().parent

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
VC_EXAMPLES_V2 = "https://www.w3.org/ns/credentials/examples/v2"
OB_V3_0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"


@dataclass(frozen=True, slots=True)
class ContextEntry:
    """One allowed context: its URL, the shipped file (None if not shipped), its SHA-256."""

    url: str
    filename: str | None
    sha256: str
    note: str = ""

    @property
    def path(self) -> Path | None:
        return CONTEXTS_DIR / self.filename if self.filename else None


def _entry(url: str, filename: str | None, sha256: str, note: str = "") -> ContextEntry:
    return ContextEntry(url, filename, sha256, note)


ALLOWED_CONTEXTS: dict[str, ContextEntry] = {
    e.url: e
    for e in (
        _entry(
            VC_V2,
            "credentials-v2.json",
            "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
            "VC DM 2.0 §B.1 published digest",
        ),
        _entry(
            VC_V1,
            "credentials-v1.json",
            "ab4ddd9a531758807a79a5b450510d61ae8d147eab966cc9a200c07095b0cdcc",
            "legacy VC DM 1.1 inputs",
        ),
        _entry(
            VC_EXAMPLES_V2,
            None,
            "57393fbc69d6efb9b9b5dc9cb6b9880b0944360abfe2eaf459c9e58cf2279d7c",
            "W3C vectors only; one @vocab line; not in any registry package",
        ),
        _entry(
            DATA_INTEGRITY_V2,
            "data-integrity-v2.json",
            "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4",
            "VC-DI 1.0 §2.4 published digest",
        ),
        _entry(
            "https://w3id.org/security/data-integrity/v1",
            "data-integrity-v1.json",
            "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
            "legacy inputs",
        ),
        _entry(
            "https://w3id.org/security/multikey/v1",
            "multikey-v1.json",
            "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597",
            "VC-DI 1.0 §2.4 published digest",
        ),
        _entry(
            "https://w3id.org/security/jwk/v1",
            None,
            "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece",
            "VC-DI 1.0 §2.4 published digest; not in any registry package",
        ),
        _entry(
            "https://www.w3.org/ns/did/v1",
            "did-v1.json",
            "adefa50311393eb1bd788a38ac9fe2696c65367928f6996812cd54577394f4da",
            "DID documents",
        ),
        _entry(
            "https://www.w3.org/ns/credentials/status/v1",
            "bitstring-status-list-v1.json",
            "fd08cbf28ddd829ab2f1978c48f43ab07a112c1c90245a0cfac7ba721c65170c",
            "JSON-equal to the BSL REC file (published digest fda5add3…), other formatting",
        ),
        _entry(
            "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
            "ob-v3p0-context-3.0.0.json",
            "b077fa134d909d92c1dcd1c153f2af1b244aeb415967fdc1467d7fc5dd48ac10",
            "OB 3.0.0",
        ),
        _entry(
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
            "ob-v3p0-context-3.0.1.json",
            "5f3d9dd6288ef437ff8286cf95ffbff609c748a66f24a1e9450c45ca64be1571",
            "JSON-equal to the spec file (d582f356…), other formatting",
        ),
        _entry(
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
            "ob-v3p0-context-3.0.2.json",
            "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
            "OB 3.0.2",
        ),
        _entry(
            OB_V3_0_3,
            "ob-v3p0-context-3.0.3.json",
            "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
            "OB 3.0.3 specification bytes (not the 1EdTech validator's variant)",
        ),
        _entry(
            OB_EXTENSIONS,
            "ob-v3p0-extensions.json",
            "87c06c81bc2317663bf288d740d94fddd2818c4342b186270ff6371dfaa63f93",
            "JSON-equal to the 1EdTech validator copy (146f85aa…), other formatting",
        ),
        _entry(
            "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json",
            "clr-v2p0-context-2.0.1.json",
            "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6",
            "CLR 2.0.1",
        ),
        _entry(
            "https://w3id.org/openbadges/v2",
            "ob-v2.json",
            "393a890d7d95eb3a86f5f12309648a64c2d0676e5270e2967b5341a2dcea13d2",
            "OB 2.0, legacy inputs",
        ),
        _entry(
            ED25519_2020_V1,
            "ed25519-signature-2020-v1.json",
            "b9e1ab971fd8bf2c7553e0c4a9438e0b9450afde1ea1ca5b2492368b9f549588",
            "legacy Ed25519Signature2020 proofs (verify only)",
        ),
    )
}

# Contexts whose use deserves a warning: the VC examples context maps every undefined term to
# an example vocabulary (@vocab), so it hides mistakes and has no meaning in production.
EXAMPLE_CONTEXTS = frozenset({VC_EXAMPLES_V2})


class ContextDigestError(Exception):
    """A shipped context file does not match its pin (the package was altered)."""


def read_context_bytes(entry: ContextEntry) -> bytes:
    """Read a shipped context and check its digest; raise if the bytes were altered."""
    if entry.path is None:
        raise FileNotFoundError(entry.url)
    data = entry.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry.sha256:
        raise ContextDigestError(f"context {entry.url}: SHA-256 mismatch in {entry.filename}")
    return data
