"""End to end on both databases: issue -> verified; revoke -> revoked; suspend -> suspended;
reinstate -> verified again (issue 4, "What must hold")."""

from __future__ import annotations

import json

import pytest

from badges.structure import check_structure
from issuer.context import IssuerContext, IssuerError
from issuer.issuance import JWT_SUITE, IssueSpec, evidence_item
from issuer.recipients import parse_recipient
from issuer.service import issue
from issuer.status import change_status
from tests.issuer.conftest import check
from verifier import Verdict


def _spec(**extra: object) -> IssueSpec:
    return IssueSpec(recipient=parse_recipient("lea.martin@example.org"), **extra)  # type: ignore[arg-type]


def test_issued_badge_verifies_and_passes_structure_checks(
    ctx: IssuerContext, achievement_id: str
) -> None:
    issued = issue(
        ctx, achievement_id, _spec(level="N2", evidence=[evidence_item(narrative="Observé")])
    )
    credential = json.loads(issued.signed_text)
    errors = [p for p in check_structure(credential) if p.severity == "error"]
    assert errors == []
    report = check(
        ctx,
        issued.signed_text,
        expected_recipient="Lea.Martin@example.org",
        expected_recipient_type="emailAddress",
    )
    assert report.verdict == Verdict.VERIFIED, report.codes()
    assert credential["credentialSubject"]["result"][0]["achievedLevel"].endswith("#niveau-N2")


def test_revoked_badge_is_not_verified_with_code_revoked(
    ctx: IssuerContext, achievement_id: str
) -> None:
    issued = issue(ctx, achievement_id, _spec())
    change_status(ctx, issued.row_id, action="revoke", reason="erreur de saisie")
    report = check(ctx, issued.signed_text)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "revoked" in report.codes()
    assert "erreur de saisie" not in json.dumps(report.to_json_dict())


def test_suspended_then_reinstated_badge_verifies_again(
    ctx: IssuerContext, achievement_id: str
) -> None:
    issued = issue(ctx, achievement_id, _spec(suspendable=True))
    change_status(ctx, issued.credential_id, action="suspend")
    report = check(ctx, issued.signed_text)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "suspended" in report.codes()
    change_status(ctx, issued.row_id, action="reinstate")
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED


def test_revocation_is_final(ctx: IssuerContext, achievement_id: str) -> None:
    issued = issue(ctx, achievement_id, _spec())
    change_status(ctx, issued.row_id, action="revoke")
    with pytest.raises(IssuerError) as caught:
        change_status(ctx, issued.row_id, action="reinstate")
    assert caught.value.code == "revocation_final"


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", JWT_SUITE])
def test_other_suites_verify(ctx: IssuerContext, achievement_id: str, suite: str) -> None:
    issued = issue(ctx, achievement_id, _spec(suite=suite))
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED


def test_a_badge_not_issued_suspendable_cannot_be_suspended(
    ctx: IssuerContext, achievement_id: str
) -> None:
    issued = issue(ctx, achievement_id, _spec())
    with pytest.raises(IssuerError) as caught:
        change_status(ctx, issued.row_id, action="suspend")
    assert caught.value.code == "not_suspendable"
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED


def test_revoking_a_suspendable_badge_withdraws_it_for_good(
    ctx: IssuerContext, achievement_id: str
) -> None:
    issued = issue(ctx, achievement_id, _spec(suspendable=True))
    change_status(ctx, issued.row_id, action="revoke")
    assert check(ctx, issued.signed_text).verdict == Verdict.NOT_VERIFIED
    with pytest.raises(IssuerError):
        change_status(ctx, issued.row_id, action="reinstate")


@pytest.mark.parametrize(
    ("recipient", "extra"),
    [
        ("lea@example.org", {}),
        ("tel:0692123456", {"suspendable": True}),
        ("nir:1 85 05 97 411 123", {"level": "N3"}),
        ("id:CFA-42", {"evidence": [evidence_item(file_sha256="ab" * 32)]}),
        (None, {"evidence": [evidence_item(narrative="Observé", url="https://exemple.org/p")]}),
    ],
)
def test_every_kind_of_issued_badge_passes_the_structure_checks_and_verifies(
    ctx: IssuerContext, achievement_id: str, recipient: str | None, extra: dict[str, object]
) -> None:
    from badges.schema import check_json_schema

    spec = IssueSpec(recipient=parse_recipient(recipient), **extra)  # type: ignore[arg-type]
    issued = issue(ctx, achievement_id, spec)
    credential = json.loads(issued.signed_text)
    problems = check_structure(credential) + check_json_schema(credential)
    assert [p for p in problems if p.severity == "error"] == []
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED


def test_a_verifier_whose_clock_lags_still_sees_a_fresh_revocation(
    ctx: IssuerContext, achievement_id: str
) -> None:
    from datetime import timedelta

    issued = issue(ctx, achievement_id, _spec())
    clock = ctx.clock
    clock.advance(3600)  # type: ignore[attr-defined]
    change_status(ctx, issued.row_id, action="revoke")
    lagging = check(ctx, issued.signed_text, now=clock() - timedelta(minutes=2))
    assert lagging.verdict == Verdict.NOT_VERIFIED
    assert "revoked" in lagging.codes()
