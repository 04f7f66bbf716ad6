"""Every wallet page a holder or an employer meets: ``<html lang>``, a title, exactly one
``h1``, a label for every field, no English leaking into the French text of buttons (issue 6;
reliability-ux.md B1). The browser run with axe lives with the web application's tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from issuer.context import IssuerContext
from tests.api.test_wallet_routes import _app, _claim, _form
from tests.wallet import fixtures
from tests.wallet.fixtures import BASE
from wallet.context import WalletContext

btp_achievements = fixtures.btp_achievements
clock = fixtures.clock
engine = fixtures.engine
graph = fixtures.graph
ictx = fixtures.ictx
wctx = fixtures.wctx


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lang = ""
        self.h1 = 0
        self.title = False
        self.fields: list[str] = []
        self.labels: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang") or ""
        elif tag == "h1":
            self.h1 += 1
        elif tag == "title":
            self.title = True
        elif tag == "label" and values.get("for"):
            self.labels.add(str(values["for"]))
        elif tag in ("input", "select", "textarea") and values.get("type") != "hidden":
            self.fields.append(str(values.get("id") or "<no id>"))


def _check(html: str, where: str) -> None:
    page = _Page()
    page.feed(html)
    assert page.lang == "fr", where
    assert page.title, where
    assert page.h1 == 1, (where, page.h1)
    unlabelled = [f for f in page.fields if f not in page.labels]
    assert unlabelled == [], (where, unlabelled)


def test_every_wallet_page_has_one_h1_a_language_and_labelled_fields(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    app = _app(wctx)
    visitor = TestClient(app, base_url=BASE)
    _check(visitor.get("/portefeuille").text, "entry")
    _check(visitor.get("/reclamer").text, "claim")
    holder = TestClient(app, base_url=BASE)
    _claim(holder, ictx, btp_achievements["secu"])
    home = holder.get("/portefeuille").text
    _check(home, "home")
    item_id = re.search(r"/portefeuille/badges/([0-9a-f-]{36})", home).group(1)  # type: ignore[union-attr]
    _check(holder.get(f"/portefeuille/badges/{item_id}").text, "badge")
    _check(holder.get("/portefeuille/partager").text, "share form")
    choice = {"badge": [item_id], "audience": "", "expires": "30d"}
    _check(_form(holder, "/portefeuille/partager/apercu", choice).text, "preview")
    created = _form(holder, "/portefeuille/partager", choice).text
    _check(created, "created")
    link = re.search(rf"{re.escape(BASE)}/p/[A-Za-z0-9_-]+", created).group(0)  # type: ignore[union-attr]
    share_id = re.search(r"/portefeuille/partages/([0-9a-f-]{36})", created).group(1)  # type: ignore[union-attr]
    _check(visitor.get(link).text, "employer")
    _check(visitor.get(f"{link}/imprimer").text, "print")
    _check(holder.get(f"/portefeuille/partages/{share_id}").text, "access log")
    _check(holder.get("/portefeuille/supprimer").text, "erase")
    refused = holder.get("/portefeuille/accompagnement", headers={"accept": "text/html"})
    assert refused.status_code == 403  # custody is for members of a structure
    _check(refused.text, "custody refused")
    own = holder.get("/api/wallet").json()["id"]
    fixtures.make_counsellor(wctx.engine, fixtures.holder_user_id(wctx.engine, own))
    _check(holder.get("/portefeuille/accompagnement").text, "custody")
    offer = _form(holder, f"/portefeuille/badges/{item_id}/vers-une-application")
    _check(offer.text, "offer")
    assert "openid-credential-offer://" in offer.text
    assert re.search(r'<strong class="code">\d{6}</strong>', offer.text)
    agreed = _form(holder, "/portefeuille/accord-presentations", {"accord": "oui"})
    assert "vous êtes d'accord" in agreed.text
    assert "Retirer mon accord" in agreed.text
    withdrawn = _form(holder, "/portefeuille/accord-presentations", {"accord": "non"})
    assert "Je suis d'accord" in withdrawn.text
    home = holder.get("/portefeuille").text
    assert f'action="/portefeuille/partages/{share_id}/retirer"' in home  # one tap from home
    _form(holder, f"/portefeuille/partages/{share_id}/retirer")
    gone = visitor.get(link)
    assert gone.status_code == 410
    _check(gone.text, "gone")


def test_the_share_form_says_the_badge_does_not_expire_with_the_link(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    holder = TestClient(_app(wctx), base_url=BASE)
    _claim(holder, ictx, btp_achievements["secu"])
    form = holder.get("/portefeuille/partager").text
    assert "30 jours (conseillé)" in form
    assert "Vos badges, eux, restent valables" in form


def test_the_wallet_home_leads_to_the_closest_jobs_and_the_competence_map(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    holder = TestClient(_app(wctx), base_url=BASE)
    _claim(holder, ictx, btp_achievements["secu"])
    home = holder.get("/portefeuille").text
    jobs = re.search(
        r'href="(/metiers-proches\?portefeuille=[^"#]+)">Les métiers proches de vous<', home
    )
    assert jobs is not None
    assert re.search(
        r'href="/metiers-proches\?portefeuille=[^"]+#carte">La carte de vos compétences<', home
    )
    page = holder.get(jobs.group(1).replace("&amp;", "&"))
    assert page.status_code == 200
    assert 'id="carte"' in page.text
    assert "<svg" in page.text  # the competence map of this wallet's verified badges
