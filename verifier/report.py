"""The verification report: the contract employers and other programs rely on (DESIGN.md §5).

``VerificationReport {credential, checks[], verdict, policy, verified_at, engine_version}``;
``Check {check, outcome, problems[], details}``; problems are ``badges.problems.Problem``.

Findings are data, never exceptions. "Could not check" is ``indeterminate`` and is never
``failed``; a failed prerequisite makes the later checks ``skipped`` with
``prerequisite_failed``. The verdict is computed by a named policy (``verifier.policy``), not by
the checks themselves, so a caller can re-apply a stricter policy to the same checks.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from badges.problems import Problem, Severity

ENGINE_VERSION = "atouts-verifier/0.1.0"
_ERROR = Severity.ERROR  # a module global: reading Severity.ERROR is an enum class lookup


class CheckId(StrEnum):
    """Stable check ids, in the order the pipeline runs them."""

    STRUCTURE = "structure"
    CONTEXT = "context"
    SCHEMA = "schema"
    PROOF = "proof"
    VALIDITY_PERIOD = "validity_period"
    STATUS = "status"
    ISSUER_TRUST = "issuer_trust"
    RECIPIENT = "recipient"
    ENDORSEMENTS = "endorsements"


CHECK_ORDER: tuple[CheckId, ...] = tuple(CheckId)


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INDETERMINATE = "indeterminate"
    SKIPPED = "skipped"


class Verdict(StrEnum):
    VERIFIED = "verified"
    NOT_VERIFIED = "not_verified"
    INCONCLUSIVE = "inconclusive"


class Check(BaseModel):
    """The result of one check: a stable id, an outcome and the coded problems behind it."""

    model_config = ConfigDict(frozen=False)

    check: CheckId
    outcome: Outcome
    problems: list[Problem] = Field(default_factory=list)
    details: dict[str, Any] = Field(default_factory=dict)

    def codes(self) -> list[str]:
        return [p.code for p in self.problems]

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == _ERROR]


_new_object = object.__new__
# The descriptors behind a pydantic model's instance dictionary and its three slots, called
# directly: each saves the attribute-name lookup of ``object.__setattr__`` (new_check is called
# about seven times per verified badge).
_set_dict = BaseModel.__dict__["__dict__"].__set__
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__


def new_check(
    check: CheckId,
    outcome: Outcome,
    problems: list[Problem] | None = None,
    details: dict[str, Any] | None = None,
) -> Check:
    """A ``Check`` from values already of the right types, without pydantic's validation.

    The hot path of ``verifier.verify`` builds several checks per badge; validating values it
    has just built itself (enums, a fresh list of ``Problem``, a fresh dict) costs more than the
    check. The result equals ``Check(check=…, outcome=…, problems=…, details=…)`` with the same
    fields set. ``problems`` and ``details`` are kept, not copied: pass fresh ones.
    """
    fields_set = {"check", "outcome"}
    if problems is None:
        problems = []
    else:
        fields_set.add("problems")
    if details is None:
        details = {}
    else:
        fields_set.add("details")
    obj = _new_object(Check)
    _set_dict(obj, {"check": check, "outcome": outcome, "problems": problems, "details": details})
    _set_fields_set(obj, fields_set)
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj


class VerificationReport(BaseModel):
    """What ``verifier.verify`` returns for any input (DESIGN.md §5)."""

    credential: dict[str, Any] | None = None
    checks: list[Check] = Field(default_factory=list)
    verdict: Verdict = Verdict.INCONCLUSIVE
    policy: str = "default"
    # The settings that change findings (clock leeway, …): ``VerifyOptions.policy_settings``.
    policy_settings: dict[str, Any] = Field(default_factory=dict)
    verified_at: datetime
    engine_version: str = ENGINE_VERSION
    input_kind: str = "unknown"
    # Problems about the input itself (size, JSON syntax, baked image) and, for presentations,
    # the reports of the credentials it carries.
    input_problems: list[Problem] = Field(default_factory=list)
    credentials: list[VerificationReport] = Field(default_factory=list)

    def check(self, check_id: CheckId | str) -> Check | None:
        for check in self.checks:
            if check.check == check_id:
                return check
        return None

    def outcome(self, check_id: CheckId | str) -> Outcome | None:
        found = self.check(check_id)
        return None if found is None else found.outcome

    def codes(self) -> list[str]:
        """Every problem code of the report, input problems first, in order."""
        codes = [p.code for p in self.input_problems]
        for check in self.checks:
            codes.extend(check.codes())
        return codes

    def to_json_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


_REPORT_FIELDS_SET = frozenset(
    {"credential", "checks", "verdict", "policy", "policy_settings", "verified_at", "input_kind"}
)


def new_report(
    credential: dict[str, Any],
    checks: list[Check],
    verdict: Verdict,
    *,
    policy: str,
    policy_settings: dict[str, Any],
    verified_at: datetime,
    input_kind: str,
) -> VerificationReport:
    """A credential's ``VerificationReport`` from values already of the right types.

    Equal to ``VerificationReport(credential=…, checks=…, …)`` followed by setting
    ``policy_settings``, the way ``verifier.verify`` builds it, without pydantic re-validating
    every check and the credential. Like the validated model it holds its own shallow copies of
    ``credential`` and ``checks``; ``policy_settings`` is kept: pass a fresh dict.
    """
    obj = _new_object(VerificationReport)
    _set_dict(
        obj,
        {
            "credential": dict(credential),
            "checks": list(checks),
            "verdict": verdict,
            "policy": policy,
            "policy_settings": policy_settings,
            "verified_at": verified_at,
            "engine_version": ENGINE_VERSION,
            "input_kind": input_kind,
            "input_problems": [],
            "credentials": [],
        },
    )
    _set_fields_set(obj, set(_REPORT_FIELDS_SET))
    _set_extra(obj, None)
    _set_private(obj, None)
    return obj
