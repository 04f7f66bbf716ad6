"""Named verdict policies: checks in, ``verified | not_verified | inconclusive`` out.

The decision and its reasons are in ``docs/adr/0001-verdict-policy.md``. In short, following the
employer wording of ``reliability-ux.md`` B3 and DCC VerifierPlus:

* ``default``: a broken seal, a key that is not the issuer's (``issuer_trust`` failed with
  ``key_not_bound_to_issuer`` / ``verification_method_invalid``), a withdrawn (revoked or
  suspended) badge, a badge not yet valid, a document that is not a conforming badge, or a
  recipient mismatch make it *not verified*. Anything we could not check (the key's binding to
  the issuer, the signature, a status list) makes it *inconclusive*. An expired badge, an
  issuer missing from the trust registry and a bad endorsement are shown but do not change the
  verdict on their own: an expired badge is still a true record of what was achieved.
* ``strict``: the same, and also expiry, an unknown issuer and a failed endorsement make the badge
  *not verified*; an endorsement or a recipient check that could not be made is *inconclusive*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum

from badges.problems import Problem, Severity
from verifier.checks.parties import KEY_NOT_BOUND_CODES
from verifier.report import Check, CheckId, Outcome, Verdict

# Enum members read on the hot path, as module globals: reading ``Outcome.PASSED`` is an
# attribute lookup on the enum class (~45 ns), a global costs a few.
_ERROR = Severity.ERROR
_FAILED = Outcome.FAILED
_INCONCLUSIVE = Verdict.INCONCLUSIVE
_INDETERMINATE = Outcome.INDETERMINATE
_ISSUER_TRUST = CheckId.ISSUER_TRUST
_NOT_VERIFIED = Verdict.NOT_VERIFIED
_PASSED = Outcome.PASSED
_PROOF = CheckId.PROOF
_VALIDITY_PERIOD = CheckId.VALIDITY_PERIOD
_VERIFIED = Verdict.VERIFIED


class PolicyName(StrEnum):
    DEFAULT = "default"
    STRICT = "strict"


# Checks whose failure means "this is not a valid badge" under every policy.
_BLOCKING_ALWAYS = frozenset(
    {
        CheckId.STRUCTURE,
        CheckId.CONTEXT,
        CheckId.SCHEMA,
        CheckId.PROOF,
        CheckId.STATUS,
        CheckId.RECIPIENT,
    }
)
# Codes of a failed validity_period check that only inform under the default policy.
_SOFT_VALIDITY_CODES = frozenset({"expired"})
# Conformance findings that do not make a badge "not verified" under the default policy: a value
# outside an *extensible* enumeration (OB 3.0 achievementType, identityType, … accept "ext:"
# values; many issuers use plain custom words such as "Program"). Shown, never hidden (ADR 0001).
_SOFT_CONFORMANCE_RULES = frozenset({"value_not_allowed"})


def _soft_conformance(problem: Problem) -> bool:
    if problem.code != "schema_violation":
        return problem.code in _SOFT_CONFORMANCE_RULES
    # One finding per rule (badges.schema) or one summary naming every rule (verifier.checks).
    rules = problem.details.get("rules") or [problem.details.get("rule")]
    return all(rule in _SOFT_CONFORMANCE_RULES for rule in rules)


def _has_error(problems: Iterable[Problem]) -> bool:
    return any(p.severity == _ERROR for p in problems)


def _key_not_bound(check: Check) -> bool:
    errors = check.errors()  # most often none: an unknown issuer is only a warning
    return bool(errors) and any(p.code in KEY_NOT_BOUND_CODES for p in errors)


def default_policy(checks: list[Check], input_problems: list[Problem]) -> Verdict:
    """The verdict an employer sees by default (ADR 0001)."""
    return _decide(checks, input_problems, strict=False)


def strict_policy(checks: list[Check], input_problems: list[Problem]) -> Verdict:
    """For programs that accept only current badges from known issuers (ADR 0001)."""
    return _decide(checks, input_problems, strict=True)


# Membership by equality in a tuple: an enum member's hash is a Python-level call, and the verdict
# is decided for every report.
_BLOCKING = tuple(_BLOCKING_ALWAYS)
_COUNTS_WHEN_INDETERMINATE = (*_BLOCKING, CheckId.VALIDITY_PERIOD, CheckId.ISSUER_TRUST)
_CONFORMANCE = (CheckId.STRUCTURE, CheckId.SCHEMA)


def _decide(checks: list[Check], input_problems: list[Problem], *, strict: bool) -> Verdict:
    if input_problems and not checks and _has_error(input_problems):
        return _NOT_VERIFIED
    inconclusive = False
    proof_passed = False
    for check in checks:
        outcome = check.outcome
        if outcome == _PASSED:
            if check.check == _PROOF:
                proof_passed = True
        elif outcome == _FAILED:
            soft_conformance = check.check in _CONFORMANCE and all(
                _soft_conformance(p) for p in check.errors()
            )
            if soft_conformance and not strict:
                continue
            if check.check in _BLOCKING:
                return _NOT_VERIFIED
            if check.check == _VALIDITY_PERIOD:
                soft = all(p.code in _SOFT_VALIDITY_CODES for p in check.errors())
                if strict or not soft:
                    return _NOT_VERIFIED
            elif check.check == _ISSUER_TRUST and _key_not_bound(check):
                # Key substitution: a key that is not the issuer's never verifies a badge.
                return _NOT_VERIFIED
            elif strict:
                # issuer_trust (unknown issuer), endorsements
                return _NOT_VERIFIED
        elif outcome == _INDETERMINATE and (
            # issuer_trust is indeterminate only when the key could not be bound to the issuer.
            strict or check.check in _COUNTS_WHEN_INDETERMINATE
        ):
            inconclusive = True
    if inconclusive:
        return _INCONCLUSIVE
    if not proof_passed:
        # Without a verified proof nothing was shown to come from the issuer.
        return _INCONCLUSIVE
    return _VERIFIED


PolicyFunction = Callable[[list[Check], list[Problem]], Verdict]

POLICIES: dict[str, PolicyFunction] = {
    PolicyName.DEFAULT: default_policy,
    PolicyName.STRICT: strict_policy,
}


def apply_policy(name: str, checks: list[Check], input_problems: list[Problem]) -> Verdict:
    """Apply the named policy; an unknown name is a programmer error (``KeyError``)."""
    return POLICIES[name](checks, input_problems)
