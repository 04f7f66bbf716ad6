"""Sharing pages (issue 6; reliability-ux.md B2): choose badges, audience and expiry; preview
exactly what the employer will see (each issuer's name included); create (link, QR code, print
view, LinkedIn); read the access log; withdraw in one tap. And the employer's page ``/p/{token}``:
the verdicts of the shared badges *now*, grouped by referential with block progress, a QR code
and the short link, a print view (A4), Open Graph tags; 410 with a plain page once withdrawn or
expired (nothing about the holder is shown then).
"""

from __future__ import annotations

import io
import re
from typing import Any
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.i18n import gettext as _
from api.security import require_csrf
from api.wallet_i18n import error_text
from api.wallet_pages import (
    DURATIONS,
    HOLDER_PAGE,
    badge_view,
    datetime_text,
    render_page,
    signed_in_wallet,
    to_entry,
)
from api.wallet_routes import wallet_ctx
from storage.engine import session_scope
from storage.tables import ShareAccessKind, Wallet, WalletItem
from wallet.context import WalletContext, WalletError
from wallet.items import get_item, list_items
from wallet.shares import (
    SharedBadge,
    ShareGoneError,
    access_log,
    create_share,
    get_share,
    linkedin_url,
    open_share,
    parse_duration,
    preview_share,
    share_items,
    withdraw_share,
)

__all__ = ["qr_svg", "share_pages"]

share_pages = APIRouter(include_in_schema=False)


# -- sharing -------------------------------------------------------------------------------------


@share_pages.get(
    "/portefeuille/partager", response_class=HTMLResponse, dependencies=[Depends(HOLDER_PAGE)]
)
def share_form(request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    with session_scope(ctx.engine, write=False) as session:
        items = list_items(session, wallet_id)
    chosen = request.query_params.getlist("badge")
    return render_page(
        request,
        "partager.html",
        badges=[badge_view(i) for i in items],
        chosen=chosen,
        durations=DURATIONS,
        expires="30d",
        audience="",
    )


def _share_choices(form: Any) -> tuple[list[str], str, str]:
    return (
        list(form.getlist("badge")),
        str(form.get("audience", "")).strip(),
        str(form.get("expires", "30d")),
    )


@share_pages.post(
    "/portefeuille/partager/apercu",
    response_class=HTMLResponse,
    dependencies=[Depends(HOLDER_PAGE), Depends(require_csrf)],
)
async def share_preview(request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    badges, audience, expires = _share_choices(await request.form())
    try:
        if not badges:
            raise WalletError("Choisissez au moins un badge à montrer.", code="share_no_badge")
        duration = parse_duration(expires)
        preview = preview_share(ctx, wallet_id, badges)
    except WalletError as error:
        with session_scope(ctx.engine, write=False) as session:
            items = list_items(session, wallet_id)
        return render_page(
            request,
            "partager.html",
            status=error.status,
            badges=[badge_view(i) for i in items],
            chosen=badges,
            durations=DURATIONS,
            expires=expires,
            audience=audience,
            error=error_text(error),
        )
    with session_scope(ctx.engine, write=False) as session:
        wallet = session.get(Wallet, wallet_id)
    return render_page(
        request,
        "apercu.html",
        employer=_employer_context(ctx, preview, wallet.display_name if wallet else ""),
        badges=badges,
        audience=audience,
        expires=expires,
        until=datetime_text(ctx.now() + duration),
    )


@share_pages.post(
    "/portefeuille/partager",
    response_class=HTMLResponse,
    dependencies=[Depends(HOLDER_PAGE), Depends(require_csrf)],
)
async def share_create(request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    badges, audience, expires = _share_choices(await request.form())
    try:
        created = create_share(
            ctx, wallet_id, badges, audience_name=audience, duration=parse_duration(expires)
        )
    except WalletError as error:
        return render_page(
            request,
            "message.html",
            status=error.status,
            title=_("Le lien n'a pas été créé"),
            text=error_text(error),
            back="/portefeuille/partager",
        )
    with session_scope(ctx.engine, write=False) as session:
        items = [get_item(session, wallet_id, i) for i in badges]
    linkedin = []
    for item in items:
        issued = item.valid_from
        linkedin.append(
            {
                "name": item.summary.get("name") or _("Badge"),
                "url": linkedin_url(
                    name=str(item.summary.get("name") or "Badge"),
                    organisation=str(item.summary.get("issuer_name") or item.issuer_id),
                    issued=issued,
                    cert_url=_certification_url(ctx, item) or created.url,
                    cert_id=item.credential_id,
                ),
            }
        )
    return render_page(
        request,
        "partage_cree.html",
        url=created.url,
        qr=qr_svg(created.url),
        audience=created.share.audience_name,
        until=datetime_text(created.share.expires_at),
        share_id=created.share.id,
        linkedin=linkedin,
    )


def _certification_url(ctx: WalletContext, item: WalletItem) -> str | None:
    """The lasting verification page of a badge issued here (its public credential URL opened in
    the verifier); other badges get the share link (which ends when the share ends)."""
    prefix = f"{ctx.base_url}/credentials/"
    if item.credential_id.startswith(prefix):
        return f"{ctx.base_url}/verifier?url={quote(item.credential_id, safe='')}"
    return None


@share_pages.get(
    "/portefeuille/partages/{share_id}",
    response_class=HTMLResponse,
    dependencies=[Depends(HOLDER_PAGE)],
)
def share_detail(share_id: str, request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    try:
        log = access_log(ctx, wallet_id, share_id)
        with session_scope(ctx.engine, write=False) as session:
            share = get_share(session, wallet_id, share_id)
            items = share_items(session, share_id)
    except WalletError as error:
        return render_page(
            request,
            "message.html",
            status=404,
            title=_("Lien introuvable"),
            text=error_text(error),
            back="/portefeuille",
        )
    kinds = {
        ShareAccessKind.VIEW: _("ouvert"),
        ShareAccessKind.PRINT: _("imprimé"),
        ShareAccessKind.DOWNLOAD: _("badge téléchargé"),
    }
    return render_page(
        request,
        "partage.html",
        share=share,
        audience=share.audience_name or _("Toute personne qui a le lien"),
        until=datetime_text(share.expires_at),
        expired=share.expires_at <= ctx.now(),
        badges=[badge_view(i) for i in items],
        log=[
            {"at": datetime_text(a.accessed_at), "kind": kinds.get(a.kind, str(a.kind))}
            for a in log
        ],
    )


@share_pages.post(
    "/portefeuille/partages/{share_id}/retirer",
    response_class=HTMLResponse,
    dependencies=[Depends(HOLDER_PAGE), Depends(require_csrf)],
)
def share_withdraw(share_id: str, request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    try:
        withdraw_share(ctx, wallet_id, share_id)
    except WalletError as error:
        return render_page(
            request,
            "message.html",
            status=404,
            title=_("Lien introuvable"),
            text=error_text(error),
            back="/portefeuille",
        )
    message = _("Le lien est retiré. Il ne montre plus rien.")
    return RedirectResponse(f"/portefeuille?message={quote(message)}", status_code=303)


# -- the employer's page -------------------------------------------------------------------------


def qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    text = buffer.getvalue().decode("utf-8")
    return text[text.find("<svg") :] if "<svg" in text else text


def _employer_context(ctx: WalletContext, badges: list[SharedBadge], holder: str) -> dict[str, Any]:
    from wallet.progress import group_by_referential as group

    views = {b.item.id: badge_view(b.item, b.report) for b in badges}
    groups = group([b.item for b in badges], ctx.graph)
    return {
        "holder": holder,
        "groups": [
            {"title": g.title, "badges": [views[i] for i in g.item_ids], "progress": g.progress}
            for g in groups
        ],
        "count": len(badges),
        "checked_at": datetime_text(ctx.now()),
    }


def _gone(request: Request) -> HTMLResponse:
    return render_page(request, "parti.html", status=410, active="")


@share_pages.get("/p/{token}", response_class=HTMLResponse)
def employer_page(token: str, request: Request) -> HTMLResponse:
    return _employer(token, request, print_view=False)


@share_pages.get("/p/{token}/imprimer", response_class=HTMLResponse)
def employer_print(token: str, request: Request) -> HTMLResponse:
    return _employer(token, request, print_view=True)


# Messaging apps and social networks fetch a link to draw its preview card (Open Graph): that is
# not the employer opening it, so it is not written in the holder's access log.
_PREVIEW_AGENTS = re.compile(
    r"whatsapp|facebookexternalhit|facebot|linkedinbot|slackbot|telegrambot|twitterbot|"
    r"discordbot|skypeuripreview|teams|signal|applebot|googlebot|bingbot",
    re.IGNORECASE,
)


def is_link_preview(request: Request) -> bool:
    return request.method == "HEAD" or bool(
        _PREVIEW_AGENTS.search(request.headers.get("user-agent", ""))
    )


def _employer(token: str, request: Request, *, print_view: bool) -> HTMLResponse:
    ctx = wallet_ctx(request)
    try:
        opened = open_share(
            ctx,
            token,
            kind=ShareAccessKind.PRINT if print_view else ShareAccessKind.VIEW,
            log=not is_link_preview(request),
        )
    except ShareGoneError:
        return _gone(request)
    url = ctx.share_url(token)
    response = render_page(
        request,
        "employeur.html",
        active="",
        employer=_employer_context(ctx, opened.badges, opened.holder_name),
        audience=opened.share.audience_name,
        until=datetime_text(opened.share.expires_at),
        url=url,
        qr=qr_svg(url),
        print_view=print_view,
        token=token,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@share_pages.get("/p/{token}/badges/{item_id}")
def employer_download(token: str, item_id: str, request: Request) -> Response:
    from wallet.shares import shared_badge_for_download

    try:
        item = shared_badge_for_download(wallet_ctx(request), token, item_id)
    except ShareGoneError:
        return _gone(request)
    return Response(
        bytes(item.original_bytes),
        media_type=item.media_type,
        headers={"Cache-Control": "no-store"},
    )
