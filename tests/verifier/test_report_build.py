"""The reports ``verify`` builds without pydantic validation are the models pydantic would build.

The hot path builds checks with ``new_check`` and a credential's report with ``new_report``
(``verifier.report``); a caller must not be able to tell: same fields, same fields set, same
JSON, and the report owns its copies of the credential and of the list of checks.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.verifier.builders import (
    NOW,
    fetcher_for,
    key,
    signed,
    status_entry,
    status_list,
)
from verifier import TrustRegistry, VerifyOptions, verify
from verifier.report import Check, VerificationReport
from verifier.trust import TrustedIssuer


def _validated(report: VerificationReport) -> VerificationReport:
    """The same report built the way ``verify`` used to: the pydantic constructor, then
    ``policy_settings`` assigned."""
    values: dict[str, Any] = {
        name: getattr(report, name) for name in report.model_fields_set if name != "policy_settings"
    }
    rebuilt = VerificationReport(**values)
    rebuilt.policy_settings = dict(report.policy_settings)
    return rebuilt


def _cases() -> dict[str, tuple[Any, VerifyOptions]]:
    pair = key()
    revoked = signed(pair, credentialStatus=status_entry(3))
    listing = status_list(pair, revoked=(3,))
    tampered = signed(pair)
    tampered["name"] = "Autre chose"
    expired = signed(pair, validUntil="2025-06-01T00:00:00Z")
    registry = TrustRegistry([TrustedIssuer(id=str(pair.public.did_key), name="Centre")])
    return {
        "verified": (signed(pair), VerifyOptions(now=NOW)),
        "revoked": (revoked, VerifyOptions(now=NOW, fetcher=fetcher_for(listing))),
        "status_list_unreachable": (revoked, VerifyOptions(now=NOW)),
        "tampered": (tampered, VerifyOptions(now=NOW)),
        "expired_strict": (expired, VerifyOptions(now=NOW, policy="strict")),
        "known_issuer": (signed(pair), VerifyOptions(now=NOW, trust_registry=registry)),
        "not_a_conforming_badge": (signed(pair, validFrom="hier"), VerifyOptions(now=NOW)),
    }


@pytest.mark.parametrize("case", sorted(_cases()))
def test_report_built_on_the_fast_path_equals_the_validated_model(case: str) -> None:
    credential, options = _cases()[case]
    report = verify(credential, options=options)
    rebuilt = _validated(report)
    assert report.model_fields_set == rebuilt.model_fields_set
    assert report.to_json_dict() == rebuilt.to_json_dict()
    assert report == rebuilt
    assert report.credential is not credential


def test_report_keeps_its_own_copy_of_the_credential() -> None:
    credential = signed(key())
    original = copy.deepcopy(credential)
    report = verify(credential, options=VerifyOptions(now=NOW))
    credential["name"] = "Changé après coup"
    assert report.credential == original
    assert report.policy_settings == VerifyOptions(now=NOW).policy_settings()


@pytest.mark.parametrize("with_problems", [False, True])
@pytest.mark.parametrize("with_details", [False, True])
def test_a_check_built_on_the_fast_path_equals_the_validated_model(
    with_problems: bool, with_details: bool
) -> None:
    from badges.problems import Problem
    from verifier.report import CheckId, Outcome, new_check

    values: dict[str, Any] = {}
    if with_problems:
        values["problems"] = [Problem("expired", "expiré", path="/validUntil")]
    if with_details:
        values["details"] = {"now": "2026-01-01T00:00:00+00:00"}
    fast = new_check(CheckId.VALIDITY_PERIOD, Outcome.FAILED, **copy.deepcopy(values))
    validated = Check(check=CheckId.VALIDITY_PERIOD, outcome=Outcome.FAILED, **values)
    assert fast == validated
    assert fast.model_fields_set == validated.model_fields_set
    assert fast.model_dump(mode="json") == validated.model_dump(mode="json")


def test_shared_options_changed_between_verifications_are_followed() -> None:
    # verify() derives the clock's text, the status context and the policy from the options once
    # and keeps them on the options: a later change of an option must be seen, never the old one.
    pair = key()
    expired = signed(pair, validUntil="2025-06-01T00:00:00Z")
    options = VerifyOptions(now=NOW)
    first = verify(expired, options=options)
    options.policy = "strict"
    options.now = NOW.replace(year=2025, month=5)
    second = verify(expired, options=options)
    first_validity, second_validity = (r.check("validity_period") for r in (first, second))
    assert first_validity is not None
    assert first_validity.codes() == ["expired"]
    assert second_validity is not None
    assert second_validity.codes() == []
    assert second_validity.details["now"] == options.now.isoformat()
    assert second.policy_settings == {
        **first.policy_settings,
        "name": "strict",
        "strict_status_length": True,
    }
    assert second.policy == "strict"
    assert _validated(second).model_dump_json() == second.model_dump_json()
