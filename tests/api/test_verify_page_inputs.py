"""The verification page takes a badge however the employer has it (issue 8: « verify (paste,
upload, link, QR) »): pasted text, an uploaded JSON file or baked PNG/SVG image, a link typed in
the form, and the link a QR code opens (``/verifier?url=…``). Each gives the same verdict on a
genuine badge issued here, and the page is French and well formed."""

from __future__ import annotations

import pytest
from sqlmodel import select

from api.demo import seed_demo
from badges.baking import bake_png, bake_svg
from issuer.images import badge_png, badge_svg
from storage.engine import session_scope
from storage.tables import Credential
from tests.api.page_checks import english_words, structure_problems
from tests.api.webapp_fixtures import Web

HTML = {"accept": "text/html"}


def _demo_badge(web: Web) -> Credential:
    seed_demo(web.app)
    with session_scope(web.engine, write=False) as session:
        credential = session.exec(select(Credential)).first()
    assert credential is not None
    return credential


def _genuine(html: str) -> None:
    assert "Badge authentique" in html
    assert "Organisme de formation Démo" in html
    assert "Non valable" not in html
    assert structure_problems(html) == []
    assert english_words(html) == []


@pytest.mark.parametrize("how", ["texte", "json", "png", "svg", "lien"])
def test_a_genuine_badge_is_authentic_however_it_is_given(web: Web, how: str) -> None:
    badge = _demo_badge(web)
    text = badge.signed_text
    files = None
    data = {}
    if how == "texte":
        data = {"badge_text": text}
    elif how == "lien":
        data = {"badge_url": badge.credential_id}
    else:
        content, kind = {
            "json": (text.encode(), "application/json"),
            "png": (bake_png(badge_png("Sécurité"), text), "image/png"),
            "svg": (bake_svg(badge_svg("Sécurité"), text), "image/svg+xml"),
        }[how]
        files = {"badge_file": (f"badge.{how}", content, kind)}
    page = web.client.post("/verifier", data=data, files=files, headers=HTML)
    assert page.status_code == 200
    _genuine(page.text)


def test_the_link_a_qr_code_opens_verifies_the_badge(web: Web) -> None:
    badge = _demo_badge(web)
    page = web.client.get("/verifier", params={"url": badge.credential_id}, headers=HTML)
    assert page.status_code == 200
    _genuine(page.text)
    assert f'value="{badge.credential_id}"' in page.text  # the link stays in the form


def test_a_changed_badge_pasted_is_not_authentic_and_says_so_in_french(web: Web) -> None:
    badge = _demo_badge(web)
    changed = badge.signed_text.replace("Organisme de formation Démo", "Organisme Imité", 1)
    page = web.client.post("/verifier", data={"badge_text": changed}, headers=HTML)
    assert "Badge authentique" not in page.text
    assert "Non valable" in page.text
    assert structure_problems(page.text) == []
    assert english_words(page.text) == []
