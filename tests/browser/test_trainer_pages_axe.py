"""Every trainer page, in its ordinary and its error state, in headless Chromium on a desktop and
a phone: axe-core finds no serious or critical violation, and nothing scrolls sideways (reflow,
WCAG 1.4.10). The journeys themselves are in ``test_trainer_journeys.py``.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlmodel import select

from storage.engine import session_scope
from storage.tables import Achievement
from tests.browser.conftest import Live
from tests.browser.test_journeys import Journey
from tests.browser.webdriver import Browser

pytestmark = pytest.mark.browser

SIDEWAYS = "return document.documentElement.scrollWidth - window.innerWidth;"


class Pages(Journey):
    """A journey that also records pages that scroll sideways."""

    def __init__(self, browser: Browser, live: Live) -> None:
        super().__init__(browser, live)
        self.sideways: dict[str, int] = {}

    def check(self) -> None:
        super().check()
        overflow = int(self.browser.execute(SIDEWAYS) or 0)
        if overflow > 1:
            self.sideways[self.browser.url] = overflow


def _achievement(live: Live) -> str:
    with session_scope(live.engine, write=False) as session:
        rows = session.exec(select(Achievement)).all()
    return next(r.id for r in rows if r.name.startswith("Sécurité"))


def _file(path: Path) -> Path:
    rows = ["email;nom;preuve", "une@example.org;Une;Observé", "pas-une-adresse;Deux;Observé"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_every_trainer_page_passes_axe_and_reflows(
    browser: Browser, live: Live, tmp_path: Path
) -> None:
    pages = Pages(browser, live)
    pages.sign_in("formatrice")
    achievement = _achievement(live)
    for path in (
        "/formateur",
        "/formateur/realisations",
        "/formateur/realisations/nouvelle",
        "/formateur/realisations/nouvelle?referentiel=btp-blocs-exemple/1.0",
    ):
        pages.open(path)
    pages.submit("form[action='/formateur/realisations']")  # nothing ticked: the error state
    assert browser.find_all(".error-summary a")

    pages.open("/formateur/observer")
    pages.open(f"/formateur/observer/{achievement}")
    pages.submit("form#observation")  # empty: the error state
    assert browser.find_all(".error-summary a[href='#preuve']")
    browser.type("#preuve", "Port du casque vérifié sur le chantier.")
    browser.click("#destinataire_type-aucun")
    pages.submit("form#observation")
    assert browser.text("#code-reception")

    pages.open("/formateur/badges")
    browser.click_and_wait("table a")
    pages.check()
    pages.submit("form:has(input[value='revoke'])")  # no reason, no confirmation
    assert browser.find_all(".error-summary a")

    pages.open("/formateur/serie")
    browser.execute("document.getElementById('realisation').value = arguments[0];", achievement)
    browser.type("#fichier", str(_file(tmp_path / "groupe.csv")))
    pages.submit("form[action='/formateur/serie/verifier']")
    assert len(browser.find_all(".error-summary a[href^='#ligne-']")) == 1
    pages.submit("form[action='/formateur/serie/delivrer']")
    # The progress page finishes in place (the script polls; nothing to reload by hand).
    for _ in range(60):
        if "Envoi terminé" in browser.text("h1"):
            break
        time.sleep(0.25)
    assert "Envoi terminé" in browser.text("h1")
    assert "1 badge délivré" in browser.text("#avancement")
    assert browser.find_all("#suite a[href$='resultat.csv']")
    pages.check()

    assert pages.violations == {}
    assert pages.sideways == {}
