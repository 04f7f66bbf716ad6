"""Open Badges 2.0 assertions: read and reported honestly (DESIGN.md §4: legacy inputs).

OB 2.0 §"Verification": a *hosted* assertion is verified by fetching it again from its ``id``,
which must be on the issuer's origin (the default verification policy: same origin as the issuer
profile), and comparing; HTTP 410 or ``revoked: true`` means revoked. A *signed* assertion (a
JWS) is checked by ``verifier.legacy_signed``: the key document named by ``creator``, owned by the
issuer, the signature, and the issuer's revocation list. A JSON assertion that says "signed" but
comes without its JWS cannot be checked: ``ob2_not_verified``, ``indeterminate``, never "passed".
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from badges.fetch import FetchError
from badges.problems import Problem, Severity
from verifier.checks.parties import check_issuer_trust
from verifier.checks.validity import check_validity_period
from verifier.codes import Code
from verifier.options import VerifyOptions
from verifier.report import Check, CheckId, Outcome


def _origin(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _fetch_json(url: str, options: VerifyOptions) -> tuple[int, Any] | Problem:
    if options.fetcher is None:
        return Problem(str(Code.FETCH_UNAVAILABLE), "no fetcher configured", details={"url": url})
    try:
        result = options.fetcher.fetch(url, accept="application/ld+json, application/json")
    except FetchError as exc:
        return exc.to_problem()
    if not 200 <= result.status < 300:
        return result.status, None
    try:
        return result.status, json.loads(result.body)
    except ValueError:
        return Problem(str(Code.MALFORMED_JSON), f"{url} did not return JSON")


def _issuer_of(assertion: dict[str, Any], options: VerifyOptions) -> str | None:
    badge = assertion.get("badge")
    if isinstance(badge, str):
        fetched = _fetch_json(badge, options)
        if isinstance(fetched, Problem) or not isinstance(fetched[1], dict):
            return None
        badge = fetched[1]
    if isinstance(badge, dict):
        issuer = badge.get("issuer")
        if isinstance(issuer, dict):
            issuer = issuer.get("id")
        return issuer if isinstance(issuer, str) else None
    return None


def verify_ob2_assertion(
    assertion: dict[str, Any],
    options: VerifyOptions,
    *,
    signed: bool = False,
    token: str | None = None,
) -> list[Check]:
    notice = Problem(
        str(Code.OB2_ASSERTION),
        "Open Badges 2.0 assertion (legacy)",
        severity=Severity.WARNING,
    )
    missing = [k for k in ("recipient", "badge", "verification", "issuedOn") if k not in assertion]
    structure_problems = [notice] + [
        Problem("structure_invalid", f"OB 2.0 assertion without {k}", path=f"/{k}") for k in missing
    ]
    structure = Check(
        check=CheckId.STRUCTURE,
        outcome=Outcome.FAILED if missing else Outcome.PASSED,
        problems=structure_problems,
    )
    verification = assertion.get("verification")
    kind = verification.get("type") if isinstance(verification, dict) else None
    status = Check(check=CheckId.STATUS, outcome=Outcome.PASSED)
    if signed and token is not None:
        from verifier.legacy_signed import verify_signed_ob2

        proof, status, issuer_id = verify_signed_ob2(token, assertion, options)
        return _after_proof(assertion, options, structure, proof, status, issuer_id)
    issuer_id = _issuer_of(assertion, options)
    if signed or kind in ("signed", "SignedBadge"):
        proof = Check(
            check=CheckId.PROOF,
            outcome=Outcome.INDETERMINATE,
            problems=[
                Problem(str(Code.OB2_NOT_VERIFIED), "OB 2.0 signed assertions are not checked")
            ],
        )
        status = Check(
            check=CheckId.STATUS,
            outcome=Outcome.INDETERMINATE,
            problems=[
                Problem(
                    str(Code.STATUS_TYPE_UNSUPPORTED),
                    "OB 2.0 revocation lists are not checked",
                )
            ],
        )
    else:
        proof, status = _hosted(assertion, issuer_id, options)
    return _after_proof(assertion, options, structure, proof, status, issuer_id)


def _after_proof(
    assertion: dict[str, Any],
    options: VerifyOptions,
    structure: Check,
    proof: Check,
    status: Check,
    issuer_id: str | None,
) -> list[Check]:
    dates = {"validFrom": assertion.get("issuedOn"), "validUntil": assertion.get("expires")}
    dates = {k: v for k, v in dates.items() if v is not None}
    checks = [structure, proof]
    if proof.outcome == Outcome.FAILED:
        return checks
    checks.append(check_validity_period(dates, options.now, leeway=options.clock_leeway))
    checks.append(status)
    checks.append(check_issuer_trust({"issuer": issuer_id}, options.trust_registry))
    return checks


def _hosted(
    assertion: dict[str, Any], issuer_id: str | None, options: VerifyOptions
) -> tuple[Check, Check]:
    passed_status = Check(check=CheckId.STATUS, outcome=Outcome.PASSED)
    assertion_id = assertion.get("id")
    if not isinstance(assertion_id, str) or _origin(assertion_id) is None:
        problem = Problem(str(Code.OB2_NOT_VERIFIED), "hosted assertion without an https id")
        return Check(check=CheckId.PROOF, outcome=Outcome.FAILED, problems=[problem]), passed_status
    fetched = _fetch_json(assertion_id, options)
    if isinstance(fetched, Problem):
        problem = Problem(
            str(Code.OB2_NOT_VERIFIED),
            f"the hosted assertion could not be fetched: {fetched.message}",
            details={"cause": fetched.code},
        )
        proof = Check(check=CheckId.PROOF, outcome=Outcome.INDETERMINATE, problems=[problem])
        return proof, passed_status
    http_status, hosted = fetched
    if http_status == 410 or (isinstance(hosted, dict) and hosted.get("revoked") is True):
        revoked = Problem(str(Code.OB2_REVOKED), "the issuer has revoked this assertion")
        proof = Check(check=CheckId.PROOF, outcome=Outcome.PASSED, details={"hosted": True})
        return proof, Check(check=CheckId.STATUS, outcome=Outcome.FAILED, problems=[revoked])
    if hosted is None:
        problem = Problem(str(Code.OB2_NOT_VERIFIED), f"HTTP {http_status} for the assertion")
        return Check(
            check=CheckId.PROOF, outcome=Outcome.INDETERMINATE, problems=[problem]
        ), passed_status
    if hosted != assertion:
        problem = Problem(
            str(Code.OB2_HOSTED_MISMATCH), "the hosted copy differs from the given assertion"
        )
        return Check(check=CheckId.PROOF, outcome=Outcome.FAILED, problems=[problem]), passed_status
    if issuer_id is None or _origin(issuer_id) != _origin(assertion_id):
        problem = Problem(
            str(Code.OB2_NOT_VERIFIED),
            "the assertion is not hosted on the issuer's origin",
            details={"issuer": issuer_id, "assertion": assertion_id},
        )
        outcome = Outcome.INDETERMINATE if issuer_id is None else Outcome.FAILED
        return Check(check=CheckId.PROOF, outcome=outcome, problems=[problem]), passed_status
    return Check(
        check=CheckId.PROOF, outcome=Outcome.PASSED, details={"hosted": True}
    ), passed_status
