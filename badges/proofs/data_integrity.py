"""Data Integrity proofs: ``eddsa-rdfc-2022`` and ``eddsa-jcs-2022`` (create and verify), and the
legacy ``Ed25519Signature2020`` (verify only).

- vc-di-eddsa 1.0 §3.2 (eddsa-rdfc-2022): proofConfig = proof options + the document's
  ``@context``; hashData = SHA-256(RDFC-1.0(proofConfig)) ‖ SHA-256(RDFC-1.0(document without
  proof)); proofValue = ``z`` + base58btc(Ed25519(hashData)). Canonicalization runs in safe mode
  with bounded work (``badges.jsonld.canon``).
- vc-di-eddsa 1.0 §3.3 (eddsa-jcs-2022): the same with JCS (RFC 8785) instead of RDFC-1.0; the
  proof carries the document's ``@context``, and on verify the document's ``@context`` must start
  with the proof's.
- VC-DI 1.0 §4.3 (verify proof): proofPurpose, challenge and domain are checked against what the
  verifier expects; §2.2: ``created`` is an XSD dateTimeStamp.
- Legacy: ``Ed25519Signature2020`` (W3C CCG, deprecated; OB 3.0 impl guide says verifiers should
  consider prior suites) has the same hashing as eddsa-rdfc-2022 with the proof's context taken
  from the document; the legacy cryptosuite name ``eddsa-2022`` is accepted with a warning.

Key resolution is injected (``resolve_key``); a :class:`~badges.problems.BadgeError` it raises
becomes a problem with its own code (``verification_method_unresolvable`` and the like), so the
verifier can tell "could not check" from "bad".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import rfc8785

from badges.jsonld.canon import CanonLimits, canonical_nquads
from badges.jsonld.fast_jcs import canonical_json
from badges.jsonld.loader import OfflineDocumentLoader
from badges.keys import Ed25519KeyPair, Ed25519PublicKey
from badges.multibase import MultibaseError, multibase_decode, multibase_encode_base58btc
from badges.problems import BadgeError, Problem, Severity

__all__ = [
    "CRYPTOSUITES",
    "JcsError",
    "ProofError",
    "ProofVerification",
    "create_proof",
    "hash_data",
    "verify_proof",
]

RDFC = "eddsa-rdfc-2022"
JCS = "eddsa-jcs-2022"
LEGACY_RDFC = "eddsa-2022"
CRYPTOSUITES = (RDFC, JCS)
DATA_INTEGRITY_PROOF = "DataIntegrityProof"
ED25519_2020 = "Ed25519Signature2020"

# XML Schema dateTimeStamp as VC-DI §2.2 requires (a time zone is mandatory).
_DATETIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
)


class ProofError(BadgeError):
    """Creating a proof is impossible with these options (PROOF_GENERATION_ERROR)."""

    code = "proof_options_invalid"


@dataclass
class ProofVerification:
    """Outcome of verifying the proof(s) of a document; problems are data, never exceptions."""

    verified: bool
    problems: list[Problem] = field(default_factory=list)
    verification_method: str | None = None
    cryptosuite: str | None = None


class JcsError(BadgeError):
    """A JSON value that RFC 8785 cannot canonicalize (unsafe integer, NaN, lone surrogate)."""

    code = "json_not_canonicalizable"


def _json_copy(value: Any) -> Any:
    """A deep copy of a JSON value (dicts, lists, scalars), several times cheaper than deepcopy.

    Scalars (most members) are taken as they are without a call; only containers recurse.
    """
    if isinstance(value, dict):
        return {
            key: item if type(item) in _SCALARS else _json_copy(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [item if type(item) in _SCALARS else _json_copy(item) for item in value]
    return value


_SCALARS = frozenset({str, int, float, bool, type(None)})


def _jcs(value: Any) -> bytes:
    try:
        # Same bytes and errors as rfc8785.dumps, through the C JSON encoder where provably equal.
        return canonical_json(value)
    except rfc8785.CanonicalizationError as exc:
        raise JcsError(f"JSON non canonisable (RFC 8785) : {exc}") from exc


def hash_data(
    document: dict[str, Any],
    proof_config: dict[str, Any],
    cryptosuite: str,
    *,
    loader: OfflineDocumentLoader | None = None,
    limits: CanonLimits | None = None,
) -> bytes:
    """The 64 bytes that are signed: SHA-256(canonical proof config) ‖ SHA-256(canonical doc).

    ``document`` must be without ``proof``; ``proof_config`` without ``proofValue`` and with the
    ``@context`` the suite puts there.
    """
    if cryptosuite == JCS:
        proof_bytes, doc_bytes = _jcs(proof_config), _jcs(document)
    else:
        proof_bytes = canonical_nquads(proof_config, loader=loader, limits=limits).encode()
        doc_bytes = canonical_nquads(document, loader=loader, limits=limits).encode()
    return hashlib.sha256(proof_bytes).digest() + hashlib.sha256(doc_bytes).digest()


def _unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _previous_proofs(options: dict[str, Any], proofs: list[Any]) -> list[Any] | None:
    """Proofs named by ``previousProof`` (VC-DI §2.1.2 proof chains), or None if there is no
    such option. Raises :class:`ProofError` (``previous_proof_missing``) if one is absent."""
    wanted = options.get("previousProof")
    if wanted is None:
        return None
    ids = wanted if isinstance(wanted, list) else [wanted]
    by_id = {p.get("id"): p for p in proofs if isinstance(p, dict) and p.get("id") is not None}
    missing = [i for i in ids if not isinstance(i, str) or i not in by_id]
    if missing:
        raise ProofError(
            f"previousProof : preuve(s) introuvable(s) {missing}", code="previous_proof_missing"
        )
    return [by_id[i] for i in ids]


def create_proof(
    document: dict[str, Any],
    key: Ed25519KeyPair,
    *,
    cryptosuite: str = RDFC,
    verification_method: str | None = None,
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    proof_options: dict[str, Any] | list[dict[str, Any]] | None = None,
    proof_as_set: bool = False,
    loader: OfflineDocumentLoader | None = None,
    limits: CanonLimits | None = None,
) -> dict[str, Any]:
    """Return a NEW document with a DataIntegrityProof added (vc-di-eddsa §3.2.1 / §3.3.1).

    With ``proof_options`` the proof uses exactly those options (their key order is kept, which
    makes the published vectors reproducible); the other keyword arguments are then ignored.
    Without a clock injected, ``created`` is omitted unless given (it is optional in VC-DI).
    An existing ``proof`` is kept: the new proof joins it in a proof set (VC-DI §2.1.2).
    ``proof_as_set`` (or ``proof_options`` given as a one-element list) writes ``proof`` as an
    array even for one proof, as the CLR 2.0 vector does.
    """
    if not isinstance(document, dict):
        raise ProofError("Le document à signer doit être un objet JSON")
    if isinstance(proof_options, list):
        if len(proof_options) != 1 or not isinstance(proof_options[0], dict):
            raise ProofError("Les options de preuve : un objet, ou une liste d'un seul objet")
        proof_options, proof_as_set = proof_options[0], True
    if proof_options is not None:
        if not isinstance(proof_options, dict):
            raise ProofError("Les options de preuve doivent être un objet JSON")
        options = {k: v for k, v in proof_options.items() if k != "proofValue"}
        cryptosuite = options.get("cryptosuite", cryptosuite)
    else:
        if not verification_method:
            raise ProofError("verificationMethod manquant")
        options = {"type": DATA_INTEGRITY_PROOF, "cryptosuite": cryptosuite}
        if created is not None:
            options["created"] = created
        options["verificationMethod"] = verification_method
        options["proofPurpose"] = proof_purpose
        if challenge is not None:
            options["challenge"] = challenge
        if domain is not None:
            options["domain"] = domain
    if options.get("type") != DATA_INTEGRITY_PROOF:
        raise ProofError("Le type de preuve doit être DataIntegrityProof")
    if cryptosuite not in CRYPTOSUITES:
        raise ProofError(f"Suite cryptographique non prise en charge : {cryptosuite}")
    for name in ("verificationMethod", "proofPurpose"):
        if not isinstance(options.get(name), str) or not options[name]:
            raise ProofError(f"Option de preuve « {name} » manquante")
    created_value = options.get("created")
    if created_value is not None and not (
        isinstance(created_value, str) and _DATETIME.match(created_value)
    ):
        raise ProofError("« created » doit être une date XSD avec fuseau horaire")

    unsecured = _unsecured(document)
    existing = document.get("proof")
    previous = [] if existing is None else existing if isinstance(existing, list) else [existing]
    chained = _previous_proofs(options, previous)
    proof = {k: v for k, v in options.items() if k != "@context"}
    config = dict(proof)
    if "@context" in unsecured:
        config["@context"] = _json_copy(unsecured["@context"])
        if cryptosuite == JCS:
            proof["@context"] = _json_copy(unsecured["@context"])
    hashed = unsecured if chained is None else {**unsecured, "proof": chained}
    data = hash_data(hashed, config, cryptosuite, loader=loader, limits=limits)
    proof["proofValue"] = multibase_encode_base58btc(key.sign(data))

    signed: dict[str, Any] = _json_copy(unsecured)
    if existing is None:
        signed["proof"] = [proof] if proof_as_set else proof
    else:
        signed["proof"] = [*_json_copy(previous), proof]
    return signed


def _problem(code: str, message: str, *, severity: Severity = Severity.ERROR) -> Problem:
    return Problem(code=code, message=message, severity=severity, path="proof")


def _check_options(
    proof: dict[str, Any],
    expected_purpose: str | None,
    expected_challenge: str | None,
    expected_domain: str | None,
) -> list[Problem]:
    problems: list[Problem] = []
    if expected_purpose is not None and proof.get("proofPurpose") != expected_purpose:
        problems.append(
            _problem(
                "proof_purpose_mismatch",
                f"But de la preuve « {proof.get('proofPurpose')} », attendu « {expected_purpose} »",
            )
        )
    if expected_challenge is not None and proof.get("challenge") != expected_challenge:
        problems.append(_problem("challenge_mismatch", "Le défi (challenge) ne correspond pas"))
    if expected_domain is not None:
        domain = proof.get("domain")
        domains = domain if isinstance(domain, list) else [domain]
        if expected_domain not in domains:
            problems.append(
                _problem("domain_mismatch", "Le domaine de la preuve ne correspond pas")
            )
    for name in ("created", "expires"):
        value = proof.get(name)
        if value is not None and not (isinstance(value, str) and _DATETIME.match(value)):
            problems.append(
                _problem("proof_malformed", f"« {name} » n'est pas une date XSD valide")
            )
    return problems


def _verify_one(
    document: dict[str, Any],
    proof: Any,
    *,
    all_proofs: list[Any],
    resolve_key: Callable[[str], Ed25519PublicKey],
    expected_challenge: str | None,
    expected_domain: str | None,
    expected_purpose: str | None,
    loader: OfflineDocumentLoader | None,
    limits: CanonLimits | None,
) -> ProofVerification:
    if not isinstance(proof, dict):
        return ProofVerification(
            False, [_problem("proof_malformed", "La preuve n'est pas un objet")]
        )
    proof_type = proof.get("type")
    suite: str | None = None
    problems: list[Problem] = []
    if proof_type == DATA_INTEGRITY_PROOF:
        suite = proof.get("cryptosuite")
        if suite == LEGACY_RDFC:
            problems.append(
                _problem(
                    "cryptosuite_deprecated",
                    "Nom de suite obsolète « eddsa-2022 » (lu comme eddsa-rdfc-2022)",
                    severity=Severity.WARNING,
                )
            )
        elif suite not in CRYPTOSUITES:
            return ProofVerification(
                False,
                [_problem("cryptosuite_unsupported", f"Suite non prise en charge : {suite}")],
                cryptosuite=suite if isinstance(suite, str) else None,
            )
    elif proof_type == ED25519_2020:
        suite = ED25519_2020
    else:
        return ProofVerification(
            False, [_problem("proof_type_unsupported", f"Type de preuve inconnu : {proof_type}")]
        )
    vm = proof.get("verificationMethod")
    vm = vm.get("id") if isinstance(vm, dict) else vm
    result = ProofVerification(False, problems, vm if isinstance(vm, str) else None, suite)
    if not isinstance(vm, str) or not vm:
        problems.append(_problem("proof_malformed", "verificationMethod manquant"))
    if not isinstance(proof.get("proofPurpose"), str):
        problems.append(_problem("proof_malformed", "proofPurpose manquant"))
    signature = b""
    try:
        value = proof.get("proofValue")
        if not isinstance(value, str) or not value.startswith("z"):
            raise MultibaseError("proofValue absent ou pas en base58btc")
        signature = multibase_decode(value)
        if len(signature) != 64:
            raise MultibaseError("une signature Ed25519 fait 64 octets")
    except MultibaseError as exc:
        problems.append(_problem("proof_malformed", f"proofValue invalide : {exc}"))
    problems.extend(_check_options(proof, expected_purpose, expected_challenge, expected_domain))
    if any(p.severity == Severity.ERROR for p in problems) or not isinstance(vm, str):
        return result

    unsecured = _unsecured(document)
    try:
        chained = _previous_proofs(proof, all_proofs)
    except ProofError as exc:
        problems.append(_problem(exc.code, str(exc)))
        return result
    if chained is not None:
        unsecured["proof"] = chained
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    hashing_suite = JCS if suite == JCS else RDFC
    if suite == JCS:
        proof_ctx = config.get("@context")
        if proof_ctx is not None:
            doc_ctx = unsecured.get("@context")
            want = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
            have = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
            if have[: len(want)] != want:
                problems.append(
                    _problem("signature_invalid", "Le @context de la preuve diffère du document")
                )
                return result
            unsecured["@context"] = proof_ctx
    elif "@context" in unsecured:
        config["@context"] = unsecured["@context"]
    try:
        data = hash_data(unsecured, config, hashing_suite, loader=loader, limits=limits)
    except BadgeError as exc:
        problems.append(exc.to_problem())
        return result
    try:
        public = resolve_key(vm)
    except BadgeError as exc:
        problems.append(Problem(code=exc.code, message=str(exc), path="proof.verificationMethod"))
        return result
    except Exception as exc:  # a resolver bug must not crash verification
        problems.append(
            Problem(
                code="verification_method_unresolvable",
                message=f"Clé introuvable : {exc}",
                path="proof.verificationMethod",
            )
        )
        return result
    if not public.verify(signature, data):
        problems.append(_problem("signature_invalid", "La signature ne correspond pas au contenu"))
        return result
    result.verified = True
    return result


def verify_proof(
    document: dict[str, Any],
    *,
    resolve_key: Callable[[str], Ed25519PublicKey],
    expected_challenge: str | None = None,
    expected_domain: str | None = None,
    expected_purpose: str | None = "assertionMethod",
    loader: OfflineDocumentLoader | None = None,
    limits: CanonLimits | None = None,
) -> ProofVerification:
    """Verify every proof of ``document`` (a proof set verifies only if each proof does)."""
    if not isinstance(document, dict):
        return ProofVerification(False, [_problem("proof_missing", "Pas de document")])
    proofs = document.get("proof")
    if proofs is None or proofs == []:
        return ProofVerification(
            False, [_problem("proof_missing", "Le document n'a pas de preuve")]
        )
    all_proofs = proofs if isinstance(proofs, list) else [proofs]
    results = [
        _verify_one(
            document,
            proof,
            all_proofs=all_proofs,
            resolve_key=resolve_key,
            expected_challenge=expected_challenge,
            expected_domain=expected_domain,
            expected_purpose=expected_purpose,
            loader=loader,
            limits=limits,
        )
        for proof in all_proofs
    ]
    first = results[0]
    return ProofVerification(
        verified=all(r.verified for r in results),
        problems=[p for r in results for p in r.problems],
        verification_method=first.verification_method,
        cryptosuite=first.cryptosuite,
    )
