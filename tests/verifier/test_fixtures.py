"""Every shared fixture with a stated expected outcome gets it, with the stated reason as a code.

Sources: ``../shared/standards/negative/SOURCES.md`` (DCC, W3C VCDM 2.0 suite, 1EdTech copies) and
``../shared/standards/1edtech-validator/EXPECTED-OUTCOMES.json``. Network URLs inside the
fixtures are served from ``../shared`` (``fixture_support.local_map``). Where atouts deliberately
differs from the 1EdTech validator, the case says why (``note``); the main differences:

- a key written in a verification method fragment is never trusted (reliability-ux.md finding
  4): without a pinned key such badges are *inconclusive*: their ``proof`` passes (the signature
  matches the key the method names) but ``issuer_trust`` says the key could not be bound
  (``verification_method_unresolvable``, issue 2); the cases that check the binding pin the
  fragment key explicitly, as ``--trust-key`` would;
- an expired badge is *verified* under the default policy (ADR 0001) and *not verified* under
  ``strict``; the reason code ``expired`` is always reported;
- a suite or proof type we do not implement is "could not check" (*inconclusive*), never "false".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from badges.baking import extract_from_image
from tests.verifier.fixture_support import (
    DCC,
    NEGATIVE,
    NOW,
    ONEEDTECH,
    STANDARDS,
    fetcher,
    fragment_keys,
    load,
)
from verifier import VerifyOptions, verify
from verifier.report import VerificationReport

V, NV, INC = "verified", "not_verified", "inconclusive"


@dataclass(frozen=True)
class Case:
    path: str  # relative to ../shared/standards
    verdict: str
    reasons: dict[str, str] = field(default_factory=dict)  # check id -> code expected there
    outcomes: dict[str, str] = field(default_factory=dict)  # check id -> outcome
    pin: bool = False
    policy: str = "default"
    recipient: str | None = None
    extra_map: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.path}[{self.policy}{'+pin' if self.pin else ''}]"


_D = "negative/dcc-vc-test-fixtures/credentials/"
_E = "1edtech-validator/ob30/"
_REVOCATIONS = "https://dc.1edtech.org/wellspring2022/wellspring-portal/api/revocations/da1e96e9-afcc-4eed-b9a2-2ddf7353214c"
_REVOKED_ID = "https://dc.1edtech.org/wellspring2022/wellspring-portal/credential/54418d3f-ec01-4652-800a-861c890a51a1"
_SUBJECT_NOTE = "also not verified: the subject has neither id nor identifier (OB 3.0 MUST)"

CASES: list[Case] = [
    # ---- DCC vc-test-fixtures (negative/SOURCES.md) ----
    Case(_D + "v2/ed25519/didKey/legacy-noStatus-noExpiry.json", V, outcomes={"proof": "passed"}),
    Case(
        _D + "v2/ed25519/didKey/legacy-noStatus-noExpiry-tampered.json",
        NV,
        reasons={
            "proof": "signature_invalid",
            "validity_period": "prerequisite_failed",
            "status": "prerequisite_failed",
            "issuer_trust": "prerequisite_failed",
        },
    ),
    Case(
        _D + "v2/ed25519/didKey/legacy-noStatus-expired.json",
        V,
        reasons={"validity_period": "expired"},
        note="expired is a warning by default",
    ),
    Case(
        _D + "v2/ed25519/didKey/legacy-noStatus-expired.json",
        NV,
        reasons={"validity_period": "expired"},
        policy="strict",
    ),
    Case(
        _D + "v2/ed25519/didKey/noRegistry-revokedStatus-notExpired.json",
        NV,
        reasons={"status": "revoked", "issuer_trust": "issuer_not_in_registry"},
        outcomes={"proof": "passed"},
        note=_SUBJECT_NOTE,
    ),
    Case(
        _D + "v2/ed25519/didKey/noRegistry-revokedStatus-notExpired.json",
        NV,
        reasons={"status": "status_list_length"},
        outcomes={"status": "indeterminate"},
        policy="strict",
        note="strict BSL: the DCC list has 100,000 < 131,072 entries",
    ),
    Case(
        _D + "v2/ed25519/didKey/noRegistry-revokedStatus-expired.json",
        NV,
        reasons={"status": "revoked", "validity_period": "expired"},
    ),
    Case(
        _D + "v2/ed25519/didKey/legacy-tamperedStatus-noExpiry.json",
        NV,
        reasons={"status": "status_list_proof_invalid"},
        outcomes={"status": "indeterminate"},
        note="also not an OB credential (no OB context, no OpenBadgeCredential type)",
    ),
    Case(
        _D + "v2/ed25519/didKey/legacy-expiredStatus-noExpiry.json",
        NV,
        reasons={"status": "status_list_expired"},
        outcomes={"status": "indeterminate"},
    ),
    Case(
        _D + "v2/ed25519/didKey/legacy-notYetValidStatus-noExpiry.json",
        NV,
        reasons={"status": "status_list_not_yet_valid"},
        outcomes={"status": "indeterminate"},
    ),
    Case(
        _D + "v2/ed25519/didKey/legacy-missingTypeStatus-noExpiry.json",
        NV,
        reasons={"status": "status_list_invalid"},
        outcomes={"status": "indeterminate"},
    ),
    Case(
        _D + "v2/ed25519/didWeb/badDidWeb.json",
        NV,
        reasons={"issuer_trust": "verification_method_unresolvable"},
        # The did:web cannot be resolved; the key its fragment names only shows the seal intact.
        outcomes={"proof": "passed", "issuer_trust": "indeterminate"},
        note=_SUBJECT_NOTE,
    ),
    Case(
        _D + "v2/dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-basicOBv3.json",
        V,
        outcomes={"proof": "passed"},
    ),
    Case(
        _D + "v2/dataIntegrityProof/didKey/legacyRegistry-noStatus-noExpiry-identityHash.json",
        V,
        outcomes={"recipient": "passed"},
        reasons={"structure": "value_not_allowed"},
        recipient="Parker Pearl",
        note="achievementType 'Program' is outside the extensible enumeration: shown, not blocking",
    ),
    Case(
        _D + "v2/dataIntegrityProof/didKey/noRegsitry-revokedStatus-notExpired.json",
        NV,
        reasons={"status": "revoked"},
    ),
    Case(
        _D + "v2/dataIntegrityProof/didKey/noRegistry-revokedStatus-noExpiry.json",
        NV,
        reasons={"status": "revoked", "validity_period": "expired"},
    ),
    Case(
        _D + "v2/dataIntegrityProof/didKey/oidf-noStatus-notExpired-notYetValid.json",
        NV,
        reasons={"validity_period": "not_yet_valid"},
    ),
    Case(
        _D + "v2/dataIntegrityProof/didKey/twoOIDF-validStatus-expired.json",
        NV,
        reasons={"validity_period": "expired"},
        outcomes={"status": "passed", "proof": "passed"},
        note="expired with a clear status bit; " + _SUBJECT_NOTE,
    ),
    Case(
        _D + "v2/dataIntegrityProof/didKey/twoOIDF-revoked-notExpired-badSchema.json",
        NV,
        reasons={"status": "revoked", "schema": "schema_violation"},
    ),
    Case(
        _D + "v1/dataIntegrityProof/didKey/noRegistry-noStatus-noExpiry.json",
        NV,
        reasons={"issuer_trust": "issuer_not_in_registry", "context": "legacy_vc_1_1"},
        outcomes={"proof": "passed"},
        note="signature OK and unknown issuer as stated; " + _SUBJECT_NOTE,
    ),
    Case(
        _D + "v2/bothSignatureTypes/didkey/legacy-noStatus-noExpiry-nonOBWithOBContext.json",
        NV,
        reasons={"structure": "unsupported_credential_type", "proof": "multiple_proofs"},
        outcomes={"proof": "passed"},
        note="both proofs (rdfc + Ed25519Signature2020) verify",
    ),
    # ---- 1EdTech validator (EXPECTED-OUTCOMES.json; negative/1edtech-validator copies) ----
    Case(
        _E + "simple.json",
        INC,
        reasons={"issuer_trust": "verification_method_unresolvable"},
        note="1EdTech: valid through the fragment key, which we never trust (V20)",
    ),
    Case(_E + "simple.json", V, pin=True),
    Case(_E + "simple.1ob", V, pin=True),
    Case(
        _E + "simple_v1.json",
        V,
        reasons={"context": "legacy_vc_1_1"},
        pin=True,
        note="1EdTech: warning (VC 1.1)",
    ),
    Case(
        _E + "simple-did-key-method.json",
        NV,
        reasons={"issuer_trust": "key_not_bound_to_issuer"},
        note="1EdTech: valid; a did:key cannot be the key of the urn:uuid issuer it signs for",
    ),
    Case(_E + "simple-did-web-method.json", V, pin=True),
    Case(
        _E + "simple-multiple-proofs.json",
        INC,
        reasons={"proof": "proof_type_unsupported"},
        pin=True,
        note="1EdTech: invalid; a proof type we cannot check is 'could not check'",
    ),
    Case(_E + "simple-json.png", V, pin=True),
    Case(_E + "simple-json.svg", V, pin=True),
    Case(
        _E + "simple-jwt.png",
        INC,
        reasons={"issuer_trust": "verification_method_unresolvable"},
        outcomes={"proof": "passed", "issuer_trust": "indeterminate"},
        note="1EdTech: valid; an RS256 key embedded in the JWT header is never trusted (S5)",
    ),
    Case(_E + "simple-jwt.svg", INC, reasons={"issuer_trust": "verification_method_unresolvable"}),
    Case(_E + "simple-jwt_v1.png", INC, reasons={"context": "legacy_vc_1_1"}),
    Case(_E + "simple-jwt_v1.svg", INC, reasons={"context": "legacy_vc_1_1"}),
    Case(
        _E + "simple.jwt",
        NV,
        reasons={"proof": "jwt_header_invalid"},
        note="no kid and no jwk: no key can be bound to the issuer",
    ),
    Case(_E + "velocity.jwt", NV, reasons={"proof": "jwt_claim_mismatch"}),
    Case(_E + "simple-err-type.json", NV, reasons={"structure": "unsupported_credential_type"}),
    Case(
        _E + "simple-err-proof-method.json",
        INC,
        reasons={"proof": "verification_method_unresolvable"},
        note="1EdTech: invalid fragment key; we never read keys from fragments",
    ),
    Case(
        _E + "simple-err-proof-method-no-scheme.json",
        NV,
        reasons={"proof": "data_loss"},
        note="a relative verificationMethod IRI is refused by JSON-LD safe mode",
    ),
    Case(
        _E + "simple-err-proof-method-unknown-scheme.json",
        NV,
        reasons={"proof": "verification_method_invalid"},
    ),
    Case(
        _E + "simple-err-proof-method-unknown-did-method.json",
        NV,
        reasons={"proof": "verification_method_invalid"},
    ),
    Case(_E + "simple-err-proof-value.json", NV, reasons={"proof": "signature_invalid"}, pin=True),
    Case(_E + "simple-err-expired.json", V, reasons={"validity_period": "expired"}, pin=True),
    Case(
        _E + "simple-err-expired.json",
        NV,
        reasons={"validity_period": "expired"},
        pin=True,
        policy="strict",
    ),
    Case(_E + "simple-err-issued.json", NV, reasons={"validity_period": "not_yet_valid"}, pin=True),
    Case(_E + "simple-err-context.json", NV, reasons={"context": "missing_vc_context"}),
    Case(_E + "simple-context-alias.json", V, pin=True),
    Case(_E + "simple-context-version.json", V, pin=True),
    Case(
        _E + "simple-err-issuer.json",
        NV,
        reasons={"structure": "required_member_missing", "schema": "schema_violation"},
        pin=True,
    ),
    *[
        Case(_E + f"simple-err-{name}.json", NV, reasons={"structure": "type_missing"})
        for name in (
            "credential-subject-type",
            "credential-subject-identifier-type",
            "credential-subject-result-type",
            "credential-subject-achievement-result-description-type",
            "credential-subject-profile-type",
            "evidence-type",
            "issuer-type",
            "issuer-parentorg-type",
            "issuer-otheridentifier-type",
        )
    ],
    Case(_E + "complete_v1.json", NV, reasons={"structure": "required_member_missing"}),
    Case(
        _E + "credential-status-revoked.json",
        NV,
        reasons={"status": "revoked"},
        pin=True,
        extra_map={_REVOCATIONS: {"id": _REVOCATIONS, "revokedCredential": [{"id": _REVOKED_ID}]}},
        note="the 1EdTechRevocationList is served locally, listing this credential",
    ),
    Case(
        _E + "credential-status-revoked.json",
        INC,
        reasons={"status": "status_list_unreachable"},
        pin=True,
        note="the same list unreachable: never 'revoked', never 'not revoked'",
    ),
    Case(
        _E + "bit-string-list/credential-status-revoked.json",
        NV,
        reasons={"status": "revoked"},
        pin=True,
    ),
    Case(
        _E + "bit-string-list/credential-status-revoked-blank-nodes.json",
        NV,
        reasons={"status": "revoked"},
        pin=True,
    ),
    Case(
        _E + "bit-string-list/testlist",
        NV,
        reasons={"structure": "unsupported_credential_type"},
        outcomes={"proof": "passed"},
        pin=True,
        note="a status list is not a badge; its proof verifies (it is checked as a list)",
    ),
    Case(
        _E + "simple-eddsa-2022.json",
        V,
        reasons={"proof": "cryptosuite_deprecated"},
        pin=True,
        note="1EdTech: warning (deprecated cryptosuite name)",
    ),
    Case(
        _E + "sd/derivedcredential.json",
        INC,
        reasons={"proof": "cryptosuite_unsupported"},
        note="1EdTech: valid; ecdsa-sd-2023 is not implemented: could not check",
    ),
    Case(_E + "endorsement-valid.json", V, pin=True),
    Case(
        _E + "endorsement-err-schema-status-refresh.json",
        NV,
        reasons={"proof": "signature_invalid"},
        pin=True,
        note="1EdTech: CredentialParseProbe fatal; here the signature does not match",
    ),
    Case(_E + "simple-noproof.json", NV, reasons={"proof": "proof_missing"}),
]


def _pins(path: Path) -> list[Any]:
    data = path.read_bytes()
    if path.suffix in (".png", ".svg"):
        text = extract_from_image(data).payload
    else:
        text = data.decode("utf-8")
    try:
        return fragment_keys(json.loads(text))
    except ValueError:
        return []


def run_case(case: Case, shared: Path) -> VerificationReport:
    path = shared / "standards" / case.path
    extra = {url: json.dumps(doc).encode() for url, doc in case.extra_map.items()}
    options = VerifyOptions(
        now=NOW,
        fetcher=fetcher(extra),
        pinned_keys=_pins(path) if case.pin else [],
        policy=case.policy,
        expected_recipient=case.recipient,
    )
    return verify(path.read_bytes(), options=options)


_CLR_V1_NOTE = (
    "1EdTech: warning; its CLR 2.0.0 context (clr/v2p0/context.json) ships in no registry "
    "package, so it is outside the pinned allow-list (issue 2 lists CLR 2.0.1): refused"
)
CLR_CASES = [
    Case("1edtech-validator/clr20/simple.json", V, pin=True, note="1EdTech: valid"),
    Case(
        "1edtech-validator/clr20/simple.json",
        INC,
        reasons={"issuer_trust": "verification_method_unresolvable"},
        outcomes={"structure": "passed", "context": "passed", "schema": "passed"},
        note="the fragment key is never trusted by itself",
    ),
    Case(
        "1edtech-validator/clr20/simple_v1.json",
        NV,
        reasons={"proof": "context_not_allowed", "context": "legacy_vc_1_1"},
        outcomes={"structure": "passed"},
        pin=True,
        note=_CLR_V1_NOTE,
    ),
]


@pytest.mark.parametrize(
    "case",
    [*CASES, *CLR_CASES],
    ids=[c.id for c in (*CASES, *CLR_CASES)],
)
def test_fixture_gets_its_stated_outcome(case: Case, shared: Path) -> None:
    report = run_case(case, shared)
    found = {str(c.check): c for c in report.checks}
    for check_id, code in case.reasons.items():
        assert check_id in found, (check_id, report.codes())
        assert code in found[check_id].codes(), (check_id, found[check_id].codes(), case.note)
    for check_id, outcome in case.outcomes.items():
        assert str(found[check_id].outcome) == outcome, (check_id, found[check_id])
    assert str(report.verdict) == case.verdict, (report.codes(), case.note)


def test_every_1edtech_copy_in_negative_matches_its_original(shared: Path) -> None:
    # negative/1edtech-validator holds byte copies of 1edtech-validator/ob30 files (SOURCES.md).
    originals = {Path(c.path).name: c for c in CASES if c.path.startswith(_E) and not c.pin}
    for copy in sorted((NEGATIVE / "1edtech-validator").iterdir()):
        name = copy.name.removeprefix("bsl-")
        if name == "testlist.json":
            continue
        case = originals.get(name)
        if case is None:
            continue
        moved = Case(
            str(copy.relative_to(STANDARDS)),
            case.verdict,
            case.reasons,
            case.outcomes,
            policy=case.policy,
            extra_map=case.extra_map,
        )
        report = run_case(moved, shared)
        assert str(report.verdict) == case.verdict, (copy.name, report.codes())


_W3C = NEGATIVE / "w3c-vcdm2-test-suite"
_W3C_FAILS = (
    sorted(p.relative_to(_W3C).as_posix() for p in _W3C.rglob("*.json") if "fail" in p.name)
    if _W3C.is_dir()
    else []
)


@pytest.mark.parametrize("name", _W3C_FAILS)
def test_w3c_vcdm2_failing_inputs_are_rejected_on_content(name: str, shared: Path) -> None:
    """VCDM 2.0 suite: "MUST be rejected" — and for a reason beyond the missing proof."""
    report = verify((_W3C / name).read_bytes(), options=VerifyOptions(now=NOW, fetcher=fetcher()))
    assert str(report.verdict) == NV
    # For a presentation the rejected content may be a credential inside it.
    checks = [c for r in (report, *report.credentials) for c in r.checks]
    content = [c for c in checks if str(c.check) in {"structure", "context", "schema"}]
    assert any(str(c.outcome) == "failed" for c in content), report.codes()


def test_dcc_status_url_mapped_to_404_is_inconclusive_never_revoked(shared: Path) -> None:
    from badges.fetch import FetchResult

    class NotFound:
        def fetch(self, url: str, *, accept: str = "") -> FetchResult:
            return FetchResult(status=404, content_type="text/plain", body=b"", url=url)

    path = DCC / "credentials/v2/ed25519/didKey/noRegistry-revokedStatus-notExpired.json"
    report = verify(path.read_bytes(), options=VerifyOptions(now=NOW, fetcher=NotFound()))
    status = report.check("status")
    assert status is not None
    assert status.codes() == ["status_list_unreachable"]
    assert str(status.outcome) == "indeterminate"


def test_dcc_positive_controls_load(shared: Path) -> None:
    assert load(DCC / "dids/oidf-did.json")["id"].startswith("did:web:")
    assert (ONEEDTECH / "ob30" / "simple.json").is_file()
