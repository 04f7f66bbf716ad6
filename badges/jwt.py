"""VC-JWT as Open Badges 3.0 §8.2 defines it ("JSON Web Token Proof Format").

Issue (§8.2.4.1): compact JWS, header ``{"alg": "EdDSA", "kid": <verification method>, "typ":
"JWT"}``; payload = the credential itself plus the claims ``iss`` (issuer.id), ``jti`` (id),
``nbf`` (validFrom), ``sub`` (credentialSubject.id) and ``exp`` (validUntil, when present).

Verify (§8.2.4.2 and VC-JOSE-COSE security considerations, reliability-ux.md §A3-S5):

- strict parsing: three base64url parts, JSON objects, no duplicate members (``jwt_malformed``);
- algorithm allow-list EdDSA (RFC 8037), RS256, ES256 (RFC 7518). ``none``, every ``HS*`` and any
  other value end in ``jwt_algorithm_refused``; the key type must match the algorithm, so an RS256
  token can never be "verified" with an HMAC over the public key (algorithm confusion);
- header: ``kid`` or ``jwk`` required, a ``jwk`` must be public (no ``d``), ``crit`` is refused,
  other members are reported (§8.2.3 allows only alg/kid/jwk/typ) (``jwt_header_invalid``);
- the key comes from the caller's ``resolve_key(header)`` — which decides whether the key is bound
  to the issuer (``badges.resolution.KeyResolver.jose_resolver``). When it cannot bind the key but
  the header carries a ``jwk``, the signature is still checked with that key so the report can say
  "intact but not bound" rather than "tampered";
- claims: ``iss``/``sub``/``jti``/``nbf``/``exp`` must equal the credential's fields
  (``jwt_claim_mismatch``; a missing claim is a warning ``jwt_claim_missing``); ``nbf`` in the
  future is ``jwt_not_yet_valid``, ``exp`` in the past ``jwt_expired``;
- the payload may be the credential itself (OB 3.0 / VC 2.0) or carry it in a ``vc`` claim (VC 1.1).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from badges.jwk import MIN_RSA_BITS, JwkError, PublicKeyLike, public_key_from_jwk
from badges.keys import Ed25519KeyPair, Ed25519PublicKey
from badges.multibase import MultibaseError, base64url_decode, base64url_encode
from badges.problems import BadgeError, Problem, Severity

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "JoseHeader",
    "JwtError",
    "JwtVerification",
    "credential_from_payload",
    "decode_jose",
    "encode_vc_jwt",
    "verify_vc_jwt",
]

SUPPORTED_ALGORITHMS = frozenset({"EdDSA", "Ed25519", "RS256", "ES256"})
_ALLOWED_HEADER_MEMBERS = frozenset({"alg", "kid", "jwk", "typ"})
_JWT_CLAIMS = ("iss", "sub", "jti", "nbf", "exp", "iat", "aud")
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")
# Codes that do not say anything about integrity: the verifier reports them under validity.
_TIME_CODES = frozenset({"jwt_expired", "jwt_not_yet_valid"})


class JwtError(BadgeError):
    code = "jwt_malformed"


@dataclass(frozen=True, slots=True)
class JoseHeader:
    """The protected header of a compact JWS (RFC 7515 §4.1)."""

    alg: str
    kid: str | None
    jwk: dict[str, Any] | None
    typ: str | None
    raw: dict[str, Any]


@dataclass(slots=True)
class JwtVerification:
    """Outcome of ``verify_vc_jwt``.

    ``verified`` — signature valid with a key the resolver accepted, header and claims consistent,
    and the token inside its nbf/exp window. ``proof_valid`` — the same without the time window
    (the verifier reports dates under its validity check). ``signature_valid`` — the bytes are
    intact under the key that was used (possibly the header ``jwk`` when it was not bound).
    """

    verified: bool
    credential: dict[str, Any] | None
    header: JoseHeader | None
    payload: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)
    signature_valid: bool = False
    key_bound: bool = False

    @property
    def proof_valid(self) -> bool:
        return (
            self.signature_valid
            and self.key_bound
            and not any(
                p.severity == Severity.ERROR and p.code not in _TIME_CODES for p in self.problems
            )
        )


def _strict_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            # Two parsers reading different values of one member is how signed data gets forged.
            raise JwtError(f"membre JSON en double : « {key} »")
        result[key] = value
    return result


def _reject_constant(value: str) -> Any:
    raise JwtError(f"valeur JSON non standard : {value}")


def _decode_part(part: str, what: str) -> dict[str, Any]:
    try:
        data = base64url_decode(part)
        value = json.loads(
            data.decode("utf-8"),
            object_pairs_hook=_strict_object,
            parse_constant=_reject_constant,
        )
    except JwtError:
        raise
    except (MultibaseError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise JwtError(f"{what} du JWT illisible : {exc}") from exc
    if not isinstance(value, dict):
        raise JwtError(f"{what} du JWT : objet JSON attendu")
    return value


def decode_jose(token: str) -> tuple[JoseHeader, dict[str, Any], bytes, bytes]:
    """Split and decode a compact JWS: ``(header, payload, signing_input, signature)``.

    No signature check here; ``JwtError(jwt_malformed | jwt_header_invalid)`` on bad input.
    """
    text = token.strip()
    parts = text.split(".")
    if len(parts) != 3 or not all(parts[:2]) or not all(_B64URL.match(p) for p in parts):
        raise JwtError("un JWT compact a trois parties base64url séparées par des points")
    raw_header = _decode_part(parts[0], "en-tête")
    payload = _decode_part(parts[1], "contenu")
    try:
        signature = base64url_decode(parts[2])
    except MultibaseError as exc:
        raise JwtError(f"signature du JWT illisible : {exc}") from exc
    alg = raw_header.get("alg")
    if not isinstance(alg, str):
        raise JwtError("en-tête JWT sans « alg »", code="jwt_header_invalid")
    kid = raw_header.get("kid")
    jwk = raw_header.get("jwk")
    typ = raw_header.get("typ")
    if kid is not None and not isinstance(kid, str):
        raise JwtError("en-tête JWT : « kid » doit être une chaîne", code="jwt_header_invalid")
    if jwk is not None and not isinstance(jwk, dict):
        raise JwtError("en-tête JWT : « jwk » doit être un objet", code="jwt_header_invalid")
    if typ is not None and not isinstance(typ, str):
        raise JwtError("en-tête JWT : « typ » doit être une chaîne", code="jwt_header_invalid")
    header = JoseHeader(alg=alg, kid=kid, jwk=jwk, typ=typ, raw=raw_header)
    signing_input = (parts[0] + "." + parts[1]).encode("ascii")
    return header, payload, signing_input, signature


def credential_from_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The credential a VC-JWT carries: the ``vc`` claim (VC 1.1) or the payload minus claims."""
    inner = payload.get("vc")
    if isinstance(inner, dict):
        return dict(inner)
    return {k: v for k, v in payload.items() if k not in _JWT_CLAIMS}


def _dumps(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _id_of(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _subject_id(credential: Mapping[str, Any]) -> str | None:
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = subject[0] if len(subject) == 1 else None
    return _id_of(subject) if isinstance(subject, Mapping) else None


def _expected_claims(credential: Mapping[str, Any]) -> dict[str, str | int | None]:
    """The claim values §8.2.4.1 derives from a credential (VC 2.0 names, then VC 1.1 names)."""
    valid_from = _parse_datetime(credential.get("validFrom", credential.get("issuanceDate")))
    valid_until = _parse_datetime(credential.get("validUntil", credential.get("expirationDate")))
    return {
        "iss": _id_of(credential.get("issuer")),
        "jti": _id_of(credential.get("id")),
        "sub": _subject_id(credential),
        "nbf": math.floor(valid_from.timestamp()) if valid_from else None,
        "exp": math.floor(valid_until.timestamp()) if valid_until else None,
    }


def encode_vc_jwt(credential: Mapping[str, Any], key: Ed25519KeyPair, *, kid: str) -> str:
    """Sign ``credential`` as an OB 3.0 VC-JWT with EdDSA (§8.2.4.1). Returns the compact JWS."""
    claims = _expected_claims(credential)
    if claims["iss"] is None or claims["nbf"] is None:
        raise JwtError("le credential doit avoir issuer.id et validFrom pour devenir un VC-JWT")
    header = {"alg": "EdDSA", "kid": kid, "typ": "JWT"}
    payload: dict[str, Any] = dict(credential)
    for claim, value in claims.items():
        if value is not None:
            payload[claim] = value
    signing_input = base64url_encode(_dumps(header)) + "." + base64url_encode(_dumps(payload))
    signature = key.sign(signing_input.encode("ascii"))
    return signing_input + "." + base64url_encode(signature)


def _check_header(header: JoseHeader) -> list[Problem]:
    problems: list[Problem] = []
    alg = header.alg
    if alg.lower() == "none" or alg.upper().startswith("HS"):
        problems.append(
            Problem(
                "jwt_algorithm_refused",
                f"algorithme « {alg} » refusé : un JWT doit être signé par une clé asymétrique",
                path="header.alg",
            )
        )
    elif alg not in SUPPORTED_ALGORITHMS:
        problems.append(
            Problem(
                "jwt_algorithm_refused",
                f"algorithme « {alg} » non pris en charge (EdDSA, RS256, ES256)",
                path="header.alg",
            )
        )
    if "crit" in header.raw:
        problems.append(
            Problem(
                "jwt_header_invalid",
                "en-tête « crit » : extensions JOSE non prises en charge",
                path="header.crit",
            )
        )
    if header.kid is None and header.jwk is None:
        problems.append(
            Problem(
                "jwt_header_invalid",
                "l'en-tête JWT ne désigne aucune clé (ni kid ni jwk)",
                path="header",
            )
        )
    if header.jwk is not None:
        try:
            public_key_from_jwk(header.jwk)
        except JwkError as exc:
            problems.append(Problem("jwt_header_invalid", str(exc), path="header.jwk"))
    extra = sorted(set(header.raw) - _ALLOWED_HEADER_MEMBERS - {"crit"})
    if extra:
        problems.append(
            Problem(
                "jwt_header_invalid",
                f"en-têtes JOSE non prévus par OB 3.0 §8.2.3, ignorés : {', '.join(extra)}",
                severity=Severity.WARNING,
                path="header",
            )
        )
    if header.typ is not None and header.typ.upper() != "JWT":
        problems.append(
            Problem(
                "jwt_header_invalid",
                f"« typ » vaut « {header.typ} », OB 3.0 attend « JWT »",
                severity=Severity.WARNING,
                path="header.typ",
            )
        )
    return problems


def key_matches_algorithm(alg: str, key: PublicKeyLike) -> bool:
    if alg in ("EdDSA", "Ed25519"):
        return isinstance(key, Ed25519PublicKey)
    if alg == "RS256":
        return isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS
    if alg == "ES256":
        return isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1)
    return False


def signature_ok(alg: str, key: PublicKeyLike, signing_input: bytes, signature: bytes) -> bool:
    try:
        if isinstance(key, Ed25519PublicKey):
            return key.verify(signature, signing_input)
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
            return True
        # ES256 signatures are the raw 32-byte r and s (RFC 7518 §3.4), not DER.
        if len(signature) != 64:
            return False
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        key.verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
        return True
    except (InvalidSignature, ValueError):
        return False


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _check_claims(
    payload: Mapping[str, Any], credential: Mapping[str, Any], now: datetime, leeway: timedelta
) -> list[Problem]:
    problems: list[Problem] = []
    expected = _expected_claims(credential)
    for claim in ("iss", "sub", "jti", "nbf", "exp"):
        actual, wanted = payload.get(claim), expected[claim]
        if claim in ("nbf", "exp") and actual is not None:
            number = _number(actual)
            if number is None or not math.isfinite(number):
                problems.append(
                    Problem("jwt_claim_mismatch", f"« {claim} » doit être un nombre", path=claim)
                )
                continue
            actual = math.floor(number)
        if actual is None and wanted is None:
            continue
        if actual is None:
            problems.append(
                Problem(
                    "jwt_claim_missing",
                    f"le JWT n'a pas de claim « {claim} » (attendu : {wanted})",
                    severity=Severity.WARNING,
                    path=claim,
                )
            )
        elif wanted is None and claim == "exp":
            problems.append(
                Problem(
                    "jwt_claim_mismatch",
                    "le JWT expire (exp) mais le credential n'a pas de validUntil",
                    severity=Severity.WARNING,
                    path=claim,
                )
            )
        elif actual != wanted:
            problems.append(
                Problem(
                    "jwt_claim_mismatch",
                    f"claim « {claim} » = {actual!r} mais le credential dit {wanted!r}",
                    path=claim,
                    details={"claim": claim, "jwt": actual, "credential": wanted},
                )
            )
    nbf, exp = _number(payload.get("nbf")), _number(payload.get("exp"))
    timestamp = now.timestamp()
    if nbf is not None and timestamp + leeway.total_seconds() < nbf:
        problems.append(
            Problem("jwt_not_yet_valid", "le JWT n'est pas encore valide (nbf)", path="nbf")
        )
    if exp is not None and timestamp - leeway.total_seconds() >= exp:
        problems.append(Problem("jwt_expired", "le JWT a expiré (exp)", path="exp"))
    return problems


def verify_vc_jwt(
    token: str,
    *,
    resolve_key: Callable[[JoseHeader], PublicKeyLike],
    now: datetime,
    leeway: timedelta = timedelta(0),
) -> JwtVerification:
    """Verify an OB 3.0 VC-JWT; never raises on bad input (problems carry the codes)."""
    try:
        header, payload, signing_input, signature = decode_jose(token)
    except JwtError as exc:
        return JwtVerification(False, None, None, problems=[exc.to_problem()])
    credential = credential_from_payload(payload)
    result = JwtVerification(False, credential, header, payload)
    result.problems.extend(_check_header(header))
    if any(p.severity == Severity.ERROR for p in result.problems):
        # Never touch a key for a token whose header is refused (alg none, HMAC, private jwk).
        return result

    try:
        key: PublicKeyLike | None = resolve_key(header)
        result.key_bound = True
    except BadgeError as exc:
        result.problems.append(exc.to_problem())
        # Not bound: still say whether the bytes are intact under the key the token carries.
        key = public_key_from_jwk(header.jwk) if header.jwk is not None else None
    except Exception as exc:  # a resolver bug must not crash verification
        result.problems.append(
            Problem("verification_method_unresolvable", f"résolution de la clé impossible : {exc}")
        )
        key = None
    if key is not None:
        if not key_matches_algorithm(header.alg, key):
            result.problems.append(
                Problem(
                    "jwt_algorithm_refused",
                    f"la clé ne correspond pas à l'algorithme « {header.alg} »",
                    path="header.alg",
                )
            )
        elif signature_ok(header.alg, key, signing_input, signature):
            result.signature_valid = True
        else:
            result.problems.append(
                Problem("signature_invalid", "la signature du JWT ne correspond pas au contenu")
            )
    result.problems.extend(_check_claims(payload, credential, now, leeway))
    result.verified = (
        result.signature_valid
        and result.key_bound
        and not any(p.severity == Severity.ERROR for p in result.problems)
    )
    return result
