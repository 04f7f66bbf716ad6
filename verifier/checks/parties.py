"""The ``issuer_trust`` and ``recipient`` checks.

``issuer_trust``: two findings about the issuer (ADR 0001).

* Key binding (VC Data Integrity "Verification Method Binding"; issue 2): is the key that signed
  the badge the issuer's? ``key_not_bound_to_issuer`` / ``verification_method_invalid`` make the
  check ``failed`` (a key that is not the issuer's never makes a badge verified: key
  substitution); a binding that could not be made (``verification_method_unresolvable``, e.g. an
  https issuer offline) makes it ``indeterminate``. The findings come from
  ``verifier.checks.proof.ProofFindings``.
* Registry: is the issuer in the caller's registry of known issuers? An unknown issuer is a
  *warning* (OB 3.0 implementation guide, Displayer: "mark issuer data included in a credential
  as unverified"); the verdict policy decides what it means.

``recipient`` (OB 3.0 §9 Verification step 5): when the caller states who should hold the badge,
compare with ``credentialSubject.id`` or recompute each ``identifier`` (hashed or not) with
``badges.identity``. A badge that names nobody cannot be matched: ``indeterminate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from badges.identity import identity_matches
from badges.problems import Problem, Severity
from verifier.codes import Code
from verifier.report import Check, CheckId, Outcome, new_check
from verifier.trust import TrustRegistry

# Enum members read on the hot path, as module globals: reading ``Outcome.PASSED`` is an
# attribute lookup on the enum class (~45 ns), a global costs a few.
_FAILED = Outcome.FAILED
_INDETERMINATE = Outcome.INDETERMINATE
_INFO = Severity.INFO
_ISSUER_TRUST = CheckId.ISSUER_TRUST
_PASSED = Outcome.PASSED
_WARNING = Severity.WARNING
_NOT_IN_REGISTRY = str(Code.ISSUER_NOT_IN_REGISTRY)


def issuer_id_of(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


def issuer_name_of(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        name = issuer.get("name")
        if isinstance(name, str):
            return name
    return None


# Binding findings that mean "this key is not the issuer's" (the others: "could not bind").
KEY_NOT_BOUND_CODES = frozenset({"key_not_bound_to_issuer", "verification_method_invalid"})


def check_issuer_trust(
    credential: Mapping[str, Any],
    registry: TrustRegistry | None,
    *,
    key_binding: list[Problem] | None = None,
    binding_state: str | None = None,
) -> Check:
    """The registry finding, combined with the key binding findings when there are some."""
    check = _registry_check(credential, registry)
    if binding_state is not None:
        check.details["key_binding"] = binding_state
    if not key_binding:
        return check
    problems = [*key_binding, *check.problems]
    not_bound = any(p.code in KEY_NOT_BOUND_CODES for p in key_binding)
    if not_bound or (check.outcome == _FAILED and check.errors()):
        outcome = _FAILED
    else:
        outcome = _INDETERMINATE
    return Check(check=_ISSUER_TRUST, outcome=outcome, problems=problems, details=check.details)


def _registry_check(credential: Mapping[str, Any], registry: TrustRegistry | None) -> Check:
    issuer_id = issuer_id_of(credential)
    if issuer_id is None:
        problem = Problem(
            str(Code.ISSUER_MISSING), "the credential names no issuer", path="/issuer"
        )
        return new_check(_ISSUER_TRUST, _FAILED, [problem])
    known = registry.lookup(issuer_id) if registry is not None else None
    if known is None:
        problem = Problem(
            _NOT_IN_REGISTRY,
            f"issuer {issuer_id} is not in the trust registry",
            severity=_WARNING,
            path="/issuer",
            details={
                "issuer": issuer_id,
                "registry": registry.name if registry is not None else None,
                "declared_name": issuer_name_of(credential),
            },
        )
        return new_check(_ISSUER_TRUST, _FAILED, [problem])
    info = Problem(
        str(Code.ISSUER_IN_REGISTRY),
        f"issuer {issuer_id} is in the registry {registry.name if registry else ''}",
        severity=_INFO,
        details={"issuer": issuer_id, "name": known.name, "registry": known.source},
    )
    return new_check(_ISSUER_TRUST, _PASSED, [info])


def _subjects(credential: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    subject = credential.get("credentialSubject")
    if isinstance(subject, Mapping):
        return [subject]
    if isinstance(subject, list):
        return [s for s in subject if isinstance(s, Mapping)]
    return []


def _identifiers(subject: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    identifiers = subject.get("identifier", [])
    if isinstance(identifiers, Mapping):
        identifiers = [identifiers]
    if not isinstance(identifiers, list):
        return []
    return [i for i in identifiers if isinstance(i, Mapping)]


def check_recipient(
    credential: Mapping[str, Any], expected: str, identity_type: str | None = None
) -> Check:
    compared = 0
    for subject in _subjects(credential):
        subject_id = subject.get("id")
        if isinstance(subject_id, str):
            compared += 1
            if subject_id == expected:
                return Check(check=CheckId.RECIPIENT, outcome=Outcome.PASSED)
        for identity in _identifiers(subject):
            if identity_type is not None and identity.get("identityType") != identity_type:
                continue
            compared += 1
            if identity_matches(identity, expected):
                return Check(check=CheckId.RECIPIENT, outcome=Outcome.PASSED)
    if compared == 0:
        problem = Problem(
            str(Code.RECIPIENT_NOT_STATED),
            "the credential names no recipient to compare with",
            severity=Severity.WARNING,
            path="/credentialSubject",
        )
        return Check(check=CheckId.RECIPIENT, outcome=Outcome.INDETERMINATE, problems=[problem])
    problem = Problem(
        str(Code.RECIPIENT_MISMATCH),
        "the credential was not issued to the expected recipient",
        path="/credentialSubject",
        details={"compared": compared},
    )
    return Check(check=CheckId.RECIPIENT, outcome=Outcome.FAILED, problems=[problem])
