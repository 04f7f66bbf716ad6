"""The ``proof`` check of a VC-JWT (OB 3.0 §8.2 "JSON Web Token Proof Format"; VC-JOSE-COSE).

``badges.jwt.verify_vc_jwt`` checks the header (never ``none`` or HMAC), the signature and the
registered claims against the credential; the key comes from ``KeyResolver.resolve_jose``, which
binds ``kid``/``jwk`` to the issuer named in the payload. Expiry (``exp``/``nbf``) is reported by
the ``validity_period`` check from the credential's own dates, not twice.

As for Data Integrity (issue 2, ADR 0001), ``proof`` is the signature finding and the key binding
goes to ``issuer_trust`` (``JwtOutcome.binding``): when the key cannot be bound, the signature is
still checked under the key the token names (its header ``jwk``, or a did:key / ``#z6Mk…``
``kid``) — key material, never trust — and ``proof`` is ``indeterminate`` when there is none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from badges.jwk import PublicKeyLike
from badges.problems import BadgeError, Problem, Severity
from badges.resolution import named_key
from verifier.checks.parties import issuer_id_of
from verifier.checks.proof import BINDING_CODES, outcome_of
from verifier.inputs import error_problem
from verifier.options import KeyResolverLike, VerifyOptions
from verifier.report import Check, CheckId, Outcome

_TIME_CODES = frozenset({"jwt_expired", "jwt_not_yet_valid"})


@dataclass(slots=True)
class JwtOutcome:
    credential: dict[str, Any] | None
    proof: Check
    binding: list[Problem] = field(default_factory=list)
    binding_state: str | None = None


def verify_jwt(token: str, options: VerifyOptions, resolver: KeyResolverLike) -> JwtOutcome:
    from badges.jwt import credential_from_payload, decode_jose, verify_vc_jwt

    try:
        header, payload, signing_input, signature = decode_jose(token)
        credential = credential_from_payload(payload)
    except BadgeError as exc:
        check = Check(check=CheckId.PROOF, outcome=Outcome.FAILED, problems=[exc.to_problem()])
        return JwtOutcome(None, check)
    issuer_id = issuer_id_of(credential) if isinstance(credential, dict) else None
    if issuer_id is None and isinstance(payload.get("iss"), str):
        issuer_id = str(payload["iss"])
    resolve_jose = getattr(resolver, "resolve_jose", None)
    if resolve_jose is None:
        problem = Problem("internal_error", "the key resolver cannot resolve JOSE headers")
        check = Check(check=CheckId.PROOF, outcome=Outcome.INDETERMINATE, problems=[problem])
        return JwtOutcome(credential, check)
    raised: list[BadgeError] = []

    def resolve_key(jose: Any) -> PublicKeyLike:
        try:
            key: PublicKeyLike = resolve_jose(jose, issuer_id=issuer_id)
        except BadgeError as exc:
            raised.append(exc)
            raise
        return key

    try:
        result = verify_vc_jwt(token, resolve_key=resolve_key, now=options.now)
    except Exception as exc:  # a primitive must not turn a finding into a crash
        problem = error_problem(exc)
        check = Check(check=CheckId.PROOF, outcome=outcome_of([problem], False), problems=[problem])
        return JwtOutcome(credential, check)
    problems = [p for p in result.problems if p.code not in _TIME_CODES]
    details: dict[str, Any] = {
        "format": "vc-jwt",
        "alg": result.header.alg if result.header else None,
        "kid": result.header.kid if result.header else None,
        "signature_valid": result.signature_valid,
        "key_bound": result.key_bound,
    }
    found = result.credential if result.credential is not None else credential
    binding = [e.to_problem() for e in raised if e.code in BINDING_CODES]
    if result.key_bound or not binding:
        state = "bound" if result.key_bound else None
        check = Check(
            check=CheckId.PROOF,
            outcome=outcome_of(problems, result.proof_valid),
            problems=problems,
            details=details,
        )
        return JwtOutcome(found, check, binding_state=state)
    # Not bound: the signature finding alone, under the key the token itself names.
    binding_codes = {p.code for p in binding}
    rest = [p for p in problems if p.code not in binding_codes]
    signature_valid = result.signature_valid
    checked = signature_valid or any(p.code == "signature_invalid" for p in rest)
    if not checked and header.kid and header.jwk is None:
        from badges.jwt import key_matches_algorithm, signature_ok

        key = named_key(header.kid)
        if key is not None and key_matches_algorithm(header.alg, key):
            checked = True
            signature_valid = signature_ok(header.alg, key, signing_input, signature)
            if not signature_valid:
                rest.append(
                    Problem("signature_invalid", "the JWT signature does not match its own key")
                )
    details["signature_valid"] = signature_valid
    state = (
        "not_bound" if binding_codes - {"verification_method_unresolvable"} else "could_not_bind"
    )
    if checked:
        outcome = outcome_of(rest, signature_valid)
        if outcome == Outcome.PASSED and any(p.severity == Severity.ERROR for p in rest):
            outcome = outcome_of(rest, False)
        check = Check(check=CheckId.PROOF, outcome=outcome, problems=rest, details=details)
    else:
        errors = [p for p in rest if p.severity == Severity.ERROR]
        outcome = outcome_of(errors, False) if errors else Outcome.INDETERMINATE
        check = Check(
            check=CheckId.PROOF, outcome=outcome, problems=[*rest, *binding], details=details
        )
    details["key_binding"] = state
    return JwtOutcome(found, check, binding=binding, binding_state=state)
