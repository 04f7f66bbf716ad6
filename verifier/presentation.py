"""Verifiable presentations: the holder's proof (challenge, domain) and each credential inside.

VCDM 2.0 §4.13 (presentations) and §"Replay Attack"; VC Data Integrity §4.4: a mismatched
challenge or domain MUST fail (``challenge_mismatch`` / ``domain_mismatch``). Unlike DCC's
verifier-core we enforce them (reliability-ux.md finding 3). The presentation's proof uses the
``authentication`` purpose and its key is bound to ``holder``. Single use of a challenge is the
caller's duty (the API issues and consumes challenges); this module checks the value.

The presentation's verdict combines its own checks with the verdict of every credential it
carries: one not verified makes the whole not verified; one inconclusive makes it inconclusive.
"""

from __future__ import annotations

import re
from typing import Any

from badges.problems import Problem, Severity
from verifier.checks.proof import build_resolver, check_data_integrity
from verifier.codes import Code
from verifier.options import KeyResolverLike, VerifyOptions
from verifier.report import Check, CheckId, Outcome, Verdict, VerificationReport

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_VC_CONTEXTS = ("https://www.w3.org/ns/credentials/v2", "https://www.w3.org/2018/credentials/v1")


def _structure(presentation: dict[str, Any]) -> tuple[Check, list[Any]]:
    problems: list[Problem] = []
    context = presentation.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if not contexts or contexts[0] not in _VC_CONTEXTS:
        problems.append(
            Problem(
                str(Code.PRESENTATION_MALFORMED),
                "the first @context must be the VC context",
                path="/@context",
            )
        )
    types = presentation.get("type")
    if "VerifiablePresentation" not in (types if isinstance(types, list) else [types]):
        problems.append(
            Problem(str(Code.PRESENTATION_MALFORMED), "type must hold VerifiablePresentation")
        )
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if holder is not None and not (isinstance(holder_id, str) and _URL.match(holder_id)):
        problems.append(
            Problem(str(Code.PRESENTATION_MALFORMED), "holder must be a URL", path="/holder")
        )
    # VCDM 2.0 §4.13: credentials in a presentation are objects (a JWT goes in an
    # EnvelopedVerifiableCredential); VCDM 1.1 presentations could list JWT strings.
    strings_allowed = bool(contexts) and contexts[0] == _VC_CONTEXTS[1]
    raw = presentation.get("verifiableCredential", [])
    items = raw if isinstance(raw, list) else [raw]
    embedded: list[Any] = []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            if item.get("type") == "EnvelopedVerifiableCredential" and isinstance(
                item.get("id"), str
            ):
                # VC-JOSE-COSE: data:application/vc+jwt,<token>
                embedded.append(str(item["id"]).partition(",")[2])
            else:
                embedded.append(item)
        elif strings_allowed and isinstance(item, str) and item.count(".") == 2:
            embedded.append(item)
        else:
            problems.append(
                Problem(
                    str(Code.PRESENTATION_MALFORMED),
                    "a credential in the presentation is neither an object nor a JWT",
                    path=f"/verifiableCredential/{index}",
                )
            )
    outcome = Outcome.FAILED if problems else Outcome.PASSED
    return Check(check=CheckId.STRUCTURE, outcome=outcome, problems=problems), embedded


def verify_presentation_checks(
    presentation: dict[str, Any], options: VerifyOptions, resolver: KeyResolverLike
) -> tuple[list[Check], list[Any]]:
    structure, embedded = _structure(presentation)
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if presentation.get("proof") is None:
        required = options.expected_challenge is not None or options.expected_domain is not None
        problem = Problem(
            str(Code.PRESENTATION_PROOF_MISSING),
            "the presentation is not signed by its holder",
            severity=Severity.ERROR if required else Severity.INFO,
            path="/proof",
        )
        proof = Check(
            check=CheckId.PROOF,
            outcome=Outcome.FAILED if required else Outcome.SKIPPED,
            problems=[problem],
        )
    else:
        proof = check_data_integrity(
            presentation,
            resolver=build_resolver(options, "authentication"),
            bind_to=holder_id if isinstance(holder_id, str) else None,
            purpose="authentication",
            challenge=options.expected_challenge,
            domain=options.expected_domain,
            limits=options.limits,
            loader=options.document_loader,
        )
    return [structure, proof], embedded


def presentation_verdict(checks: list[Check], reports: list[VerificationReport]) -> Verdict:
    if any(c.outcome == Outcome.FAILED for c in checks):
        return Verdict.NOT_VERIFIED
    if any(r.verdict == Verdict.NOT_VERIFIED for r in reports):
        return Verdict.NOT_VERIFIED
    if any(c.outcome == Outcome.INDETERMINATE for c in checks):
        return Verdict.INCONCLUSIVE
    if not reports or any(r.verdict == Verdict.INCONCLUSIVE for r in reports):
        return Verdict.INCONCLUSIVE
    return Verdict.VERIFIED
