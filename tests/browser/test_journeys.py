"""Journeys in headless Chromium, desktop and phone, with axe-core on every page visited.

- Employer verifies an uploaded baked PNG on the verification page.
- Beneficiary signs in, shares a badge; the employer opens the shared link and sees the
  verdicts; the beneficiary withdraws the link and it stops working.
- Trainer signs in, reads a referential with its structure diagram, starts a new version, adds
  a co-defining organisation and a competence, and publishes it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from badges.baking import bake_png
from issuer.images import badge_png
from storage.engine import session_scope
from storage.tables import Credential
from tests.browser.axe import serious_violations
from tests.browser.conftest import Live
from tests.browser.webdriver import Browser

pytestmark = pytest.mark.browser


# Findings already reported to the page's owner: (path fragment, finding id) -> what is wrong.
# A journey that meets one ends as an expected failure with that reason, never silently.
KNOWN: dict[tuple[str, str], str] = {}


class Journey:
    """Visits pages and collects axe findings for each one."""

    def __init__(self, browser: Browser, live: Live) -> None:
        self.browser = browser
        self.live = live
        self.violations: dict[str, list[dict[str, Any]]] = {}

    def check(self) -> None:
        found = serious_violations(self.browser)
        if getattr(self.browser, "viewport", "") == "phone":
            # WCAG 1.4.10 reflow: nothing wider than the phone's screen.
            wide = self.browser.execute(
                "return document.documentElement.scrollWidth > window.innerWidth + 1 || "
                "window.innerWidth > screen.width + 1;"
            )
            if wide:
                found.append(
                    {
                        "id": "reflow",
                        "impact": "serious",
                        "help": "the page is wider than the phone screen",
                    }
                )
        if found:
            self.violations[self.browser.url] = found

    def assert_clean(self) -> None:
        """No serious or critical finding, apart from the known ones (then: expected failure)."""
        unexpected: dict[str, list[dict[str, Any]]] = {}
        known: list[str] = []
        for url, found in self.violations.items():
            for finding in found:
                reason = next(
                    (
                        why
                        for (part, kind), why in KNOWN.items()
                        if part in url and kind == finding["id"]
                    ),
                    None,
                )
                if reason is None:
                    unexpected.setdefault(url, []).append(finding)
                else:
                    known.append(reason)
        assert unexpected == {}
        if known:
            pytest.xfail("; ".join(sorted(set(known))))

    def open(self, path: str) -> None:
        self.browser.get(self.live.base + path)
        self.check()

    def submit(self, form_css: str) -> None:
        self.browser.click_and_wait(f"{form_css} button[type=submit]")
        self.check()

    def sign_in(self, who: str) -> None:
        self.open(f"/demo/connexion/{who}")
        self.submit("main form")
        # A person whose only role is beneficiary skips the hub: it would hold one link.
        landing = "/portefeuille" if who == "beneficiaire" else "/mon-espace"
        assert self.browser.url.endswith(landing)


def test_employer_verifies_an_uploaded_baked_png(
    browser: Browser, live: Live, tmp_path: Path
) -> None:
    with session_scope(live.engine, write=False) as session:
        credential = session.exec(select(Credential)).first()
        assert credential is not None
        signed = credential.signed_text
    picture = tmp_path / "badge.png"
    picture.write_bytes(bake_png(badge_png("Sécurité"), signed))

    journey = Journey(browser, live)
    journey.open("/verifier")
    browser.type("#badge_file", str(picture))
    journey.submit("form[action='/verifier']")
    verdict = browser.text(".verdict h2")
    assert "Badge authentique" in verdict
    assert "Organisme de formation Démo" in browser.source
    journey.assert_clean()


def test_beneficiary_shares_and_withdraws_and_employer_opens_the_link(
    browser: Browser, live: Live
) -> None:
    journey = Journey(browser, live)
    journey.sign_in("beneficiaire")
    journey.open("/portefeuille")
    assert "Sécurité sur chantier" in browser.source
    journey.open("/portefeuille/partager")
    browser.click("input[name=badge]:not([disabled])")
    browser.type("#audience", "Entreprise Démo du Bâtiment")
    journey.submit("form[action='/portefeuille/partager/apercu']")
    journey.submit("form[action='/portefeuille/partager']")
    link = browser.execute("return document.querySelector('.share-link a').href;")
    assert "/p/" in link
    manage = browser.execute(
        "return document.querySelector(\"a[href^='/portefeuille/partages/']\").href;"
    )

    journey.open(link.replace(live.base, ""))  # the employer's view (same browser is enough)
    assert "Badge authentique" in browser.source

    journey.open(manage.replace(live.base, ""))
    journey.submit("form[action$='/retirer']")
    browser.get(link)
    assert "Badge authentique" not in browser.source
    journey.assert_clean()


def test_trainer_reads_a_referential_and_starts_a_new_version(browser: Browser, live: Live) -> None:
    journey = Journey(browser, live)
    journey.sign_in("formatrice")
    journey.open("/referentiels")
    journey.open("/referentials/btp-blocs-exemple/1.0")
    assert browser.find_all("svg[role=img] title")
    browser.type("#new-version", "1.1")
    journey.submit("form[action$='/brouillon']")
    assert browser.url.endswith("/referentials/btp-blocs-exemple/1.1")
    browser.type("#org-name", "Entreprise Démo du Bâtiment")
    journey.submit("form[action$='/organisations']")
    browser.type("#item-label", "Monter un échafaudage roulant")
    browser.type("#item-code", "MAC-ECHAF")
    browser.execute("document.getElementById('item-parent').value = 'MAC-B1';")
    journey.submit("form[action$='/elements']")
    assert "Monter un échafaudage roulant" in browser.source
    journey.submit("form[action$='/publication']")
    assert "Entreprise Démo du Bâtiment" in browser.source
    journey.assert_clean()
