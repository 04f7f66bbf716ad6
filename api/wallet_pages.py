"""The beneficiary's wallet pages (issue 6; reliability-ux.md
B1–B2). Server-rendered, French first, easy-to-read, phone-first, working without JavaScript:
every action is a link or a form. One ``h1`` per page, a label on every field.

- ``/portefeuille``: entry (claim code, magic link) or the wallet (badges by referential, with
  progress); ``/portefeuille/badges/{id}``: what a badge proves, in plain words;
- ``/reclamer`` and ``/reclamer/{code}`` (the issuer's claim link and printed QR);
- sharing and the employer's page are in :mod:`api.wallet_share_pages`, counsellors' pages in
  :mod:`api.wallet_custody_pages`; this module holds what they share (rendering, badge views).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.audit import audit_request
from api.auth import Role, require_page_roles
from api.i18n import gettext as _
from api.mail_texts import remember_language, wallet_link_composer
from api.pages import render
from api.security import csrf_token, require_csrf
from api.wallet_i18n import N_, error_text, lang
from api.wallet_routes import (
    cookie_name,
    current_wallet_id,
    session_cookie,
    set_session_cookie,
    wallet_ctx,
)
from storage.engine import session_scope
from storage.tables import Wallet, WalletItem
from verifier.report import VerificationReport
from verifier.summary import check_line, format_date, verdict_text
from wallet.access import (
    end_session,
    redeem_magic_link,
    redeem_personal_link,
    request_magic_link,
    session_user,
)
from wallet.claims import normalise_claim_code, redeem_claim
from wallet.context import WalletContext, WalletError
from wallet.export import export_archive
from wallet.holders import active_custody, erase_wallet
from wallet.items import ImportOutcome, get_item, import_badge, list_items, refresh, refresh_stale
from wallet.presentations import has_presentation_consent
from wallet.progress import group_by_referential
from wallet.shares import (
    list_shares,
    share_items,
)

__all__ = [
    "ACTING_FOR",
    "DURATIONS",
    "HOLDER_PAGE",
    "badge_view",
    "date_text",
    "datetime_text",
    "pages",
    "render_page",
    "signed_in_wallet",
    "to_entry",
]

pages = APIRouter(include_in_schema=False)

# A wallet's pages are for its holder or a counsellor holding it in custody; someone signed out
# signs in and comes back. Which wallet is still checked per request (``signed_in_wallet``).
HOLDER_PAGE = require_page_roles(Role.BENEFICIARY, Role.COUNSELLOR, back="/portefeuille")

VERDICT_WORDS = {
    "verified": N_("Badge authentique"),
    "not_verified": N_("Non valable"),
    "inconclusive": N_("À vérifier"),
}
DURATIONS = [  # labels translated by the template
    ("7d", N_("7 jours")),
    ("30d", N_("30 jours (conseillé)")),
    ("90d", N_("3 mois")),
    ("365d", N_("1 an")),
]


def render_page(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Through the web layer's ``render`` (menu, language switch, CSRF, ``<html lang>`` of the
    request's language). Texts are French (easy-to-read) or English, chosen by :mod:`api.i18n`;
    text that comes from a badge is marked ``dir="auto"`` in the templates (any script)."""
    context.setdefault("active", "portefeuille")
    context.setdefault("csrf", csrf_token(request))
    response = render(request, f"wallet/{name}", context, status_code=status)
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def date_text(value: datetime | str | None) -> str:
    return format_date(value, lang()) if value else ""


def datetime_text(value: datetime) -> str:
    return _("%(date)s à %(time)s (heure universelle)") % {
        "date": format_date(value, lang()),
        "time": f"{value:%H:%M}",
    }


STALE_AFTER = timedelta(hours=24)
ACTING_FOR = "atouts_agir_pour"  # a counsellor acting for a wallet in their custody (pages)


def signed_in_wallet(ctx: WalletContext, request: Request) -> str | None:
    chosen = request.query_params.get("wallet") or request.cookies.get(ACTING_FOR)
    try:
        return current_wallet_id(ctx, request, chosen)
    except WalletError:
        if chosen and not request.query_params.get("wallet"):
            try:  # the custody ended (handed over): back to the person's own wallet
                return current_wallet_id(ctx, request, None)
            except WalletError:
                return None
        return None


def audit_sign_in(request: Request, ctx: WalletContext, cookie: str | None, via: str) -> None:
    """One audit row per wallet sign-in or refused attempt (pseudonymous actor, no personal
    data); a person signing in with a chosen language keeps it on their account."""
    user_id = session_user(ctx, cookie) if cookie else None
    remember_language(request, ctx.engine, user_id)
    audit_request(
        request,
        "sign_in.opened" if user_id else "sign_in.refused",
        "session",
        None,
        outcome="success" if user_id else "failure",
        actor=f"user:{user_id}" if user_id else "anonymous",
        details={"via": via},
    )


def to_entry() -> RedirectResponse:
    return RedirectResponse("/portefeuille", status_code=303)


_MARKS = re.compile(r"(\*\*|__|`)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*", re.MULTILINE)


def plain_text(markdown: str) -> str:
    """OB 3.0 narratives may be Markdown: show their words without the marks (never as HTML)."""
    return _HEADING.sub("", _MARKS.sub("", markdown)).strip()


def badge_view(item: WalletItem, report: VerificationReport | None = None) -> dict[str, Any]:
    """What a page shows of one badge (report: today's verification, else the stored one)."""
    summary = item.summary
    language = lang()
    verdict = str(report.verdict) if report is not None else item.verdict
    lines: list[str] = []
    if report is not None:
        lines = [check_line(c, report, language) for c in report.checks]
        text = verdict_text(report, language)
        css, icon, title = text.css, text.icon, text.title
    else:
        css = {"verified": "verified", "not_verified": "not-verified"}.get(verdict, "inconclusive")
        icon = {"verified": "✔", "not_verified": "✖"}.get(verdict, "⚠")
        title = _(VERDICT_WORDS[verdict]) if verdict in VERDICT_WORDS else verdict
    # An English reader gets the badge's own English name and description when it has them.
    english = summary.get("en", {}) if language == "en" else {}
    return {
        "id": item.id,
        "name": english.get("name") or summary.get("name") or _("Badge"),
        "description": english.get("description") or summary.get("description", ""),
        "issuer": summary.get("issuer_name") or item.issuer_id,
        "issuer_named": bool(summary.get("issuer_name")),
        "competences": summary.get("competences", []),
        "criteria": plain_text(str(summary.get("criteria", ""))),
        "results": summary.get("results", []),
        "evidence": summary.get("evidence", []),
        "image": summary.get("image"),
        "valid_from": date_text(summary.get("valid_from")),
        "valid_until": date_text(summary.get("valid_until")),
        "english": summary.get("en", {}),
        "verdict": verdict,
        "verdict_css": css,
        "verdict_icon": icon,
        "verdict_title": title,
        "lines": lines,
    }


# -- entry, sign-in ----------------------------------------------------------------------------


@pages.get("/portefeuille", response_class=HTMLResponse)
def wallet_home(request: Request) -> HTMLResponse:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return render_page(request, "entree.html")
    # Verdicts older than a day are checked again: a withdrawn badge must not look valid.
    refresh_stale(ctx, wallet_id, max_age=STALE_AFTER)
    with session_scope(ctx.engine, write=False) as session:
        wallet = session.get(Wallet, wallet_id)
        items = list_items(session, wallet_id)
        custody = active_custody(session, wallet_id)
        shares = list_shares(session, wallet_id)
        share_counts = {s.id: len(share_items(session, s.id)) for s in shares}
    groups = group_by_referential(items, ctx.graph)
    by_id = {i.id: badge_view(i) for i in items}
    now = ctx.now()
    return render_page(
        request,
        "accueil.html",
        wallet=wallet,
        groups=[
            {
                "title": g.title,
                "badges": [by_id[i] for i in g.item_ids],
                "progress": list(g.progress),
            }
            for g in groups
        ],
        count=len(items),
        custody=custody,
        custody_since=date_text(custody.recorded_at) if custody else "",
        shares=[
            {
                "id": s.id,
                "audience": s.audience_name or _("Toute personne qui a le lien"),
                "until": datetime_text(s.expires_at),
                "expired": s.expires_at <= now,
                "count": share_counts[s.id],
            }
            for s in shares
        ],
        message=request.query_params.get("message", ""),
        acting=request.cookies.get(ACTING_FOR) == wallet_id,
        presentation_consent=has_presentation_consent(ctx, wallet_id),
        # « Les métiers proches » is about the wallet shown here (a counsellor's too).
        wallet_query=f"?portefeuille={quote(wallet_id)}",
    )


@pages.post(
    "/portefeuille/lien-magique", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
)
def magic_link_page(request: Request, email: str = Form("")) -> HTMLResponse:
    if "@" not in email:
        return render_page(
            request,
            "entree.html",
            status=422,
            error=_("Écrivez votre adresse e-mail."),
            email=email,
        )
    request_magic_link(wallet_ctx(request), email, compose=wallet_link_composer(request))
    return render_page(
        request,
        "message.html",
        title=_("Regardez vos e-mails"),
        text=_(
            "Si vous avez un portefeuille, nous venons de vous envoyer un lien. "
            "Touchez le lien dans l'e-mail. Il marche 20 minutes."
        ),
    )


@pages.get("/portefeuille/entrer/{token}", response_class=HTMLResponse)
def magic_link_confirm(token: str, request: Request) -> HTMLResponse:
    # Mail systems follow links to scan them: a GET must not spend a single-use link. The page
    # shows one button; pressing it (POST) opens the wallet.
    return render_page(request, "entrer.html", token=token)


@pages.post(
    "/portefeuille/entrer/{token}",
    response_class=HTMLResponse,
    dependencies=[Depends(require_csrf)],
)
def magic_link_enter(token: str, request: Request) -> Response:
    ctx = wallet_ctx(request)
    try:
        value = redeem_magic_link(ctx, token)
    except WalletError as error:
        audit_sign_in(request, ctx, None, "magic_link")
        return render_page(
            request,
            "message.html",
            status=error.status,
            title=_("Ce lien ne marche plus"),
            text=error_text(error),
        )
    audit_sign_in(request, ctx, value, "magic_link")
    response = RedirectResponse("/portefeuille", status_code=303)
    set_session_cookie(ctx, response, value)
    return response


@pages.get("/portefeuille/lien/{token}", response_class=HTMLResponse)
def personal_link_page(token: str, request: Request) -> HTMLResponse:
    return render_page(request, "lien.html", token=token)


@pages.post(
    "/portefeuille/lien/{token}", response_class=HTMLResponse, dependencies=[Depends(require_csrf)]
)
def personal_link_enter(token: str, request: Request, code: str = Form("")) -> Response:
    ctx = wallet_ctx(request)
    try:
        value = redeem_personal_link(ctx, token, code)
    except WalletError as error:
        audit_sign_in(request, ctx, None, "personal_link")
        return render_page(
            request, "lien.html", status=error.status, token=token, error=error_text(error)
        )
    audit_sign_in(request, ctx, value, "personal_link")
    response = RedirectResponse("/portefeuille", status_code=303)
    set_session_cookie(ctx, response, value)
    return response


@pages.post("/portefeuille/sortir", dependencies=[Depends(require_csrf)])
def sign_out(request: Request) -> Response:
    ctx = wallet_ctx(request)
    end_session(ctx, session_cookie(request))
    response = RedirectResponse("/portefeuille", status_code=303)
    response.delete_cookie(cookie_name(ctx), path="/")
    return response


# -- claim ---------------------------------------------------------------------------------------


@pages.get("/reclamer", response_class=HTMLResponse)
def claim_page(request: Request) -> HTMLResponse:
    return render_page(
        request,
        "reclamer.html",
        code="",
        signed_in=signed_in_wallet(wallet_ctx(request), request) is not None,
    )


@pages.get("/reclamer/{code}", response_class=HTMLResponse)
def claim_link_page(code: str, request: Request) -> HTMLResponse:
    # A GET never redeems (link previews in messaging apps would use the code up): it shows
    # the form filled in, and the person confirms.
    signed_in = signed_in_wallet(wallet_ctx(request), request) is not None
    return render_page(
        request, "reclamer.html", code=normalise_claim_code(code), signed_in=signed_in
    )


@pages.post("/reclamer", response_class=HTMLResponse, dependencies=[Depends(require_csrf)])
def claim_submit(request: Request, code: str = Form(""), display_name: str = Form("")) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    try:
        result = redeem_claim(ctx, code, wallet_id=wallet_id, display_name=display_name)
    except WalletError as error:
        return render_page(
            request,
            "reclamer.html",
            status=error.status,
            code=code,
            error=error_text(error),
            display_name=display_name,
            signed_in=wallet_id is not None,
        )
    audit_request(
        request,
        "claim.redeemed",
        "wallet_item",
        result.imported.item.id,
        actor=f"wallet:{result.wallet_id}",
    )
    badge = badge_view(result.imported.item, result.imported.report)
    response = render_page(request, "reclame.html", badge=badge, personal_link=result.personal_link)
    if result.session_cookie is not None:
        set_session_cookie(ctx, response, result.session_cookie)
    return response


# -- badges --------------------------------------------------------------------------------------


@pages.post(
    "/portefeuille/importer",
    response_class=HTMLResponse,
    dependencies=[Depends(HOLDER_PAGE), Depends(require_csrf)],
)
async def import_page(request: Request, badge_file: UploadFile | None = File(None)) -> Response:  # noqa: B008
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    data = await badge_file.read(8 * 1024 * 1024 + 1) if badge_file is not None else b""
    try:
        result = import_badge(ctx, wallet_id, data)
    except WalletError as error:
        return render_page(
            request,
            "message.html",
            status=error.status,
            title=_("Le badge n'a pas été ajouté"),
            text=error_text(error),
            back="/portefeuille",
        )
    words = {
        ImportOutcome.ADDED: _("Le badge est ajouté."),
        ImportOutcome.REPLACED: _("Le badge est remplacé par une version plus récente."),
        ImportOutcome.DUPLICATE: _("Ce badge est déjà dans votre portefeuille."),
    }
    return RedirectResponse(
        f"/portefeuille/badges/{result.item.id}?message={quote(words[result.outcome])}",
        status_code=303,
    )


@pages.get(
    "/portefeuille/badges/{item_id}",
    response_class=HTMLResponse,
    dependencies=[Depends(HOLDER_PAGE)],
)
def badge_page(item_id: str, request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    try:
        item = refresh(ctx, wallet_id, item_id)  # "still valid?" is answered now
    except WalletError as error:
        return render_page(
            request,
            "message.html",
            status=404,
            title=_("Badge introuvable"),
            text=error_text(error),
            back="/portefeuille",
        )
    report = VerificationReport.model_validate(item.verification_report)
    return render_page(
        request,
        "badge.html",
        badge=badge_view(item, report),
        verified_at=datetime_text(item.verified_at),
        message=request.query_params.get("message", ""),
    )


@pages.get("/portefeuille/badges/{item_id}/fichier", dependencies=[Depends(HOLDER_PAGE)])
def badge_file_page(item_id: str, request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    try:
        with session_scope(ctx.engine, write=False) as session:
            item = get_item(session, wallet_id, item_id)
    except WalletError:
        return Response(status_code=404)
    extension = {"image/png": "png", "image/svg+xml": "svg", "application/json": "json"}.get(
        item.media_type, "jwt"
    )
    return Response(
        bytes(item.original_bytes),
        media_type=item.media_type,
        headers={"Content-Disposition": f'attachment; filename="badge.{extension}"'},
    )


# -- export and erasure --------------------------------------------------------------------------


@pages.get("/portefeuille/exporter", dependencies=[Depends(HOLDER_PAGE)])
def export_page(request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    return Response(
        export_archive(ctx, wallet_id),
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="mes-badges.zip"'},
    )


@pages.get(
    "/portefeuille/supprimer", response_class=HTMLResponse, dependencies=[Depends(HOLDER_PAGE)]
)
def erase_form(request: Request) -> Response:
    if signed_in_wallet(wallet_ctx(request), request) is None:
        return to_entry()
    return render_page(request, "supprimer.html")


@pages.post(
    "/portefeuille/supprimer",
    response_class=HTMLResponse,
    dependencies=[Depends(HOLDER_PAGE), Depends(require_csrf)],
)
def erase_submit(request: Request, confirmation: str = Form("")) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    try:
        erase_wallet(ctx, wallet_id, confirmation=confirmation)
    except WalletError as error:
        return render_page(request, "supprimer.html", status=422, error=error_text(error))
    audit_request(request, "wallet.erased", "wallet", wallet_id, actor=f"wallet:{wallet_id}")
    response = render_page(
        request,
        "message.html",
        title=_("Votre portefeuille est supprimé"),
        text=_(
            "Vos badges, vos liens et vos informations sont effacés. "
            "Les organismes gardent la trace des badges qu'ils ont donnés."
        ),
    )
    response.delete_cookie(cookie_name(ctx), path="/")
    return response
