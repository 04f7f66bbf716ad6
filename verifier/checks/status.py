"""The ``status`` check: Bitstring Status List and 1EdTechRevocationList.

Bitstring Status List v1.0 §3.2 "Validate Algorithm": dereference the list
(``STATUS_RETRIEVAL_ERROR`` → ``status_list_unreachable``), verify its proofs
(``STATUS_VERIFICATION_ERROR`` → ``status_list_proof_invalid`` / ``…_unverifiable``), check its
type and dates, require the same ``statusPurpose`` (``status_purpose_mismatch``), require at least
131,072 entries (``STATUS_LIST_LENGTH_ERROR`` → ``status_list_length``: a warning under the default
policy, an error under ``strict``), and the index in range (``RANGE_ERROR`` →
``status_index_out_of_range``). OB 3.0 §9 step 4 also names ``1EdTechRevocationList``.
``StatusList2021Entry`` (the CCG draft that became Bitstring Status List) is read with the same
algorithm.

Outcomes: a set bit is ``failed`` (``revoked`` / ``suspended``). Anything that prevents reading
the bit is ``indeterminate`` — never "revoked", never "not revoked" (reliability-ux.md V5/V6).
An unknown status type is ``indeterminate`` with ``status_type_unsupported``: never passed.

The list issuer may differ from the credential issuer (DCC's test lists do): the credential's own
signature covers the list URL, so the issuer chose that list; we say so with a warning
(``status_list_issuer_mismatch``) unless the list issuer is in the trust registry.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from badges.fetch import Fetcher, FetchError
from badges.problems import BadgeError, Problem, Severity
from badges.status_list import (
    MIN_ENTRIES,
    StatusListError,
    decode_bitstring,
    get_bits,
    read_status_entry,
    revoked_ids,
)
from verifier.checks.parties import issuer_id_of
from verifier.checks.validity import parse_datetime
from verifier.codes import Code
from verifier.inputs import parse_json_text
from verifier.options import Limits
from verifier.report import Check, CheckId, Outcome, new_check
from verifier.status_cache import StatusListCache, ValidatedList
from verifier.trust import TrustRegistry

# Enum members read on the hot path, as module globals: reading ``Outcome.PASSED`` is an
# attribute lookup on the enum class (~45 ns), a global costs a few.
_ERROR = Severity.ERROR
_FAILED = Outcome.FAILED
_INDETERMINATE = Outcome.INDETERMINATE
_INFO = Severity.INFO
_PASSED = Outcome.PASSED
_STATUS = CheckId.STATUS
_WARNING = Severity.WARNING


BITSTRING_ENTRY = "BitstringStatusListEntry"
# The W3C CCG draft that became Bitstring Status List, still carried by many VC 1.1 badges: the
# same algorithm under other type names (and a base64url list without the multibase prefix).
STATUS_LIST_2021_ENTRY = "StatusList2021Entry"
_LIST_CREDENTIAL_TYPES = frozenset({"BitstringStatusListCredential", "StatusList2021Credential"})
_LIST_SUBJECT_TYPES = frozenset({"BitstringStatusList", "StatusList2021"})
REVOCATION_LIST_1EDTECH = "1EdTechRevocationList"

ProofChecker = Callable[[dict[str, Any], str | None], Check]
"""Verifies a status list credential's proof, binding its key to the given issuer id."""


@dataclass(slots=True)
class StatusContext:
    now: datetime
    fetcher: Fetcher | None
    cache: StatusListCache
    verify_list_proof: ProofChecker
    limits: Limits
    strict_length: bool = False
    trust_registry: TrustRegistry | None = None


class _Undetermined(Exception):
    """The status could not be read; carries the problems that say why."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__(problems[0].message if problems else "undetermined")
        self.problems = list(problems)


def _p(
    code: Code | str,
    message: str,
    *,
    severity: Severity = Severity.ERROR,
    path: str = "",
    **details: Any,
) -> Problem:
    return Problem(str(code), message, severity=severity, path=path, details=dict(details))


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def check_status(credential: Mapping[str, Any], ctx: StatusContext) -> Check:
    raw = credential.get("credentialStatus")
    if raw is None:
        return Check(check=_STATUS, outcome=_PASSED, details={"method": None})
    if type(raw) is dict:
        # One entry, the usual case: the same check as the loop below, without its bookkeeping.
        if raw.get("type") == BITSTRING_ENTRY:
            outcome, problems = _check_plain_bitstring(credential, raw, ctx)
        else:
            outcome, problems = _check_entry(credential, raw, "/credentialStatus", ctx)
        return new_check(_STATUS, outcome, problems, {"method": [str(raw.get("type"))]})
    entries = raw if isinstance(raw, list) else [raw]
    problems = []
    outcomes: list[Outcome] = []
    methods: list[str] = []
    for position, entry in enumerate(entries):
        path = "/credentialStatus" + (f"/{position}" if isinstance(raw, list) else "")
        outcome, found = _check_entry(credential, entry, path, ctx)
        outcomes.append(outcome)
        problems.extend(found)
        if isinstance(entry, dict):
            methods.append(str(entry.get("type")))
    if _FAILED in outcomes:
        outcome = _FAILED
    elif _INDETERMINATE in outcomes:
        outcome = _INDETERMINATE
    else:
        outcome = _PASSED
    return new_check(_STATUS, outcome, problems, {"method": methods})


def _check_entry(
    credential: Mapping[str, Any], entry: Any, path: str, ctx: StatusContext
) -> tuple[Outcome, list[Problem]]:
    if not isinstance(entry, dict):
        return _INDETERMINATE, [
            _p(Code.STATUS_ENTRY_MALFORMED, "credentialStatus must be an object", path=path)
        ]
    types = _types(entry.get("type"))
    try:
        if BITSTRING_ENTRY in types:
            return _check_bitstring(credential, entry, path, ctx)  # read, never changed
        if STATUS_LIST_2021_ENTRY in types:
            # Read it as the Bitstring Status List entry it was renamed to.
            renamed = {**entry, "type": BITSTRING_ENTRY}
            return _check_bitstring(credential, renamed, path, ctx)
        if REVOCATION_LIST_1EDTECH in types:
            return _check_1edtech(credential, dict(entry), path, ctx)
    except _Undetermined as exc:
        return _INDETERMINATE, exc.problems
    return _INDETERMINATE, [
        _p(
            Code.STATUS_TYPE_UNSUPPORTED,
            f"status type {entry.get('type')!r} is not supported",
            path=path + "/type",
            type=entry.get("type"),
        )
    ]


def _fetch_json(url: str, ctx: StatusContext, path: str) -> dict[str, Any]:
    if ctx.fetcher is None:
        raise _Undetermined(
            _p(Code.STATUS_LIST_UNREACHABLE, "no fetcher configured (offline)", path=path, url=url)
        )
    try:
        result = ctx.fetcher.fetch(url, accept="application/vc+ld+json, application/json")
    except FetchError as exc:
        raise _Undetermined(
            _p(Code.STATUS_LIST_UNREACHABLE, str(exc), path=path, url=url, cause=exc.code)
        ) from exc
    if not 200 <= result.status < 300:
        raise _Undetermined(
            _p(
                Code.STATUS_LIST_UNREACHABLE,
                f"HTTP {result.status}",
                path=path,
                url=url,
                http_status=result.status,
            )
        )
    try:
        text = result.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _Undetermined(_p(Code.STATUS_LIST_INVALID, "not UTF-8", path=path, url=url)) from exc
    document, problems = parse_json_text(text, ctx.limits)
    if problems or not isinstance(document, dict):
        raise _Undetermined(
            _p(
                Code.STATUS_LIST_INVALID, "the status list is not a JSON object", path=path, url=url
            ),
            *problems,
        )
    return document


def _expiry(
    document: Mapping[str, Any], subject: Mapping[str, Any], ctx: StatusContext
) -> datetime:
    expires = ctx.now + ctx.cache.default_ttl
    ttl = subject.get("ttl")
    if isinstance(ttl, int) and not isinstance(ttl, bool) and ttl >= 0:
        expires = min(expires, ctx.now + timedelta(milliseconds=ttl))
    valid_until = parse_datetime(document.get("validUntil", document.get("expirationDate")))
    if valid_until is not None:
        expires = min(expires, valid_until)
    return expires


def _load_bitstring_list(url: str, path: str, ctx: StatusContext) -> ValidatedList:
    cached = ctx.cache.get(url, ctx.now)
    if cached is not None:
        return cached
    document = _fetch_json(url, ctx, path)
    list_types = _types(document.get("type"))
    if not _LIST_CREDENTIAL_TYPES & {t for t in list_types if isinstance(t, str)}:
        raise _Undetermined(
            _p(
                Code.STATUS_LIST_INVALID,
                "the list is not a BitstringStatusListCredential",
                path=path,
                url=url,
                type=document.get("type"),
            )
        )
    subject = document.get("credentialSubject")
    if isinstance(subject, list) and len(subject) == 1:
        subject = subject[0]
    subject_types = _types(subject.get("type")) if isinstance(subject, Mapping) else []
    if not isinstance(subject, Mapping) or not _LIST_SUBJECT_TYPES & {
        t for t in subject_types if isinstance(t, str)
    }:
        raise _Undetermined(
            _p(
                Code.STATUS_LIST_INVALID,
                "credentialSubject is not a BitstringStatusList",
                path=path,
                url=url,
            )
        )
    valid_from = parse_datetime(document.get("validFrom", document.get("issuanceDate")))
    valid_until = parse_datetime(document.get("validUntil", document.get("expirationDate")))
    if valid_from is not None and ctx.now < valid_from:
        raise _Undetermined(
            _p(
                Code.STATUS_LIST_NOT_YET_VALID,
                f"the list is valid from {valid_from.isoformat()}",
                path=path,
                url=url,
            )
        )
    if valid_until is not None and ctx.now > valid_until:
        raise _Undetermined(
            _p(
                Code.STATUS_LIST_EXPIRED,
                f"the list expired on {valid_until.isoformat()}",
                path=path,
                url=url,
            )
        )
    list_issuer = issuer_id_of(document)
    proof = ctx.verify_list_proof(document, list_issuer)
    if proof.outcome != Outcome.PASSED:
        code = (
            Code.STATUS_LIST_PROOF_INVALID
            if proof.outcome == Outcome.FAILED
            else Code.STATUS_LIST_PROOF_UNVERIFIABLE
        )
        raise _Undetermined(
            _p(
                code,
                "the status list's proof did not verify",
                path=path,
                url=url,
                causes=[p.code for p in proof.problems],
            ),
        )
    try:
        bits = decode_bitstring(str(subject.get("encodedList") or ""), min_entries=0)
    except StatusListError as exc:
        raise _Undetermined(exc.to_problem()) from exc
    purposes = subject.get("statusPurpose")
    purpose_list = tuple(str(p) for p in _types(purposes) if isinstance(p, str))
    size = subject.get("statusSize", 1)
    messages = subject.get("statusMessages", subject.get("statusMessage", []))
    entry = ValidatedList(
        url=url,
        bitstring=bits,
        purposes=purpose_list,
        status_size=size if isinstance(size, int) and size > 0 else 1,
        issuer=list_issuer,
        expires_at=_expiry(document, subject, ctx),
        messages=tuple(m for m in messages if isinstance(m, dict))
        if isinstance(messages, list)
        else (),
    )
    ctx.cache.put(entry)
    return entry


def _check_plain_bitstring(
    credential: Mapping[str, Any], entry: dict[str, Any], ctx: StatusContext
) -> tuple[Outcome, list[Problem]]:
    """A lone ``BitstringStatusListEntry`` at ``/credentialStatus``, the usual entry.

    Its members are read here when they have the usual form (base-10 index text, no
    ``statusSize``); any other form goes through ``read_status_entry`` and its findings.
    """
    url = entry.get("statusListCredential")
    purpose = entry.get("statusPurpose")
    raw_index = entry.get("statusListIndex")
    if (
        type(url) is not str
        or not url
        or type(purpose) is not str
        or not purpose
        or type(raw_index) is not str
        or not raw_index.isascii()
        or not raw_index.isdigit()
        or "statusSize" in entry
    ):
        return _check_entry(credential, entry, "/credentialStatus", ctx)
    try:
        validated = _load_bitstring_list(url, "/credentialStatus", ctx)
    except _Undetermined as exc:
        return _INDETERMINATE, exc.problems
    index = int(raw_index)
    bitstring = validated.bitstring
    if (
        len(bitstring) * 8 >= MIN_ENTRIES
        and index < len(bitstring) * 8
        and purpose != "message"
        and (not validated.purposes or purpose in validated.purposes)
        and validated.issuer == issuer_id_of(credential)
        and not (bitstring[index >> 3] >> (7 - (index & 7))) & 1
    ):
        return _PASSED, []  # a full-length list of its issuer, the bit not set: nothing to tell
    return _judge_bitstring(credential, url, index, purpose, 1, validated, "/credentialStatus", ctx)


def _check_bitstring(
    credential: Mapping[str, Any], entry: dict[str, Any], path: str, ctx: StatusContext
) -> tuple[Outcome, list[Problem]]:
    try:
        status = read_status_entry(entry)
    except StatusListError as exc:
        problem = exc.to_problem()
        code = (
            problem.code
            if problem.code == "status_index_out_of_range"
            else Code.STATUS_ENTRY_MALFORMED
        )
        return _INDETERMINATE, [
            _p(code, str(exc), path=path + (f"/{exc.path}" if exc.path else ""))
        ]
    url = status.list_credential
    validated = _load_bitstring_list(url, path, ctx)
    return _judge_bitstring(
        credential, url, status.index, status.purpose, status.size, validated, path, ctx
    )


def _judge_bitstring(
    credential: Mapping[str, Any],
    url: str,
    index: int,
    purpose: str,
    size: int,
    validated: ValidatedList,
    path: str,
    ctx: StatusContext,
) -> tuple[Outcome, list[Problem]]:
    """What a validated list says about entry ``index`` (BSL §3.2, from the length check on)."""
    problems: list[Problem] = []
    length = len(validated.bitstring) * 8 // max(size, 1)
    if length < MIN_ENTRIES:
        severity = _ERROR if ctx.strict_length else _WARNING
        problems.append(
            _p(
                "status_list_length",
                f"the list has {length} entries, fewer than {MIN_ENTRIES}",
                severity=severity,
                path=path,
                url=url,
                entries=length,
            )
        )
        if ctx.strict_length:
            return _INDETERMINATE, problems
    if validated.purposes and purpose not in validated.purposes:
        problems.append(
            _p(
                Code.STATUS_PURPOSE_MISMATCH,
                f"entry purpose {purpose!r} is not the list's {list(validated.purposes)!r}",
                path=path + "/statusPurpose",
            )
        )
        return _INDETERMINATE, problems
    credential_issuer = issuer_id_of(credential)
    if validated.issuer != credential_issuer and not (
        ctx.trust_registry is not None and validated.issuer in ctx.trust_registry
    ):
        problems.append(
            _p(
                Code.STATUS_LIST_ISSUER_MISMATCH,
                f"the list is issued by {validated.issuer}, the credential by {credential_issuer}",
                severity=_WARNING,
                path=path,
                list_issuer=validated.issuer,
            )
        )
    try:
        value = get_bits(validated.bitstring, index, size)
    except StatusListError as exc:
        problems.append(_p(exc.code, str(exc), path=path + "/statusListIndex", index=index))
        return _INDETERMINATE, problems
    if not value and purpose != "message":
        return _PASSED, problems  # the usual answer: the bit is not set, nothing to tell
    details: dict[str, Any] = {
        "url": url,
        "index": index,
        "purpose": purpose,
        "value": value,
    }
    if value and purpose == "revocation":
        problems.append(
            _p(Code.REVOKED, "the issuer has revoked this credential", path=path, **details)
        )
        return _FAILED, problems
    if value and purpose == "suspension":
        problems.append(
            _p(Code.SUSPENDED, "the issuer has suspended this credential", path=path, **details)
        )
        return _FAILED, problems
    if purpose == "message":
        hex_value = hex(value)
        text = next(
            (m.get("message") for m in validated.messages if m.get("status") == hex_value), None
        )
        problems.append(
            _p(
                Code.STATUS_MESSAGE,
                f"status message: {text or hex_value}",
                severity=_INFO,
                path=path,
                status_message=text,
                **details,
            )
        )
    return _PASSED, problems


def _check_1edtech(
    credential: Mapping[str, Any], entry: dict[str, Any], path: str, ctx: StatusContext
) -> tuple[Outcome, list[Problem]]:
    url = entry.get("id")
    if not isinstance(url, str) or not url:
        return Outcome.INDETERMINATE, [
            _p(Code.STATUS_ENTRY_MALFORMED, "1EdTechRevocationList entry without id", path=path)
        ]
    cached = ctx.cache.get(url, ctx.now)
    if cached is None:
        document = _fetch_json(url, ctx, path)
        try:
            ids = revoked_ids(document)
        except BadgeError as exc:
            raise _Undetermined(_p(Code.STATUS_LIST_INVALID, str(exc), path=path, url=url)) from exc
        cached = ValidatedList(
            url=url,
            bitstring=b"",
            purposes=("revocation",),
            status_size=1,
            issuer=issuer_id_of(document),
            expires_at=ctx.now + ctx.cache.default_ttl,
            revoked_ids=frozenset(ids),
            kind="1edtech",
        )
        ctx.cache.put(cached)
    credential_id = credential.get("id")
    if isinstance(credential_id, str) and credential_id in cached.revoked_ids:
        return Outcome.FAILED, [
            _p(Code.REVOKED, "the issuer has revoked this credential", path=path, url=url)
        ]
    return Outcome.PASSED, []
