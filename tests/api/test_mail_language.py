"""Sign-in e-mails speak the person's language: the language chosen on the site (cookie) when
they ask, else the one stored on their account, else the page's, else French; the outbox
(``atouts outbox send``) delivers them as written."""

from __future__ import annotations

import email
import email.policy
import logging
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from fastapi.testclient import TestClient
from sqlmodel import select

from api.i18n import translations
from cli.main import main
from storage.engine import session_scope
from storage.tables import OutboxMessage, User
from tests.api.webapp_fixtures import Web, add_user, add_wallet, csrf_of, signed_in
from tests.conftest import REPO

ENGLISH_SIGN_IN = (
    "Hello,\n\nTo sign in, tap this link:\n{link}\n\n"
    "The link works once, for 15 minutes.\nYou did not ask for it? Do nothing.\n"
)
FRENCH_SIGN_IN = (
    "Bonjour,\n\nPour vous connecter, touchez ce lien :\n{link}\n\n"
    "Le lien marche une seule fois, pendant 15 minutes.\n"
    "Vous n'avez rien demandé ? Ne faites rien.\n"
)


def _ask_sign_in_link(client: TestClient, address: str, **headers: str) -> None:
    page = client.get("/connexion", headers=headers)
    answer = client.post(
        "/connexion", data={"email": address, "csrf_token": csrf_of(page.text)}, headers=headers
    )
    assert answer.status_code == 200


def _ask_wallet_link(client: TestClient, address: str) -> None:
    page = client.get("/portefeuille")
    answer = client.post(
        "/portefeuille/lien-magique", data={"email": address, "csrf_token": csrf_of(page.text)}
    )
    assert answer.status_code == 200


def _outbox(web: Web) -> list[OutboxMessage]:
    with session_scope(web.engine, write=False) as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))  # type: ignore[arg-type]


def _link(body: str) -> str:
    found = re.search(r"http://testserver/\S+", body)
    assert found
    return found.group(0)


def _set_locale(web: Web, user_id: str, locale: str) -> None:
    with session_scope(web.engine) as session:
        user = session.get(User, user_id)
        assert user is not None
        user.locale = locale
        session.add(user)


def test_a_sign_in_link_asked_with_english_chosen_is_written_in_english(
    web: Web, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_user(web.engine, "Ana", "ana@example.org")
    web.client.cookies.set("atouts_lang", "en")
    _ask_sign_in_link(web.client, "ana@example.org")
    [message] = _outbox(web)
    assert message.subject == "Your atouts sign-in link"
    assert message.body == ENGLISH_SIGN_IN.format(link=_link(message.body))
    assert message.payload["language"] == "en"

    # What the outbox delivers is what was written.
    monkeypatch.setenv("ATOUTS_DATABASE_URL", web.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path))
    folder = tmp_path / "mails"
    assert main(["outbox", "send", "--via", "file", "--dir", str(folder)]) == 0
    [eml] = folder.glob("*.eml")
    sent = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert sent["Subject"] == "Your atouts sign-in link"
    assert sent["To"] == "ana@example.org"
    assert sent.get_body().get_content() == message.body  # type: ignore[union-attr]


def test_a_sign_in_link_is_in_french_when_no_language_was_chosen(web: Web) -> None:
    add_user(web.engine, "Ana", "ana@example.org")
    _ask_sign_in_link(web.client, "ana@example.org")
    [message] = _outbox(web)
    assert message.subject == "Votre lien de connexion à atouts"
    assert message.body == FRENCH_SIGN_IN.format(link=_link(message.body))


def test_the_language_stored_on_the_account_is_used_unless_another_is_chosen_now(
    web: Web,
) -> None:
    user = add_user(web.engine, "Ana", "ana@example.org")
    _set_locale(web, user, "en")
    _ask_sign_in_link(web.client, "ana@example.org")  # a new device: no choice remembered
    web.client.cookies.set("atouts_lang", "fr")
    _ask_sign_in_link(web.client, "ana@example.org")
    subjects = [m.subject for m in _outbox(web)]
    assert subjects == ["Your atouts sign-in link", "Votre lien de connexion à atouts"]


def test_a_browser_asking_for_english_pages_gets_an_english_e_mail(web: Web) -> None:
    add_user(web.engine, "Ana", "ana@example.org")
    _ask_sign_in_link(web.client, "ana@example.org", **{"accept-language": "en-GB,en;q=0.8"})
    [message] = _outbox(web)
    assert message.subject == "Your atouts sign-in link"


def test_signing_in_with_a_chosen_language_stores_it_on_the_account(web: Web) -> None:
    user = add_user(web.engine, "Ana", "ana@example.org")
    web.client.cookies.set("atouts_lang", "en")
    _ask_sign_in_link(web.client, "ana@example.org")
    link = _link(_outbox(web)[0].body).removeprefix("http://testserver")
    button = web.client.get(link)
    opened = web.client.post(
        link, data={"csrf_token": csrf_of(button.text)}, follow_redirects=False
    )
    assert opened.status_code == 303
    with session_scope(web.engine, write=False) as session:
        stored = session.get(User, user)
        assert stored is not None
        assert stored.locale == "en"
    other_device = TestClient(web.app)
    _ask_sign_in_link(other_device, "ana@example.org")
    assert _outbox(web)[-1].subject == "Your atouts sign-in link"


def _locale(web: Web, user_id: str) -> str:
    with session_scope(web.engine, write=False) as session:
        stored = session.get(User, user_id)
        assert stored is not None
        return stored.locale


def test_choosing_a_language_while_signed_in_keeps_it_on_the_account_for_e_mails(
    web: Web,
) -> None:
    user = add_user(web.engine, "Ana", "ana@example.org")
    person = signed_in(web, user)
    chosen = person.get("/langue/en", params={"suivant": "/mon-espace"}, follow_redirects=False)
    assert (chosen.status_code, chosen.headers["location"]) == (303, "/mon-espace")
    assert _locale(web, user) == "en"
    other_device = TestClient(web.app)  # no cookie there: the account's choice decides
    _ask_sign_in_link(other_device, "ana@example.org")
    assert _outbox(web)[-1].subject == "Your atouts sign-in link"

    person.get("/langue/xx", follow_redirects=False)  # not a language: nothing changes
    assert _locale(web, user) == "en"
    person.get("/langue/fr", follow_redirects=False)
    assert _locale(web, user) == "fr"


def test_choosing_a_language_signed_out_only_sets_the_cookie(web: Web) -> None:
    user = add_user(web.engine, "Ana", "ana@example.org")
    visitor = TestClient(web.app)
    chosen = visitor.get("/langue/en", follow_redirects=False)
    assert chosen.status_code == 303
    assert visitor.cookies.get("atouts_lang") == "en"
    assert _locale(web, user) == "fr"


def test_a_wallet_link_speaks_the_holders_language(web: Web) -> None:
    user = add_user(web.engine, "Awa", "awa@example.org")
    add_wallet(web.engine, user)
    _ask_wallet_link(web.client, "awa@example.org")
    web.client.cookies.set("atouts_lang", "en")
    _ask_wallet_link(web.client, "awa@example.org")
    program = TestClient(web.app)
    answer = program.post(
        "/api/wallet/login/magic-link",
        json={"email": "awa@example.org"},
        headers={"accept-language": "en"},
    )
    assert answer.status_code == 202
    french, english, from_program = _outbox(web)
    assert french.subject == "Votre lien pour ouvrir vos badges"
    assert french.body.startswith("Bonjour Awa,\n\nPour ouvrir vos badges, touchez ce lien :\n")
    assert "pendant 20 minutes." in french.body
    for message in (english, from_program):
        assert message.subject == "Your link to open your badges"
        assert message.body == (
            f"Hello Awa,\n\nTo open your badges, tap this link:\n{_link(message.body)}\n\n"
            "The link works once, for 20 minutes.\nYou did not ask for it? Do nothing.\n"
        )


def test_asking_for_a_link_logs_no_address(web: Web, caplog: pytest.LogCaptureFixture) -> None:
    add_user(web.engine, "Ana", "ana@example.org")
    web.client.cookies.set("atouts_lang", "en")
    with caplog.at_level(logging.DEBUG):
        _ask_sign_in_link(web.client, "ana@example.org")
        _ask_sign_in_link(web.client, "inconnu@example.org")
    assert "@example.org" not in caplog.text
    assert "/connexion/lien/" not in caplog.text


def test_every_e_mail_text_has_an_english_translation() -> None:
    catalogue = translations("en")
    path = REPO / "api" / "mail_texts.py"
    messages = [m for _line, m, _c, _ctx in extract_from_file("python", str(path))]
    assert len(messages) >= 8
    assert [m for m in messages if catalogue.gettext(m) == m] == []
