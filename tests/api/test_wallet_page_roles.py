"""The wallet's pages declare who may open them (``api.wallet_pages.HOLDER_PAGE``), with real
sessions: signed out, one is sent to sign in and brought back; signed in without a wallet role,
one gets a 403 page in one's language; share and claim links stay open to anyone."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlmodel import select

from storage.engine import session_scope
from storage.tables import MemberRole, OutboxMessage
from tests.api.webapp_fixtures import (
    Web,
    add_member,
    add_org,
    add_user,
    add_wallet,
    csrf_of,
    signed_in,
)

HTML = {"accept": "text/html"}


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, name
    return found.group(1).replace("&amp;", "&")


def test_a_signed_out_visitor_signs_in_and_comes_back_to_the_wallet_page(web: Web) -> None:
    user = add_user(web.engine, "Awa", "awa@example.org")
    add_wallet(web.engine, user)
    visitor = web.client
    sent_away = visitor.get("/portefeuille/partager?badge=b1", follow_redirects=False)
    assert sent_away.status_code == 303
    location = urlsplit(sent_away.headers["location"])
    assert location.path == "/connexion"
    assert parse_qs(location.query) == {"suivant": ["/portefeuille/partager?badge=b1"]}

    page = visitor.get(sent_away.headers["location"])
    assert _hidden(page.text, "suivant") == "/portefeuille/partager?badge=b1"
    visitor.post(
        "/connexion",
        data={
            "email": "awa@example.org",
            "suivant": _hidden(page.text, "suivant"),
            "csrf_token": csrf_of(page.text),
        },
    )
    with session_scope(web.engine, write=False) as session:
        body = session.exec(select(OutboxMessage.body)).one()
    link = urlsplit(re.search(r"http://testserver(/connexion/lien/\S+)", body).group(1))  # type: ignore[union-attr]
    button = visitor.get(f"{link.path}?{link.query}")
    opened = visitor.post(
        link.path,
        data={"suivant": _hidden(button.text, "suivant"), "csrf_token": csrf_of(button.text)},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == "/portefeuille/partager?badge=b1"
    assert visitor.get(opened.headers["location"]).status_code == 200


def test_a_form_sent_once_signed_out_leads_to_sign_in_then_the_wallet(web: Web) -> None:
    page = web.client.get("/connexion")
    answer = web.client.post(
        "/portefeuille/partager",
        data={"badge": "b1", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/connexion?suivant=%2Fportefeuille"


def test_someone_signed_in_without_a_wallet_role_gets_a_403_page_in_french(web: Web) -> None:
    employer = add_user(web.engine, "Emma", "emma@example.org")
    add_member(
        web.engine, employer, add_org(web.engine, "bati-plus", issuing=False), MemberRole.ADMIN
    )
    client = signed_in(web, employer)
    for path in ("/portefeuille/partager", "/portefeuille/exporter", "/portefeuille/supprimer"):
        refused = client.get(path, headers=HTML, follow_redirects=False)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
        assert '<html lang="fr"' in refused.text
        assert "<h1>Action non autorisée</h1>" in refused.text
        assert "Votre compte ne permet pas cette action." in refused.text
    english = client.get("/portefeuille/partager", headers={**HTML, "accept-language": "en"})
    assert english.status_code == 403
    assert '<html lang="en"' in english.text
    assert "Your account does not allow this action." in english.text
    problem = client.get("/portefeuille/partager", headers={"accept": "application/json"})
    assert problem.status_code == 403
    assert problem.json()["code"] == "forbidden"


def test_the_holder_opens_the_wallet_pages(web: Web) -> None:
    user = add_user(web.engine, "Awa", "awa@example.org")
    add_wallet(web.engine, user)
    holder = signed_in(web, user)
    for path in ("/portefeuille/partager", "/portefeuille/supprimer", "/portefeuille"):
        assert holder.get(path, headers=HTML).status_code == 200, path


def test_an_organisation_member_opens_the_custody_page_but_a_beneficiary_does_not(
    web: Web,
) -> None:
    trainer = add_user(web.engine, "Théo", "theo@example.org")
    add_member(web.engine, trainer, add_org(web.engine, "cfa-sud", issuing=True), MemberRole.ISSUER)
    beneficiary = add_user(web.engine, "Awa", "awa@example.org")
    add_wallet(web.engine, beneficiary)
    assert signed_in(web, trainer).get("/portefeuille/accompagnement").status_code == 200
    refused = signed_in(web, beneficiary).get("/portefeuille/accompagnement", headers=HTML)
    assert refused.status_code == 403
    assert "Action non autorisée" in refused.text
