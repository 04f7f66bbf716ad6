"""Counsellor pages (issue 6; peers.md §3.4): open a wallet **for** a beneficiary who has no
account or e-mail yet, with their consent recorded word for word; act for it; hand it over.

- ``GET/POST /portefeuille/accompagnement``: the wallets in my custody; open a new one (the
  consent text is shown, and the box "the person agreed" must be ticked);
- ``POST /portefeuille/accompagnement/{wallet}/agir``: act for that wallet (its pages, until
  "back to my space"); ``POST /portefeuille/accompagnement/quitter``;
- ``POST /portefeuille/accompagnement/{wallet}/rendre``: hand it over; the page shows the
  personal link and code to give to the person (printable), or says a link was e-mailed.

The holder sees the custody on their wallet page; it ends when they take the wallet over.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from api.auth import Role, require_page_roles
from api.i18n import current_language
from api.i18n import gettext as _
from api.mail_texts import account_language_message, chosen_mail_language
from api.security import require_csrf
from api.wallet_i18n import error_text
from api.wallet_pages import ACTING_FOR, render_page
from api.wallet_routes import current_user_id, wallet_ctx
from storage.engine import session_scope
from storage.tables import Consent, ConsentScope, User, Wallet, WalletItem
from wallet.access import hand_over
from wallet.context import WalletError
from wallet.holders import CUSTODY_WORDING_FR, open_wallet_in_custody

__all__ = ["custody_pages"]

custody_pages = APIRouter(include_in_schema=False)
# Opening a wallet in custody: any member of an organisation or counsellor (``wallet.holders``
# checks the rest), as ``POST /api/wallet/custody``; acting for a wallet and handing it over:
# the counsellor holding it.
_MEMBER = Depends(
    require_page_roles(
        Role.ORG_ADMIN,
        Role.ISSUER,
        Role.REVIEWER,
        Role.COUNSELLOR,
        back="/portefeuille/accompagnement",
    )
)
_COUNSELLOR = Depends(require_page_roles(Role.COUNSELLOR, back="/portefeuille/accompagnement"))
_CSRF = Depends(require_csrf)


def _custody_list(request: Request, user_id: str, **extra: Any) -> HTMLResponse:
    ctx = wallet_ctx(request)
    with session_scope(ctx.engine, write=False) as session:
        me = session.get(User, user_id)
        consents = session.exec(
            select(Consent)
            .where(Consent.counsellor_user_id == user_id)
            .where(Consent.scope == ConsentScope.CUSTODY)
            .where(Consent.ended_at.is_(None))  # type: ignore[union-attr]
        ).all()
        wallets = []
        for consent in consents:
            wallet = session.get(Wallet, consent.wallet_id)
            if wallet is None:
                continue
            count = len(
                session.exec(select(WalletItem.id).where(WalletItem.wallet_id == wallet.id)).all()
            )
            wallets.append({"id": wallet.id, "name": wallet.display_name, "count": count})
    counsellor = me.display_name if me else "votre conseiller"
    wording = CUSTODY_WORDING_FR.format(counsellor=counsellor)
    # The consent is recorded in French, word for word; an English page adds a translation.
    wording_en = (
        _(CUSTODY_WORDING_FR).format(counsellor=counsellor) if current_language() == "en" else ""
    )
    return render_page(
        request,
        "accompagnement.html",
        wallets=wallets,
        wording=wording,
        wording_en=wording_en,
        **extra,
    )


def _signed_in(request: Request) -> str | None:
    return current_user_id(wallet_ctx(request), request)


@custody_pages.get(
    "/portefeuille/accompagnement", response_class=HTMLResponse, dependencies=[_MEMBER]
)
def custody_home(request: Request) -> Response:
    user_id = _signed_in(request)
    if user_id is None:
        return RedirectResponse("/portefeuille", status_code=303)
    return _custody_list(request, user_id)


@custody_pages.post(
    "/portefeuille/accompagnement", response_class=HTMLResponse, dependencies=[_MEMBER, _CSRF]
)
def custody_open(
    request: Request, display_name: str = Form(""), consent: str = Form("")
) -> Response:
    user_id = _signed_in(request)
    if user_id is None:
        return RedirectResponse("/portefeuille", status_code=303)
    try:
        open_wallet_in_custody(
            wallet_ctx(request),
            display_name=display_name,
            counsellor_user_id=user_id,
            consent_given=consent == "oui",
        )
    except WalletError as error:
        return _custody_list(request, user_id, error=error_text(error), display_name=display_name)
    return _custody_list(
        request,
        user_id,
        message=_("Le portefeuille de %(name)s est ouvert.") % {"name": display_name},
    )


@custody_pages.post(
    "/portefeuille/accompagnement/{wallet_id}/agir", dependencies=[_COUNSELLOR, _CSRF]
)
def custody_act(wallet_id: str, request: Request) -> Response:
    response = RedirectResponse(f"/portefeuille?wallet={wallet_id}", status_code=303)
    response.set_cookie(ACTING_FOR, wallet_id, httponly=True, samesite="lax", path="/")
    return response


@custody_pages.post("/portefeuille/accompagnement/quitter", dependencies=[_MEMBER, _CSRF])
def custody_leave(request: Request) -> Response:
    response = RedirectResponse("/portefeuille/accompagnement", status_code=303)
    response.delete_cookie(ACTING_FOR, path="/")
    return response


@custody_pages.post(
    "/portefeuille/accompagnement/{wallet_id}/rendre",
    response_class=HTMLResponse,
    dependencies=[_COUNSELLOR, _CSRF],
)
def custody_hand_over(
    wallet_id: str,
    request: Request,
    display_name: str = Form(""),
    email: str = Form(""),
    language: str = Form("fr"),
) -> Response:
    user_id = _signed_in(request)
    if user_id is None:
        return RedirectResponse("/portefeuille", status_code=303)
    try:
        link = hand_over(
            wallet_ctx(request),
            wallet_id,
            counsellor_user_id=user_id,
            display_name=display_name,
            email=email or None,
            locale=chosen_mail_language(language),
            compose=account_language_message,
        )
    except WalletError as error:
        return _custody_list(request, user_id, error=error_text(error))
    response = render_page(request, "rendu.html", personal_link=link, holder=display_name)
    response.delete_cookie(ACTING_FOR, path="/")
    return response
