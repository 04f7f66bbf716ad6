"""Verification on the web: ``POST /verify`` (JSON API) and the employer page ``/verifier``.

``POST /verify`` answers 200 with the report of DESIGN.md §5 whenever verification ran, even for
a badge that is not valid; 4xx problem details (RFC 9457, with a ``code`` member) only for
unusable requests: not JSON, too large, a wrapper without anything to verify.

The page (``GET``/``POST /verifier``) works without JavaScript: paste, upload (PNG, SVG, JSON) or
give a link; ``GET /verifier?url=…`` verifies a link directly, so a QR code that encodes it opens
the verdict from the phone's camera. Verdict first (icon + words), one plain line per check, what
the badge proves, the issuer, the dates, then a "Détails techniques" disclosure
(reliability-ux.md B3).

``templates`` (Jinja2, ``api/templates/base.html`` layout) is shared with the other pages.
The composition root may replace ``app.state.verifier_config`` (a :class:`VerifierConfig`) to add
the issuers of this instance to the trust registry, pinned keys or another fetcher.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ConfigDict, ValidationError

from api.i18n import current_language, gettext
from badges.fetch import Fetcher, GuardedFetcher
from badges.keys import Ed25519PublicKey
from badges.problems import Problem
from verifier.display import describe
from verifier.messages import problem_sentence
from verifier.options import Limits, VerifyOptions
from verifier.pipeline import verify
from verifier.report import CheckId, Outcome, VerificationReport
from verifier.status_cache import StatusListCache
from verifier.summary import (
    OUTCOME_WORDS_FR,
    TONE_ICONS,
    TONE_WORDS_FR,
    check_label,
    check_line,
    check_tone,
    format_date,
    verdict_text,
)
from verifier.trust import TrustRegistry

API_DIR = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(API_DIR / "templates"))

router = APIRouter()


@dataclass
class VerifierConfig:
    """What the web side injects into every verification (built once per app)."""

    fetcher: Fetcher | None = None
    trust_registry: TrustRegistry | None = None
    pinned_keys: list[Ed25519PublicKey] = field(default_factory=list)
    status_cache: StatusListCache = field(default_factory=StatusListCache)
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


TRUST_FILE = "trusted-issuers.yaml"


def default_config(home: Path | None) -> VerifierConfig:
    """Guarded network access, and the known issuers of ``<ATOUTS_HOME>/trusted-issuers.yaml``."""
    registry = None
    if home is not None and (home / TRUST_FILE).is_file():
        registry = TrustRegistry.from_file(home / TRUST_FILE)
    return VerifierConfig(fetcher=GuardedFetcher(), trust_registry=registry)


def install(app: FastAPI, config: VerifierConfig | None = None) -> None:
    """Register the verification routes, the accessibility statement and the stylesheet."""
    if config is None:
        settings = getattr(app.state, "settings", None)
        config = default_config(getattr(settings, "home", None))
    app.state.verifier_config = config
    app.include_router(router)
    if not any(getattr(route, "path", None) == "/static" for route in app.routes):
        app.mount("/static", StaticFiles(directory=str(API_DIR / "static")), name="static")


def _config(request: Request) -> VerifierConfig:
    config = getattr(request.app.state, "verifier_config", None)
    return config if isinstance(config, VerifierConfig) else VerifierConfig()


def _options(request: Request, **overrides: Any) -> VerifyOptions:
    config = _config(request)
    at = overrides.pop("at", None)
    return VerifyOptions(
        now=at or config.clock(),
        fetcher=config.fetcher,
        pinned_keys=list(config.pinned_keys),
        trust_registry=config.trust_registry,
        status_cache=config.status_cache,
        limits=config.limits,
        **{k: v for k, v in overrides.items() if v is not None},
    )


def problem_response(status: int, code: str, title: str, detail: str) -> JSONResponse:
    """An RFC 9457 problem details document with our stable ``code``."""
    return JSONResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code},
        status_code=status,
        media_type="application/problem+json",
    )


class VerifyRequest(BaseModel):
    """The wrapper form of ``POST /verify``; a bare credential or presentation is accepted too."""

    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any] | str | None = None
    jwt: str | None = None
    url: str | None = None
    policy: Literal["default", "strict"] = "default"
    at: datetime | None = None
    recipient: str | None = None
    challenge: str | None = None
    domain: str | None = None


_PLAIN_INPUT = re.compile(rb"^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|https://\S+)$")
_WRAPPER_KEYS = frozenset({"credential", "jwt", "url"})
_PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
}


@router.post(
    "/verify",
    tags=["vérification"],
    summary="Vérifier un badge (JSON, JWT, présentation ou lien)",
    response_model=VerificationReport,
    responses={
        400: {
            "description": "Corps illisible",
            "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}},
        },
        413: {
            "description": "Corps trop gros",
            "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}},
        },
        422: {
            "description": "Rien à vérifier",
            "content": {"application/problem+json": {"schema": _PROBLEM_SCHEMA}},
        },
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/VerifyRequest"},
                            {
                                "type": "object",
                                "description": "Un badge (OpenBadgeCredential) ou une présentation",
                            },
                        ]
                    }
                }
            },
        }
    },
)
async def verify_api(request: Request) -> Any:
    """200 with the verification report whenever verification ran (DESIGN.md §5)."""
    config = _config(request)
    body = await request.body()
    if len(body) > config.limits.max_input_bytes:
        return problem_response(
            413,
            "input_too_large",
            "Corps trop gros",
            f"Le corps dépasse {config.limits.max_input_bytes} octets.",
        )
    try:
        document = json.loads(body)
    except RecursionError:
        document = None  # the verifier reports json_too_deep itself
    except ValueError:
        # A compact JWT or a link sent as plain text is usable too.
        text = body.strip()
        if _PLAIN_INPUT.match(text):
            return verify(text, options=_options(request))
        return problem_response(
            400, "malformed_json", "Corps illisible", "Le corps de la requête n'est pas du JSON."
        )
    if document is not None and not isinstance(document, dict):
        return problem_response(
            422, "not_an_object", "Rien à vérifier", "Un objet JSON est attendu."
        )
    if (
        isinstance(document, dict)
        and _WRAPPER_KEYS & document.keys()
        and "@context" not in document
    ):
        try:
            wrapper = VerifyRequest.model_validate(document)
        except ValidationError as exc:
            return problem_response(422, "request_invalid", "Requête invalide", str(exc))
        given = [v for v in (wrapper.credential, wrapper.jwt, wrapper.url) if v is not None]
        if len(given) != 1:
            return problem_response(
                422,
                "request_invalid",
                "Rien à vérifier",
                "Donnez exactement un de « credential », « jwt » ou « url ».",
            )
        at = wrapper.at
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        options = _options(
            request,
            policy=wrapper.policy,
            at=at,
            expected_recipient=wrapper.recipient,
            expected_challenge=wrapper.challenge,
            expected_domain=wrapper.domain,
        )
        return verify(given[0], options=options)
    return verify(body, options=_options(request))


# -- the employer page ---------------------------------------------------------------------------


def _page_context(report: VerificationReport | None, **extra: Any) -> dict[str, Any]:
    lang = current_language()
    context: dict[str, Any] = {"active": "verifier", "report": report, "lang": lang, **extra}
    if report is None:
        return context
    context["verdict"] = verdict_text(report, lang)
    at = report.verified_at.astimezone(UTC)
    context["verified_on"] = gettext("%(date)s à %(time)s (UTC)") % {
        "date": format_date(at, lang),
        "time": f"{at:%H:%M}",
    }
    context["input_lines"] = [problem_sentence(p, lang) for p in report.input_problems]
    context["check_lines"] = [_line(c, report, lang) for c in report.checks]
    context["inner_reports"] = [
        {
            "verdict": verdict_text(inner, lang),
            "lines": [_line(c, inner, lang) for c in inner.checks],
        }
        for inner in report.credentials
    ]
    shown = report
    if report.credentials and report.credentials[0].credential is not None:
        shown = report.credentials[0]
    badge = describe(shown.credential, lang)
    context["badge"] = badge
    context["issuer_known"] = shown.outcome(CheckId.ISSUER_TRUST) == Outcome.PASSED
    context["dates"] = {
        "valid_from": format_date(badge.valid_from, lang),
        "valid_until": format_date(badge.valid_until, lang),
    }
    # Codes stay as they are (people quote them); the words around them are in the page's
    # language, since a finding's own message is the engine's English (the JSON report keeps it).
    context["technical_input"] = [_technical_problem(p, lang) for p in report.input_problems]
    context["technical"] = [
        {
            "check": str(c.check),
            "outcome": OUTCOME_WORDS_FR[c.outcome] if lang == "fr" else str(c.outcome),
            "problems": [_technical_problem(p, lang) for p in c.problems],
        }
        for c in report.checks
    ]
    return context


_SEVERITY_FR = {"error": "erreur", "warning": "avertissement", "info": "information"}
_TONE_WORDS_EN = {
    "passed": "verified",
    "failed": "problem",
    "warning": "to note",
    "indeterminate": "could not be checked",
    "skipped": "not checked",
}


def _technical_problem(problem: Problem, lang: str) -> dict[str, str]:
    severity = str(problem.severity)
    return {
        "code": str(problem.code),
        "severity": _SEVERITY_FR.get(severity, severity) if lang == "fr" else severity,
        "message": problem_sentence(problem, lang),
        "path": problem.path,
    }


def _line(check: Any, report: VerificationReport, lang: str) -> dict[str, str]:
    tone = check_tone(check, report)
    return {
        "label": check_label(check, lang),
        "icon": TONE_ICONS[tone],
        "outcome": tone,
        "word": TONE_WORDS_FR[tone] if lang == "fr" else _TONE_WORDS_EN[tone],
        "text": check_line(check, report, lang),
    }


def _render(request: Request, report: VerificationReport | None, **extra: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, "verifier.html", _page_context(report, **extra))


@router.get("/verifier", response_class=HTMLResponse, include_in_schema=False)
def verifier_page(request: Request, url: str | None = None) -> HTMLResponse:
    if url:
        return _render(request, verify(url.strip(), options=_options(request)), form_url=url)
    return _render(request, None)


@router.post("/verifier", response_class=HTMLResponse, include_in_schema=False)
async def verifier_submit(
    request: Request,
    badge_file: UploadFile | None = File(None),  # noqa: B008 - FastAPI's declaration style
    badge_url: str = Form(""),
    badge_text: str = Form(""),
) -> HTMLResponse:
    config = _config(request)
    data: bytes | str | None = None
    if badge_file is not None and badge_file.filename:
        data = await badge_file.read(config.limits.max_image_bytes + 1)
        if not data:
            data = None
    if data is None and badge_text.strip():
        data = badge_text
    if data is None and badge_url.strip():
        data = badge_url.strip()
    if data is None:
        return _render(
            request,
            None,
            error=gettext(
                "Rien n'a été envoyé : déposez un fichier, collez un lien ou le texte du badge."
            ),
        )
    report = verify(data, options=_options(request))
    return _render(request, report, form_url=badge_url)


@router.get("/accessibilite", response_class=HTMLResponse, include_in_schema=False)
def accessibility_statement(request: Request) -> HTMLResponse:
    return templates.TemplateResponse(
        request, "accessibilite.html", {"active": "accessibilite", "lang": current_language()}
    )
