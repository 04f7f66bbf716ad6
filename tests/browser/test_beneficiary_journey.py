"""The beneficiary's journey in headless Chromium, on a desktop and on a phone, axe-core on every
page (issue 8: « beneficiary claims, shares and withdraws »): a trainer hands out a claim code;
the person types it on the claim page and gets a wallet without e-mail, opens the badge,
shares it with an employer after the preview, the employer's view says « Badge authentique »,
the person reads who opened the link and withdraws it, and the link then shows nothing.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from api.issuer_public import issuer_context
from issuer.issuance import IssueSpec
from issuer.recipients import parse_recipient
from issuer.service import issue
from storage.engine import session_scope
from storage.tables import Achievement
from tests.browser.conftest import Live
from tests.browser.test_journeys import Journey
from tests.browser.webdriver import Browser

pytestmark = pytest.mark.browser


def _claim_code(live: Live) -> str:
    with session_scope(live.engine, write=False) as session:
        safety = next(r for r in session.exec(select(Achievement)) if r.name.startswith("Sécu"))
    issued = issue(
        issuer_context(live.app.state.settings, live.app),
        safety.id,
        IssueSpec(recipient=parse_recipient(None)),
    )
    assert issued.claim_code
    return str(issued.claim_code)


def test_beneficiary_claims_shares_and_withdraws(browser: Browser, live: Live) -> None:
    code = _claim_code(live)
    journey = Journey(browser, live)
    journey.open("/langue/fr?suivant=/")
    journey.open("/reclamer")
    browser.type("#code", code)
    browser.type("#display_name", "Awa")
    journey.submit("form[action='/reclamer']")
    assert "Sécurité sur chantier" in browser.source

    journey.open("/portefeuille")
    assert "Bonjour Awa" in browser.source
    badge = "a[href^='/portefeuille/badges/']"
    journey.open(browser.execute(f'return document.querySelector("{badge}").getAttribute("href");'))
    assert "Badge authentique" in browser.source

    journey.open("/portefeuille/partager")
    browser.click("input[name=badge]:not([disabled])")
    browser.type("#audience", "Entreprise Démo du Bâtiment")
    journey.submit("form[action='/portefeuille/partager/apercu']")
    journey.submit("form[action='/portefeuille/partager']")
    link = browser.execute("return document.querySelector('.share-link a').href;")
    manage = browser.execute(
        "return document.querySelector(\"a[href^='/portefeuille/partages/']\").href;"
    )

    journey.open(link.replace(live.base, ""))  # the employer's view
    assert "Badge authentique" in browser.source
    assert "Awa" in browser.source

    journey.open(manage.replace(live.base, ""))
    assert "ouvert" in browser.source  # the access log shows the employer's visit
    journey.submit("form[action$='/retirer']")
    journey.open(link.replace(live.base, ""))
    assert "Ce lien ne montre plus rien" in browser.source
    assert "Awa" not in browser.source
    journey.assert_clean()
