"""The ``proof`` check: Data Integrity proofs, and the key binding found on the way.

VC Data Integrity §4.4 "Verify Proof" and §"Verification Method Binding" / "Verification
Relationship Validation": the key must be found in the controller document (or DID document) of
the issuer and listed under the expected relationship; a public key merely written in a URL
fragment is never trusted (reliability-ux.md finding 4). ``badges.resolution.KeyResolver`` does the
binding; ``badges.proofs.data_integrity.verify_proof`` does the cryptography.

Two findings, kept apart for a credential (issue 2, ADR 0001):

* ``proof`` is the cryptographic finding only: ``passed`` when every signature verifies under the
  key its verification method names (did:key is self-certifying; a ``#z6Mk…`` fragment or a
  document already fetched gives key material used ONLY to check the signature, never to trust
  it); ``failed`` when a signature is wrong (tampered document, wrong purpose, challenge or
  domain); ``indeterminate`` when no key material at all could be had (did:web unreachable) or
  the suite is not implemented: "could not check" is never "false".
* the key binding (``bound``, ``could_not_bind``, ``not_bound``, ``invalid``) goes to the
  ``issuer_trust`` check (``ProofFindings.binding``): a key that is not the issuer's never makes a
  badge verified (key substitution, reliability-ux.md §A3-S7).

Status lists and presentations keep the folded form (``check_data_integrity``): a list or a
presentation signed by a key that is not its issuer's is simply not a valid proof there.

Several proofs: each must verify (a malformed or failing proof next to a good one is a finding,
not noise: 1EdTech's validator rejects ``simple-multiple-proofs.json`` too).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from badges.jsonld.canon import CanonLimits
from badges.jsonld.loader import OfflineDocumentLoader
from badges.keys import Ed25519PublicKey
from badges.problems import BadgeError, Problem, Severity
from badges.proofs.data_integrity import verify_proof
from badges.resolution import KeyResolver, named_key
from verifier.codes import Code
from verifier.inputs import error_problem
from verifier.options import KeyResolverLike, Limits, VerifyOptions
from verifier.report import Check, CheckId, Outcome, new_check

# Enum members read on the hot path, as module globals: reading ``Outcome.PASSED`` is an
# attribute lookup on the enum class (~45 ns), a global costs a few.
_ERROR = Severity.ERROR
_FAILED = Outcome.FAILED
_INDETERMINATE = Outcome.INDETERMINATE
_INFO = Severity.INFO
_PASSED = Outcome.PASSED
_PROOF = CheckId.PROOF


# Problems that mean "we could not check", not "the proof is wrong".
COULD_NOT_CHECK = frozenset(
    {
        "verification_method_unresolvable",
        "did_resolution_failed",
        "did_unresolvable",
        "fetch_failed",
        "fetch_too_large",
        "fetch_refused_private_address",
        "fetch_refused_scheme",
        "internal_error",
        # A suite or proof type we do not implement (ecdsa-sd-2023, a future suite): we could not
        # check it, which is not the same as "the signature is wrong" (reliability-ux.md B3).
        "cryptosuite_unsupported",
        "proof_type_unsupported",
    }
)


# The resolver's findings about the key binding itself (badges.resolution).
BINDING_CODES = frozenset(
    {"verification_method_unresolvable", "key_not_bound_to_issuer", "verification_method_invalid"}
)
# Binding states, worst first (ProofFindings.binding_state, details.proofs[].key_binding).
_BINDING_RANK = ("not_bound", "invalid", "could_not_bind", "bound")


@dataclass(slots=True)
class ProofFindings:
    """The ``proof`` check of a credential and, apart, what was found about its key binding."""

    check: Check
    binding: list[Problem] = field(default_factory=list)
    binding_state: str = "bound"


def build_resolver(options: VerifyOptions, purpose: str = "assertionMethod") -> KeyResolverLike:
    """The caller's resolver, or one built from the options for ``purpose`` and kept there.

    Keeping it on the (shared) options lets many verifications reuse the DID and controller
    documents it has already resolved, as they reuse status lists.
    """
    if options.key_resolver is not None:
        return options.key_resolver
    cached = options.resolver_cache.get(purpose)
    if cached is not None:
        return cached
    from badges.resolution import KeyResolver

    resolver: KeyResolverLike = KeyResolver(
        fetcher=options.fetcher, pinned=list(options.pinned_keys), purpose=purpose
    )
    options.resolver_cache[purpose] = resolver
    return resolver


def outcome_of(problems: list[Problem], verified: bool) -> Outcome:
    if verified:
        return _PASSED
    errors = [p for p in problems if p.severity == _ERROR]
    if errors and all(p.code in COULD_NOT_CHECK for p in errors):
        return _INDETERMINATE
    return _FAILED


def _proofs(document: Mapping[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return proof if isinstance(proof, list) else [proof]


def check_data_integrity(
    document: Mapping[str, Any],
    *,
    resolver: KeyResolverLike,
    bind_to: str | None,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    check_id: CheckId = CheckId.PROOF,
    missing_code: str = "proof_missing",
    limits: Limits | None = None,
    loader: OfflineDocumentLoader | None = None,
) -> Check:
    """The folded form: a key not bound to ``bind_to`` makes the proof itself fail."""
    return proof_findings(
        document,
        resolver=resolver,
        bind_to=bind_to,
        purpose=purpose,
        challenge=challenge,
        domain=domain,
        check_id=check_id,
        missing_code=missing_code,
        limits=limits,
        loader=loader,
        separate_binding=False,
    ).check


def proof_findings(
    document: Mapping[str, Any],
    *,
    resolver: KeyResolverLike,
    bind_to: str | None,
    purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    check_id: CheckId = _PROOF,
    missing_code: str = "proof_missing",
    limits: Limits | None = None,
    loader: OfflineDocumentLoader | None = None,
    separate_binding: bool = True,
) -> ProofFindings:
    """Verify every proof; with ``separate_binding`` the binding is reported apart (issue 2)."""
    proofs = _proofs(document)
    if not proofs:
        check = Check(
            check=check_id,
            outcome=_FAILED,
            problems=[Problem(missing_code, "the document carries no proof", path="/proof")],
        )
        return ProofFindings(check, binding_state="none")
    if len(proofs) == 1 and type(document) is dict and document.get("proof") is proofs[0]:
        # One proof, kept as an object (the usual badge): the loop below for one proof, without
        # its bookkeeping. The document is already that single-proof document.
        outcome, found, method, bound = _verify_one(
            document,
            resolver=resolver,
            bind_to=bind_to,
            purpose=purpose,
            challenge=challenge,
            domain=domain,
            limits=limits,
            loader=loader,
            separate_binding=separate_binding,
        )
        if outcome != _FAILED and outcome != _INDETERMINATE:
            outcome = _PASSED
        check = new_check(
            check_id,
            outcome,
            [_located(p, "/proof") for p in found] if found else [],
            {"proofs": [method]},
        )
        state = str(method.get("key_binding", "bound"))
        return ProofFindings(
            check,
            binding=[_located(p, "/proof") for p in bound] if bound else [],
            binding_state=state if state in _BINDING_RANK else "bound",
        )
    problems: list[Problem] = []
    binding: list[Problem] = []
    outcomes: list[Outcome] = []
    methods: list[dict[str, Any]] = []
    if len(proofs) > 1:
        problems.append(
            Problem(
                str(Code.MULTIPLE_PROOFS),
                f"{len(proofs)} proofs: each is verified",
                severity=_INFO,
                path="/proof",
            )
        )
    for index, proof in enumerate(proofs):
        single = dict(document)
        single["proof"] = proof
        outcome, found, method, bound = _verify_one(
            single,
            resolver=resolver,
            bind_to=bind_to,
            purpose=purpose,
            challenge=challenge,
            domain=domain,
            limits=limits,
            loader=loader,
            separate_binding=separate_binding,
        )
        prefix = f"/proof/{index}" if len(proofs) > 1 else "/proof"
        if found:
            problems.extend(_located(p, prefix) for p in found)
        if bound:
            binding.extend(_located(p, prefix) for p in bound)
        outcomes.append(outcome)
        methods.append(method)
    if _FAILED in outcomes:
        outcome = _FAILED
    elif _INDETERMINATE in outcomes:
        outcome = _INDETERMINATE
    else:
        outcome = _PASSED
    check = new_check(check_id, outcome, problems, {"proofs": methods})
    states = {str(m.get("key_binding", "bound")) for m in methods}
    state = next((s for s in _BINDING_RANK if s in states), "bound")
    return ProofFindings(check, binding=binding, binding_state=state)


def _located(problem: Problem, prefix: str) -> Problem:
    if problem.path.startswith("/") or not problem.path:
        path = problem.path or prefix
    else:
        path = f"{prefix}/{problem.path}"
    return Problem(problem.code, problem.message, problem.severity, path, dict(problem.details))


@functools.lru_cache(maxsize=8)
def _canon_limits_of(limits: Limits) -> CanonLimits:
    return CanonLimits(
        max_blank_nodes=max(limits.max_blank_nodes, 1) * 4,
        max_work=limits.max_canonicalization_work,
    )


# The last limits seen and their CanonLimits: most callers share one VerifyOptions, and hashing
# the frozen Limits for the lru_cache on every proof costs more than this identity test.
_last_limits: tuple[Limits, CanonLimits] | None = None


def _canon_limits(limits: Limits) -> CanonLimits:
    global _last_limits
    last = _last_limits
    if last is not None and last[0] is limits:
        return last[1]
    found = _canon_limits_of(limits)
    _last_limits = (limits, found)
    return found


def _verify_one(
    document: dict[str, Any],
    *,
    resolver: KeyResolverLike,
    bind_to: str | None,
    purpose: str,
    challenge: str | None,
    domain: str | None,
    limits: Limits | None = None,
    loader: OfflineDocumentLoader | None = None,
    separate_binding: bool = False,
) -> tuple[Outcome, list[Problem], dict[str, Any], list[Problem]]:
    """One proof: (outcome, proof problems, details, binding problems when kept apart)."""
    raised: list[BadgeError] = []

    def resolve_key(verification_method: str) -> Ed25519PublicKey:
        try:
            return resolver.resolve(verification_method, issuer_id=bind_to)
        except BadgeError as exc:
            raised.append(exc)
            raise

    proof = document.get("proof")
    method: dict[str, Any] = {}
    if isinstance(proof, dict):
        method = {
            "type": proof.get("type"),
            "cryptosuite": proof.get("cryptosuite"),
            "verificationMethod": proof.get("verificationMethod"),
        }
    try:
        result = verify_proof(
            document,
            resolve_key=resolve_key,
            expected_challenge=challenge,
            expected_domain=domain,
            expected_purpose=purpose,
            limits=_canon_limits(limits) if limits is not None else None,
            loader=loader,
        )
    except Exception as exc:  # a primitive must not turn a finding into a crash
        problem = error_problem(exc)
        return outcome_of([problem], False), [problem], method, []
    if not raised:
        # The usual case: the key was bound, the signature checked against it.
        problems = list(result.problems)
        method["key_binding"] = "bound"
        method["signature"] = "valid" if result.verified else _signature_state(problems)
        return outcome_of(problems, result.verified), problems, method, []
    if separate_binding:
        return _unbound_verification(
            document,
            result.problems,
            raised,
            method,
            resolver,
            purpose,
            challenge,
            domain,
            limits,
            loader,
        )
    problems = list(result.problems)
    # The resolver's own code (key_not_bound_to_issuer, …) says more than a generic
    # "unresolvable"; keep it so that a key substitution is reported as what it is.
    for error in raised:
        if error.code not in {p.code for p in problems}:
            problems.append(error.to_problem())
    if not result.verified:
        problems = [
            p
            for p in problems
            if not (
                p.code == "verification_method_unresolvable"
                and any(e.code != "verification_method_unresolvable" for e in raised)
            )
        ]
    method["key_binding"] = _binding(raised)
    # Binding is its own finding (issue 2): check the signature against the key the method
    # names, without trusting it, so that "key not tied to the issuer" and "document
    # changed" are reported as what they are.
    checked = _named_key_verification(
        document, named_key_of(document), purpose, challenge, domain, limits, loader
    )
    method["signature"] = _signature_of(checked)
    if method["signature"] == "invalid":
        problems.append(
            Problem(
                "signature_invalid",
                "the signature does not match the key its own proof names",
                path="proof",
            )
        )
    return outcome_of(problems, result.verified), problems, method, []


def _binding_problems(raised: list[BadgeError]) -> list[Problem]:
    found: list[Problem] = []
    for error in raised:
        if error.code not in {p.code for p in found}:
            found.append(error.to_problem())
    return found


def _unbound_verification(
    document: dict[str, Any],
    first: list[Problem],
    raised: list[BadgeError],
    method: dict[str, Any],
    resolver: KeyResolverLike,
    purpose: str,
    challenge: str | None,
    domain: str | None,
    limits: Limits | None,
    loader: OfflineDocumentLoader | None,
) -> tuple[Outcome, list[Problem], dict[str, Any], list[Problem]]:
    """The key could not be bound: check the signature with the key the method names.

    That key is key material, not trust: it only tells "the document was changed" (``failed``)
    from "the seal is intact" (``passed``), while the binding goes to ``issuer_trust``. Without any
    key material the signature cannot be checked: ``indeterminate``, with the resolver's reason.
    """
    binding = _binding_problems(raised)
    method["key_binding"] = _binding(raised)
    key = named_key_of(document)
    if key is None and isinstance(resolver, KeyResolver):
        vm = method.get("verificationMethod")
        key = resolver.unbound_key(vm) if isinstance(vm, str) else None
    checked = _named_key_verification(document, key, purpose, challenge, domain, limits, loader)
    method["signature"] = _signature_of(checked)
    if checked is not None:
        problems, verified = checked
        return outcome_of(problems, verified), problems, method, binding
    others = [p for p in first if p.code not in BINDING_CODES]
    problems = [*others, *binding]
    if any(p.severity == Severity.ERROR for p in others):
        return outcome_of(others, False), problems, method, binding
    return Outcome.INDETERMINATE, problems, method, binding


def _binding(raised: list[BadgeError]) -> str:
    """``bound``, ``could_not_bind`` (indeterminate), ``not_bound`` or ``invalid``."""
    codes = {e.code for e in raised}
    if not codes:
        return "bound"
    if "key_not_bound_to_issuer" in codes:
        return "not_bound"
    if codes <= COULD_NOT_CHECK:
        return "could_not_bind"
    return "invalid"


def _signature_state(problems: list[Problem]) -> str:
    return "invalid" if any(p.code == "signature_invalid" for p in problems) else "not_checked"


def named_key_of(document: Mapping[str, Any]) -> Ed25519PublicKey | None:
    proof = document.get("proof")
    vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
    return named_key(vm) if isinstance(vm, str) else None


def _signature_of(checked: tuple[list[Problem], bool] | None) -> str:
    if checked is None:
        return "not_checked"
    problems, verified = checked
    return "valid" if verified else _signature_state(problems)


def _named_key_verification(
    document: dict[str, Any],
    key: Ed25519PublicKey | None,
    purpose: str,
    challenge: str | None,
    domain: str | None,
    limits: Limits | None,
    loader: OfflineDocumentLoader | None,
) -> tuple[list[Problem], bool] | None:
    """``verify_proof`` under an untrusted key (problems, verified); ``None``: not checked."""
    if key is None:
        return None
    try:
        result = verify_proof(
            document,
            resolve_key=lambda _method: key,
            expected_challenge=challenge,
            expected_domain=domain,
            expected_purpose=purpose,
            limits=_canon_limits(limits) if limits is not None else None,
            loader=loader,
        )
    except Exception:
        return None
    return list(result.problems), result.verified
