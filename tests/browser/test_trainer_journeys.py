"""Trainer and employer journeys in headless Chromium (desktop and phone), axe-core on every page.

- Trainer issues a badge from an observation (criteria, evidence, no contact yet: a claim
  code); the beneficiary claims it on the claim page.
- Trainer bulk-issues a 20-row file with 2 bad rows: the check names both rows and links to
  them, the 18 others are issued.
Findings already reported to a page's owner are listed in ``test_journeys.KNOWN``.
- Employer sees the ranked candidate of the demo job, with reasons.
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


def _achievement(live: Live, name_start: str) -> str:
    with session_scope(live.engine, write=False) as session:
        rows = session.exec(select(Achievement)).all()
    return next(r.id for r in rows if r.name.startswith(name_start))


def test_trainer_issues_from_an_observation_and_the_person_claims_it(
    browser: Browser, live: Live
) -> None:
    journey = Journey(browser, live)
    journey.sign_in("formatrice")
    achievement = _achievement(live, "Sécurité")
    journey.open(f"/formateur/observer/{achievement}")
    browser.type("#preuve", "Port du casque et balisage vérifiés sur le chantier, le 2 mars.")
    browser.click("#destinataire_type-aucun")
    journey.submit("form#observation")
    code = browser.text("#code-reception").strip()
    assert len(code) >= 6

    browser.clear_cookies()  # the person, on her own phone
    journey.open("/reclamer")
    browser.type("#code", code)
    browser.type("#display_name", "Awa")
    journey.submit("form[action='/reclamer']")
    assert "Sécurité sur chantier" in browser.source
    journey.assert_clean()


def _batch_file(path: Path) -> Path:
    lines = ["email;nom;preuve"]
    for n in range(18):
        lines.append(f"stagiaire{n}@example.org;Stagiaire {n};Observé en atelier")
    lines.insert(6, "pas-une-adresse;Ligne fausse;Observé")
    lines.insert(15, "autre@@exemple;Autre ligne fausse;Observé")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_trainer_bulk_issues_twenty_rows_with_two_bad_ones(
    browser: Browser, live: Live, tmp_path: Path
) -> None:
    journey = Journey(browser, live)
    journey.sign_in("formatrice")
    journey.open("/formateur/serie")
    achievement = _achievement(live, "Sécurité")
    browser.execute("document.getElementById('realisation').value = arguments[0];", achievement)
    browser.type("#fichier", str(_batch_file(tmp_path / "groupe.csv")))
    journey.submit("form[action='/formateur/serie/verifier']")
    links = browser.find_all(".error-summary a[href^='#ligne-']")
    assert len(links) == 2
    journey.submit("form[action='/formateur/serie/delivrer']")
    for _ in range(100):
        if "Envoi terminé" in browser.text("h1"):
            break
        time.sleep(0.3)
        browser.get(browser.url)
    assert "Envoi terminé" in browser.text("h1")
    status = browser.text("#avancement")
    assert "18 badges délivrés" in status
    assert "2 lignes en erreur" in status
    journey.check()
    journey.assert_clean()


def test_employer_sees_the_ranked_candidate_with_reasons(browser: Browser, live: Live) -> None:
    journey = Journey(browser, live)
    journey.sign_in("employeur")
    journey.open("/employeur")
    journey.open("/employeur/postes/demo-aide-macon/candidats")
    first = browser.text("ol li.card h2")
    assert first.startswith("1.")
    assert "Sécurité sur chantier" in browser.source
    assert browser.find_all("ol li.card svg")
    journey.assert_clean()
