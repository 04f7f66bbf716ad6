"""Taking badges elsewhere, from the pages (issue 6):

- ``POST /portefeuille/badges/{id}/vers-une-application``: a credential offer (OpenID4VCI,
  pre-authorized code) shown as a QR code and a link another wallet app opens, with the 6-digit
  code the holder types there; it works once, for 10 minutes;
- ``POST /portefeuille/accord-presentations``: give or withdraw the consent that lets the service
  sign presentations of chosen badges for programs that ask (``/api/wallet/presentations``).
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.i18n import gettext as _
from api.security import require_csrf
from api.wallet_i18n import error_text
from api.wallet_pages import HOLDER_PAGE, render_page, signed_in_wallet, to_entry
from api.wallet_routes import wallet_ctx
from api.wallet_share_pages import qr_svg
from wallet.context import WalletError
from wallet.offers import create_offer
from wallet.presentations import grant_presentation_consent, withdraw_presentation_consent

__all__ = ["transfer_pages"]

transfer_pages = APIRouter(include_in_schema=False)


@transfer_pages.post(
    "/portefeuille/badges/{item_id}/vers-une-application",
    response_class=HTMLResponse,
    dependencies=[Depends(HOLDER_PAGE), Depends(require_csrf)],
)
def offer_page(item_id: str, request: Request) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    try:
        created = create_offer(ctx, wallet_id, item_id)
    except WalletError as error:
        return render_page(
            request,
            "message.html",
            status=error.status,
            title=_("Ce badge ne peut pas être envoyé"),
            text=error_text(error),
            back=f"/portefeuille/badges/{item_id}",
        )
    return render_page(
        request,
        "offre.html",
        uri=created.uri,
        qr=qr_svg(created.uri),
        tx_code=created.tx_code,
        item_id=item_id,
    )


@transfer_pages.post(
    "/portefeuille/accord-presentations", dependencies=[Depends(HOLDER_PAGE), Depends(require_csrf)]
)
def presentation_consent(request: Request, accord: str = Form("")) -> Response:
    ctx = wallet_ctx(request)
    wallet_id = signed_in_wallet(ctx, request)
    if wallet_id is None:
        return to_entry()
    if accord == "oui":
        grant_presentation_consent(ctx, wallet_id)
        message = _("C'est noté : vous êtes d'accord. Vous pouvez changer d'avis à tout moment.")
    else:
        withdraw_presentation_consent(ctx, wallet_id)
        message = _("C'est noté : le service ne montrera plus vos badges à des programmes.")
    return RedirectResponse(f"/portefeuille?message={quote(message)}", status_code=303)
