"""OB 2.0 *signed* assertions: signature, key binding and revocation list (OB 2.0 §"Signed Badges").

OB 2.0 §"Verification" for ``verification.type = "signed"``:

1. ``verification.creator`` is the URL of a ``CryptographicKey`` document with ``publicKeyPem``;
2. the key belongs to the issuer: its ``owner`` is the issuer profile's ``id`` (the profile is
   found through the assertion's ``badge`` → ``issuer``), and when the profile lists
   ``publicKey``, the key is among them;
3. the JWS signature verifies with that key (RS256, or ES256; never ``none`` or HMAC);
4. the issuer's ``revocationList`` (if any) does not list the assertion's ``id``.

Documents are fetched through the injected fetcher only. Anything that could not be fetched is
"could not check" (``indeterminate``), never "false"; a key owned by someone else is
``key_not_bound_to_issuer``; a signature that does not verify is ``signature_invalid``.
"""

from __future__ import annotations

import json
from typing import Any

from badges.fetch import FetchError
from badges.jwt import JwtError
from badges.ob2_jws import Ob2KeyError, public_key_from_pem, verify_compact_jws
from badges.problems import Problem
from verifier.codes import Code
from verifier.options import VerifyOptions
from verifier.report import Check, CheckId, Outcome


class _CouldNotCheck(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _fetch(url: Any, what: str, options: VerifyOptions) -> dict[str, Any]:
    if isinstance(url, dict):
        return url  # embedded document
    if not isinstance(url, str):
        raise _CouldNotCheck(Problem(str(Code.OB2_NOT_VERIFIED), f"no {what} to look up"))
    if options.fetcher is None:
        raise _CouldNotCheck(
            Problem(str(Code.FETCH_UNAVAILABLE), "no fetcher configured", details={"url": url})
        )
    try:
        result = options.fetcher.fetch(url, accept="application/ld+json, application/json")
    except FetchError as exc:
        raise _CouldNotCheck(exc.to_problem()) from exc
    if not 200 <= result.status < 300:
        raise _CouldNotCheck(
            Problem(
                str(Code.FETCH_HTTP_ERROR),
                f"HTTP {result.status} for the {what} {url}",
                details={"url": url, "http_status": result.status},
            )
        )
    try:
        document = json.loads(result.body)
    except ValueError as exc:
        raise _CouldNotCheck(
            Problem(str(Code.MALFORMED_JSON), f"the {what} {url} is not JSON")
        ) from exc
    if not isinstance(document, dict):
        raise _CouldNotCheck(Problem(str(Code.MALFORMED_JSON), f"the {what} {url} is not JSON"))
    return document


def _ids(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            found.append(item["id"])
    return found


def _failed(code: str, message: str, **details: Any) -> Check:
    problem = Problem(code, message, details=details)
    return Check(check=CheckId.PROOF, outcome=Outcome.FAILED, problems=[problem])


def verify_signed_ob2(
    token: str, assertion: dict[str, Any], options: VerifyOptions
) -> tuple[Check, Check, str | None]:
    """``(proof, status, issuer_id)`` of a signed OB 2.0 assertion; never raises."""
    not_checked = Check(check=CheckId.STATUS, outcome=Outcome.SKIPPED)
    verification = assertion.get("verification")
    creator = verification.get("creator") if isinstance(verification, dict) else None
    try:
        badge = _fetch(assertion.get("badge"), "badge class", options)
        issuer_ref = badge.get("issuer")
        issuer = _fetch(issuer_ref, "issuer profile", options)
        issuer_id = issuer.get("id") if isinstance(issuer.get("id"), str) else None
        if issuer_id is None and isinstance(issuer_ref, str):
            issuer_id = issuer_ref
        if creator is None:
            # OB 2.0: without ``creator`` the key is the issuer profile's (single) publicKey.
            listed = _ids(issuer.get("publicKey"))
            creator = listed[0] if len(listed) == 1 else None
        key_document = _fetch(creator, "public key", options)
    except _CouldNotCheck as exc:
        problem = exc.problem
        cause = Problem(
            "verification_method_unresolvable",
            f"the key or the issuer could not be fetched: {problem.message}",
            details={"cause": problem.code, **problem.details},
        )
        return (
            Check(check=CheckId.PROOF, outcome=Outcome.INDETERMINATE, problems=[cause]),
            (not_checked),
            None,
        )
    key_id = key_document.get("id") if isinstance(key_document.get("id"), str) else creator
    if key_document.get("owner") != issuer_id:
        return (
            _failed(
                "key_not_bound_to_issuer",
                f"the key {key_id} is owned by {key_document.get('owner')!r}, not by {issuer_id}",
            ),
            not_checked,
            issuer_id,
        )
    listed = _ids(issuer.get("publicKey"))
    if listed and key_id not in listed:
        return (
            _failed(
                "key_not_bound_to_issuer", f"the issuer {issuer_id} does not list the key {key_id}"
            ),
            not_checked,
            issuer_id,
        )
    try:
        key = public_key_from_pem(key_document.get("publicKeyPem"))
        payload, valid = verify_compact_jws(token, key)
    except (Ob2KeyError, JwtError) as exc:
        return (
            Check(check=CheckId.PROOF, outcome=Outcome.FAILED, problems=[exc.to_problem()]),
            not_checked,
            issuer_id,
        )
    if not valid:
        return (
            _failed("signature_invalid", "the JWS signature does not verify"),
            (not_checked),
            issuer_id,
        )
    if payload != assertion:
        return (
            _failed("signature_invalid", "the assertion is not the signed payload"),
            (not_checked),
            issuer_id,
        )
    proof = Check(
        check=CheckId.PROOF,
        outcome=Outcome.PASSED,
        details={"format": "ob2-jws", "key": key_id, "issuer": issuer_id},
    )
    return proof, _revocation(assertion, issuer, options), issuer_id


def _revocation(assertion: dict[str, Any], issuer: dict[str, Any], options: VerifyOptions) -> Check:
    reference = issuer.get("revocationList")
    if reference is None:
        return Check(check=CheckId.STATUS, outcome=Outcome.PASSED, details={"method": None})
    try:
        listing = _fetch(reference, "revocation list", options)
    except _CouldNotCheck as exc:
        return Check(check=CheckId.STATUS, outcome=Outcome.INDETERMINATE, problems=[exc.problem])
    revoked = listing.get("revokedAssertions", [])
    entries = revoked if isinstance(revoked, list) else [revoked]
    assertion_id = assertion.get("id")
    for entry in entries:
        entry_id = entry.get("id") if isinstance(entry, dict) else entry
        if entry_id == assertion_id:
            reason = entry.get("revocationReason") if isinstance(entry, dict) else None
            problem = Problem(
                str(Code.OB2_REVOKED),
                "the issuer has revoked this assertion",
                details={"reason": reason} if reason else {},
            )
            return Check(check=CheckId.STATUS, outcome=Outcome.FAILED, problems=[problem])
    return Check(check=CheckId.STATUS, outcome=Outcome.PASSED, details={"method": "RevocationList"})
