"""Employer and beneficiary matching journeys in headless Chromium, desktop and phone, with
axe-core on every page visited (issue 8: « employer sees a ranked candidate with reasons »).

- The demo employer describes a job from the referentials (search by words, confirm a
  proposal by ticking it, publish) and sees the demo beneficiary — who agreed to be found —
  ranked with the reasons and the coverage bars.
- The demo beneficiary reads « Les métiers proches de vous » (what is missing, what to learn,
  the map of their competences) and withdraws from being found.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import Live
from tests.browser.test_journeys import Journey
from tests.browser.webdriver import Browser

pytestmark = pytest.mark.browser


def test_employer_describes_a_job_and_sees_a_ranked_candidate_with_reasons(
    browser: Browser, live: Live
) -> None:
    journey = Journey(browser, live)
    journey.open("/langue/fr?suivant=/")  # the browser asks for English; these checks read French
    journey.sign_in("employeur")
    journey.open("/employeur")
    browser.type("#titre", "Manœuvre sécurité")
    journey.submit("form[action='/employeur/postes']")
    assert "/employeur/postes/" in browser.url
    browser.type("#q", "sécurité chantier")
    journey.submit("form[action$='#chercher']")
    # Nothing is added until the employer ticks a proposal.
    assert "Aucune exigence pour l’instant" in browser.source
    browser.click("input[name=elements][value$='/blocks/B-SECU']")
    journey.submit("form[action$='/exigences']")
    assert "Travailler en sécurité sur un chantier" in browser.text("#exigences + ul")
    journey.submit("form[action$='/statut']")
    assert "publiée" in browser.source
    journey.open(browser.url.split("#")[0].replace(live.base, "") + "/candidats")
    assert "1. Samir Bénéficiaire" in browser.text("main h2")
    page = browser.source
    assert "Complet : toutes les exigences obligatoires sont prouvées" in page
    assert "prouvé par le badge « Sécurité sur chantier »" in page
    assert browser.find_all("figure svg[role=img] title")
    assert browser.find_all("table.chart-table caption")
    assert journey.violations == {}


def test_beneficiary_reads_the_closest_jobs_and_withdraws_from_being_found(
    browser: Browser, live: Live
) -> None:
    journey = Journey(browser, live)
    journey.open("/langue/fr?suivant=/")  # the browser asks for English; these checks read French
    journey.sign_in("beneficiaire")
    journey.open("/metiers-proches")
    assert "Aide-maçon H/F" in browser.source
    assert "Ce qu’il vous reste à apprendre" in browser.source
    assert browser.find_all("svg[aria-labelledby='carte-titre carte-desc']")
    journey.open("/metiers-proches/visibilite")
    browser.click("#choix-non")
    journey.submit("main form")
    assert "Les employeurs ne vous voient plus" in browser.source
    browser.clear_cookies()
    journey.open("/langue/fr?suivant=/")
    journey.sign_in("employeur")
    journey.open("/employeur/postes/demo-aide-macon/candidats")
    assert "Samir" not in browser.source
    assert "Personne ne correspond pour l’instant." in browser.source
    assert journey.violations == {}
