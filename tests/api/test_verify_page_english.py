"""The verification page and the accessibility statement in English for a visitor who chose it
(issue 8: « Languages: French by default, English; gettext/Babel catalogues »): the page is
marked ``lang="en"``, says the verdict and what the badge attests in English, keeps no French of
ours, and every message of both pages has its English translation. French stays the default;
badge text written right to left keeps its own direction (``dir="auto"``)."""

from __future__ import annotations

import json

from babel.messages.extract import extract_from_file
from fastapi.testclient import TestClient
from sqlmodel import select

from api.demo import seed_demo
from api.i18n import translations
from storage.engine import session_scope
from storage.tables import Credential
from tests.api.page_checks import structure_problems
from tests.api.test_wallet_i18n import _french_words
from tests.api.webapp_fixtures import Web
from tests.conftest import REPO

SOURCES = (
    ("jinja2", "api/templates/verifier.html"),
    ("jinja2", "api/templates/accessibilite.html"),
    ("python", "api/verify_routes.py"),
)
SAME_IN_ENGLISH = {"Dates"}


def _english(web: Web) -> TestClient:
    client = TestClient(web.app)
    client.cookies.set("atouts_lang", "en")
    return client


def _clean(html: str) -> None:
    assert structure_problems(html, lang="en") == []
    assert _french_words(html) == []


def test_every_message_of_the_verification_pages_has_an_english_translation() -> None:
    catalogue = translations("en")
    missing = []
    for method, path in SOURCES:
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for _line, message, _c, _x in extract_from_file(
            method, str(REPO / path), keywords={"_": None, "gettext": None}, options=options
        ):
            text = str(message)
            if catalogue.gettext(text) == text and text not in SAME_IN_ENGLISH:
                missing.append(f"{path}: {text}")
    assert missing == []


def test_an_employer_who_chose_english_verifies_a_badge_in_english(web: Web) -> None:
    seed_demo(web.app)
    with session_scope(web.engine, write=False) as session:
        badge = session.exec(select(Credential)).first()
    assert badge is not None
    client = _english(web)
    form = client.get("/verifier").text
    _clean(form)
    assert "Check the badge" in form

    checked = client.post("/verifier", data={"badge_text": badge.signed_text}).text
    _clean(checked)
    assert "What this badge attests" in checked
    assert "What we checked" in checked
    assert "Issued on" in checked
    assert "Vérifier un badge" not in checked

    empty = client.post("/verifier", data={}).text
    assert "Nothing was sent" in empty

    statement = client.get("/accessibilite").text
    _clean(statement)
    assert "Accessibility statement" in statement


def test_french_stays_the_default(web: Web) -> None:
    page = TestClient(web.app).get("/verifier").text
    assert '<html lang="fr"' in page
    assert "Vérifier le badge" in page


def test_badge_text_in_a_right_to_left_script_keeps_its_own_direction(web: Web) -> None:
    seed_demo(web.app)
    with session_scope(web.engine, write=False) as session:
        badge = session.exec(select(Credential)).first()
    assert badge is not None
    arabic = "السلامة في موقع البناء"
    document = json.loads(badge.signed_text)
    document["credentialSubject"]["achievement"]["name"] = arabic
    page = TestClient(web.app).post("/verifier", data={"badge_text": json.dumps(document)}).text
    assert f'<p class="badge-name" dir="auto">{arabic}</p>' in page
    assert "Badge authentique" not in page  # the changed copy is not genuine, but readable
