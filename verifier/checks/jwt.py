"""The ``proof`` check of a VC-JWT (OB 3.0 §8.2 "JSON Web Token Proof Format"; VC-JOSE-COSE).

``badges.jwt.verify_vc_jwt`` checks the header (never ``none`` or HMAC), the signature and the
registered claims against the credential; the key comes from ``KeyResolver.resolve_jose``, which
binds ``kid``/``jwk`` to the issuer named in the payload. Expiry (``exp``/``nbf``) is reported by
the ``validity_period`` check from the credential's own dates, not twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from badges.problems import BadgeError, Problem
from verifier.checks.parties import issuer_id_of
from verifier.checks.proof import outcome_of
from verifier.inputs import error_problem
from verifier.options import KeyResolverLike, VerifyOptions
from verifier.report import Check, CheckId, Outcome

_TIME_CODES = frozenset({"jwt_expired", "jwt_not_yet_valid"})


@dataclass(slots=True)
class JwtOutcome:
    credential: dict[str, Any] | None
    proof: Check


def verify_jwt(token: str, options: VerifyOptions, resolver: KeyResolverLike) -> JwtOutcome:
    from badges.jwt import credential_from_payload, decode_jose, verify_vc_jwt

    try:
        _header, payload, _, _ = decode_jose(token)
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
    try:
        result = verify_vc_jwt(
            token,
            resolve_key=lambda header: resolve_jose(header, issuer_id=issuer_id),
            now=options.now,
        )
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
    check = Check(
        check=CheckId.PROOF,
        outcome=outcome_of(problems, result.proof_valid),
        problems=problems,
        details=details,
    )
    return JwtOutcome(result.credential if result.credential is not None else credential, check)
