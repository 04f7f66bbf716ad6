"""``verify(input, *, options) -> VerificationReport``: any input, every check, never raises.

DESIGN.md §3 flow 3 and §5; OB 3.0 §9 "Verification". The steps:

1. Read the input (``verifier.inputs``): limits first, then JSON, VC-JWT, baked PNG/SVG
   (``badges.baking``), a link (fetched through the injected fetcher only), a presentation, an
   OB 2.0 assertion.
2. Checks in the stable order ``structure, context, schema, proof, validity_period, status,
   issuer_trust`` then ``recipient`` (when the caller names the expected holder) and
   ``endorsements`` (when the badge carries some; each verified on its own).
3. A failed proof makes the later checks ``skipped`` (``prerequisite_failed``): tampered dates or
   status mean nothing. A document that is not a credential at all skips everything after
   ``structure``.
4. The verdict comes from the named policy (``verifier.policy``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from badges.fetch import FetchError
from badges.problems import Problem, Severity
from verifier.checks.document import document_checks
from verifier.checks.parties import check_issuer_trust, check_recipient
from verifier.checks.proof import build_resolver, check_data_integrity, proof_findings
from verifier.checks.status import StatusContext, check_status
from verifier.checks.validity import check_validity_at, check_validity_period
from verifier.codes import Code
from verifier.inputs import InputKind, Parsed, classify_document, error_problem, parse_input
from verifier.legacy import verify_ob2_assertion
from verifier.options import KeyResolverLike, VerifyOptions
from verifier.policy import POLICIES, PolicyFunction, apply_policy
from verifier.presentation import presentation_verdict, verify_presentation_checks
from verifier.report import (
    CHECK_ORDER,
    Check,
    CheckId,
    Outcome,
    Verdict,
    VerificationReport,
    new_report,
)

# Enum members read on the hot path, as module globals: reading ``Outcome.PASSED`` is an
# attribute lookup on the enum class (~45 ns), a global costs a few.
_FAILED = Outcome.FAILED
_ISSUER_TRUST = CheckId.ISSUER_TRUST
_STATUS = CheckId.STATUS
_VALIDITY_PERIOD = CheckId.VALIDITY_PERIOD
_CREDENTIAL = InputKind.CREDENTIAL


# Input problems that mean "could not check" rather than "not a valid badge".
_INPUT_COULD_NOT_CHECK = frozenset(
    {
        "fetch_unavailable",
        "fetch_failed",
        "fetch_http_error",
        "fetch_too_large",
        "fetch_refused_private_address",
        "fetch_refused_scheme",
        "internal_error",
    }
)
_FATAL_STRUCTURE_CODES = frozenset({"not_a_credential", "not_an_object"})


def verify(value: Any, *, options: VerifyOptions) -> VerificationReport:
    """Verify a credential given as dict, text or bytes. Findings are data: this never raises."""
    try:
        run = _Run(options)
        parsed = parse_input(value, options.limits)
        if not parsed.problems and parsed.kind == _CREDENTIAL and parsed.document is not None:
            # The usual input, straight to its checks (what _dispatch does first).
            report = run.credential(
                parsed.document,
                depth=0,
                kind=_CREDENTIAL,
                structure_cleared=parsed.structure_cleared,
            )
        else:
            report = run._dispatch(parsed, depth=0, hops=0)
    except Exception as exc:  # the contract: a report for any input, whatever happens inside
        report = _input_report(options, [error_problem(exc)], kind=InputKind.UNKNOWN)
    if not report.policy_settings:  # a credential's report is built with them (new_report)
        report.policy_settings = options.policy_settings()
    return report


def _input_report(
    options: VerifyOptions, problems: list[Problem], *, kind: str
) -> VerificationReport:
    could_not_check = all(
        p.code in _INPUT_COULD_NOT_CHECK for p in problems if p.severity == Severity.ERROR
    )
    verdict = Verdict.INCONCLUSIVE if could_not_check else Verdict.NOT_VERIFIED
    return VerificationReport(
        credential=None,
        checks=[],
        verdict=verdict,
        policy=options.policy,
        verified_at=options.now,
        input_kind=kind,
        input_problems=problems,
    )


def skipped(check_id: CheckId, reason: str) -> Check:
    return Check(
        check=check_id,
        outcome=Outcome.SKIPPED,
        problems=[
            Problem(
                str(Code.PREREQUISITE_FAILED),
                f"not checked: {reason} failed",
                severity=Severity.INFO,
                details={"prerequisite": reason},
            )
        ],
    )


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class _Prepared:
    """What a credential's checks need from one ``VerifyOptions`` that depends on it alone.

    Built once per options object and kept on it (``VerifyOptions.prepared``); rebuilt when any
    option it was derived from is no longer the same object. Never holds a document's verdict;
    read-only once built, so verifications sharing the options in threads may share it.
    """

    __slots__ = (
        "clock_leeway",
        "decide",
        "fetcher",
        "leeway_seconds",
        "limits",
        "loader",
        "new_report",
        "now",
        "now_iso",
        "policy",
        "settings",
        "status",
        "status_cache",
        "strict_status_length",
        "trust_registry",
    )

    def __init__(self, options: VerifyOptions) -> None:
        self.now = options.now
        self.fetcher = options.fetcher
        self.status_cache = options.status_cache
        self.limits = options.limits
        self.loader = options.document_loader
        self.strict_status_length = options.strict_status_length
        self.policy = options.policy
        self.trust_registry = options.trust_registry
        self.clock_leeway = options.clock_leeway
        # A clock of another type is left to the checks, which report it as they always did.
        self.now_iso = self.now.isoformat() if isinstance(self.now, datetime) else None
        self.leeway_seconds = int(self.clock_leeway.total_seconds())
        self.settings = options.policy_settings()
        # An unknown policy name fails where it always did: when a verdict is asked for.
        self.decide: PolicyFunction | None = POLICIES.get(self.policy)
        self.new_report = type(self.now) is datetime and type(self.policy) is str

        def verify_list_proof(document: dict[str, Any], issuer: str | None) -> Check:
            return check_data_integrity(
                document,
                resolver=build_resolver(options),
                bind_to=issuer,
                limits=options.limits,
                loader=options.document_loader,
            )

        self.status = StatusContext(
            now=options.now,
            fetcher=options.fetcher,
            cache=options.status_cache,
            verify_list_proof=verify_list_proof,
            limits=options.limits,
            strict_length=options.status_length_is_strict,
            trust_registry=options.trust_registry,
        )


def _prepared(options: VerifyOptions) -> _Prepared:
    found: _Prepared | None = options.prepared
    if (
        found is None
        or found.now is not options.now
        or found.fetcher is not options.fetcher
        or found.status_cache is not options.status_cache
        or found.limits is not options.limits
        or found.loader is not options.document_loader
        or found.strict_status_length is not options.strict_status_length
        or found.policy is not options.policy
        or found.trust_registry is not options.trust_registry
        or found.clock_leeway is not options.clock_leeway
    ):
        found = _Prepared(options)
        options.prepared = found
    return found


class _Run:
    """One verification: the options and the key resolver built from them."""

    def __init__(self, options: VerifyOptions) -> None:
        self.options = options
        self._resolver: KeyResolverLike | None = None

    @property
    def resolver(self) -> KeyResolverLike:
        if self._resolver is None:
            self._resolver = build_resolver(self.options)
        return self._resolver

    # -- input -------------------------------------------------------------------------------

    def verify(self, value: Any, *, depth: int, hops: int = 0) -> VerificationReport:
        parsed = parse_input(value, self.options.limits)
        return self._dispatch(parsed, depth=depth, hops=hops)

    def _dispatch(self, parsed: Parsed, *, depth: int, hops: int) -> VerificationReport:
        options = self.options
        if parsed.problems:
            return _input_report(options, parsed.problems, kind=parsed.kind)
        # The kinds exclude one another; a credential, the usual input, is tested first.
        if parsed.kind == InputKind.CREDENTIAL and parsed.document is not None:
            return self.credential(
                parsed.document,
                depth=depth,
                kind=InputKind.CREDENTIAL,
                structure_cleared=parsed.structure_cleared,
            )
        if parsed.kind == InputKind.URL and parsed.text is not None:
            return self._from_url(parsed.text, depth=depth, hops=hops)
        if parsed.kind in (InputKind.PNG, InputKind.SVG) and parsed.image is not None:
            return self._from_image(parsed.image, parsed.kind, depth=depth, hops=hops)
        if parsed.kind == InputKind.JWT and parsed.text is not None:
            return self._from_jwt(parsed.text, depth=depth)
        if parsed.kind == InputKind.PRESENTATION and parsed.document is not None:
            return self._presentation(parsed.document, depth=depth)
        if parsed.kind == InputKind.OB2_ASSERTION and parsed.document is not None:
            checks = verify_ob2_assertion(parsed.document, options)
            return self._report(parsed.document, checks, kind=InputKind.OB2_ASSERTION)
        return _input_report(
            options,
            [Problem(str(Code.INPUT_UNRECOGNIZED), "nothing to verify")],
            kind=parsed.kind,
        )

    def _from_url(self, url: str, *, depth: int, hops: int) -> VerificationReport:
        options = self.options
        if hops >= options.limits.max_url_hops:
            return _input_report(
                options,
                [Problem(str(Code.INPUT_UNRECOGNIZED), "too many links to follow", path=url)],
                kind=InputKind.URL,
            )
        if options.fetcher is None:
            problem = Problem(
                str(Code.FETCH_UNAVAILABLE), "no fetcher configured", details={"url": url}
            )
            return _input_report(options, [problem], kind=InputKind.URL)
        try:
            result = options.fetcher.fetch(
                url, accept="application/vc+ld+json, application/ld+json, application/json, */*"
            )
        except FetchError as exc:
            problem = exc.to_problem()
            return _input_report(options, [problem], kind=InputKind.URL)
        if not 200 <= result.status < 300:
            problem = Problem(
                str(Code.FETCH_HTTP_ERROR),
                f"HTTP {result.status} for {url}",
                details={"url": url, "http_status": result.status},
            )
            return _input_report(options, [problem], kind=InputKind.URL)
        report = self.verify(result.body, depth=depth, hops=hops + 1)
        return report.model_copy(update={"input_kind": f"url+{report.input_kind}"})

    def _from_image(self, data: bytes, kind: str, *, depth: int, hops: int) -> VerificationReport:
        from badges.baking import extract_from_image

        try:
            extracted = extract_from_image(data, max_bytes=self.options.limits.max_image_bytes)
        except Exception as exc:
            return _input_report(self.options, [error_problem(exc)], kind=kind)
        payload = extracted.payload
        inner_kind = str(extracted.kind)
        if inner_kind == "url":
            report = self._from_url(payload.strip(), depth=depth, hops=hops)
        else:
            report = self.verify(payload, depth=depth, hops=hops)
        return report.model_copy(update={"input_kind": f"{kind}+{report.input_kind}"})

    def _from_jwt(self, token: str, *, depth: int) -> VerificationReport:
        from verifier.checks.jwt import verify_jwt

        outcome = verify_jwt(token, self.options, self.resolver)
        if outcome.credential is None:
            return VerificationReport(
                credential=None,
                checks=[outcome.proof],
                verdict=Verdict.NOT_VERIFIED
                if outcome.proof.outcome == Outcome.FAILED
                else Verdict.INCONCLUSIVE,
                policy=self.options.policy,
                verified_at=self.options.now,
                input_kind=InputKind.JWT,
            )
        parsed = classify_document(outcome.credential)
        if parsed.kind == InputKind.OB2_ASSERTION and parsed.document is not None:
            checks = verify_ob2_assertion(parsed.document, self.options, signed=True, token=token)
            return self._report(parsed.document, checks, kind="ob2_signed")
        return self.credential(
            outcome.credential,
            depth=depth,
            kind=InputKind.JWT,
            proof=outcome.proof,
            binding=(outcome.binding, outcome.binding_state),
        )

    # -- credentials -------------------------------------------------------------------------

    def credential(
        self,
        credential: dict[str, Any],
        *,
        depth: int,
        kind: str,
        proof: Check | None = None,
        with_recipient: bool = True,
        binding: tuple[list[Problem], str | None] = ([], None),
        structure_cleared: bool = False,
    ) -> VerificationReport:
        options = self.options
        endorsement = "EndorsementCredential" in _types(credential.get("type"))
        checks = document_checks(
            credential, endorsement=endorsement, structure_cleared=structure_cleared
        )
        if checks[0].problems and any(p.code in _FATAL_STRUCTURE_CODES for p in checks[0].problems):
            checks = [checks[0], *(skipped(c, "structure") for c in CHECK_ORDER[1:7])]
            return self._report(credential, checks, kind=kind)
        binding_problems, binding_state = binding
        if proof is None:
            # Issue 2: the signature and the key binding are two findings (proof, issuer_trust).
            findings = proof_findings(
                credential,
                resolver=self.resolver,
                bind_to=_issuer_id(credential),
                limits=options.limits,
                loader=options.document_loader,
            )
            proof, binding_problems, binding_state = (
                findings.check,
                findings.binding,
                findings.binding_state,
            )
        checks.append(proof)
        wants_recipient = with_recipient and options.expected_recipient is not None
        endorsements = _endorsements(credential)
        if proof.outcome == _FAILED:
            later: list[CheckId] = [_VALIDITY_PERIOD, _STATUS, _ISSUER_TRUST]
            if wants_recipient:
                later.append(CheckId.RECIPIENT)
            if endorsements:
                later.append(CheckId.ENDORSEMENTS)
            checks.extend(skipped(c, "proof") for c in later)
            return self._report(credential, checks, kind=kind, depth=depth)
        prepared = _prepared(options)
        now_iso = prepared.now_iso
        checks.append(
            check_validity_at(
                credential, options.now, options.clock_leeway, now_iso, prepared.leeway_seconds
            )
            if now_iso is not None
            else check_validity_period(credential, options.now, leeway=options.clock_leeway)
        )
        checks.append(check_status(credential, prepared.status))
        checks.append(
            check_issuer_trust(
                credential,
                options.trust_registry,
                key_binding=binding_problems,
                binding_state=binding_state,
            )
        )
        if wants_recipient and options.expected_recipient is not None:
            checks.append(
                check_recipient(
                    credential, options.expected_recipient, options.expected_recipient_type
                )
            )
        if endorsements:
            checks.append(self._endorsements(endorsements, depth=depth))
        return self._report(credential, checks, kind=kind, depth=depth)

    def _endorsements(self, found: list[tuple[str, Any]], *, depth: int) -> Check:
        if depth >= self.options.limits.max_endorsement_depth:
            problem = Problem(
                str(Code.ENDORSEMENT_DEPTH_EXCEEDED),
                "endorsements nested too deeply",
                severity=Severity.WARNING,
            )
            return Check(
                check=CheckId.ENDORSEMENTS, outcome=Outcome.INDETERMINATE, problems=[problem]
            )
        problems: list[Problem] = []
        reports: list[dict[str, Any]] = []
        nested = _Run(replace(self.options, expected_recipient=None))
        nested._resolver = self._resolver
        for path, endorsement in found:
            report = nested.verify(endorsement, depth=depth + 1)
            reports.append({"path": path, "verdict": str(report.verdict), "codes": report.codes()})
            if report.verdict == Verdict.NOT_VERIFIED:
                problems.append(
                    Problem(
                        str(Code.ENDORSEMENT_NOT_VERIFIED),
                        f"endorsement at {path} is not verified",
                        path=path,
                        details={"codes": report.codes()},
                    )
                )
            elif report.verdict == Verdict.INCONCLUSIVE:
                problems.append(
                    Problem(
                        str(Code.ENDORSEMENT_INCONCLUSIVE),
                        f"endorsement at {path} could not be checked",
                        severity=Severity.WARNING,
                        path=path,
                        details={"codes": report.codes()},
                    )
                )
        if any(p.code == Code.ENDORSEMENT_NOT_VERIFIED for p in problems):
            outcome = Outcome.FAILED
        elif problems:
            outcome = Outcome.INDETERMINATE
        else:
            outcome = Outcome.PASSED
        return Check(
            check=CheckId.ENDORSEMENTS,
            outcome=outcome,
            problems=problems,
            details={"endorsements": reports},
        )

    # -- presentations -----------------------------------------------------------------------

    def _presentation(self, presentation: dict[str, Any], *, depth: int) -> VerificationReport:
        checks, embedded = verify_presentation_checks(presentation, self.options, self.resolver)
        reports = [self.verify(item, depth=depth + 1) for item in embedded]
        verdict = presentation_verdict(checks, reports)
        return VerificationReport(
            credential=presentation,
            checks=checks,
            verdict=verdict,
            policy=self.options.policy,
            verified_at=self.options.now,
            input_kind=InputKind.PRESENTATION,
            credentials=reports,
        )

    def _report(
        self, credential: dict[str, Any], checks: list[Check], *, kind: str, depth: int = -1
    ) -> VerificationReport:
        options = self.options
        prepared = _prepared(options)
        decide = prepared.decide
        verdict = (
            decide(checks, []) if decide is not None else apply_policy(options.policy, checks, [])
        )
        if depth == 0 and prepared.new_report:
            # The report of the credential given to verify(): built without pydantic
            # re-validating the checks just made; the same model, fields and JSON.
            return new_report(
                credential,
                checks,
                verdict,
                policy=options.policy,
                policy_settings=dict(prepared.settings),
                verified_at=options.now,
                input_kind=kind,
            )
        return VerificationReport(
            credential=credential,
            checks=checks,
            verdict=verdict,
            policy=self.options.policy,
            verified_at=self.options.now,
            input_kind=kind,
        )


def _issuer_id(credential: Mapping[str, Any]) -> str | None:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, dict) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return None


def _may_endorse(holder: Any) -> bool:
    return isinstance(holder, dict) and ("endorsement" in holder or "endorsementJwt" in holder)


def _endorsements(credential: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Embedded endorsements (OB 3.0 ``endorsement`` / ``endorsementJwt``) with their path."""
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, dict) else None
    creator = achievement.get("creator") if isinstance(achievement, dict) else None
    if not (
        _may_endorse(credential)
        or _may_endorse(issuer)
        or _may_endorse(achievement)
        or _may_endorse(creator)
    ):
        return []  # the usual badge: nothing endorsed, nothing to collect
    found: list[tuple[str, Any]] = []
    for holder, path in (
        (credential, ""),
        (issuer, "/issuer"),
        (achievement, "/credentialSubject/achievement"),
        (creator, "/credentialSubject/achievement/creator"),
    ):
        if not isinstance(holder, dict) or (
            "endorsement" not in holder and "endorsementJwt" not in holder
        ):
            continue
        for key in ("endorsement", "endorsementJwt"):
            values = holder.get(key)
            if values is None:
                continue
            items = values if isinstance(values, list) else [values]
            for index, item in enumerate(items):
                found.append((f"{path}/{key}/{index}", item))
    return found


def report_json(report: VerificationReport) -> str:
    return json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2)
