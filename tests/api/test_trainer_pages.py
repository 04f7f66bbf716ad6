# ruff: noqa: F811  (pytest fixtures imported from tests.api.trainer_fixtures are parameters)
"""The trainer's pages: define an achievement, observe and issue, revoke / suspend / reinstate,
and who may do what. Each journey ends with the real verifier's verdict."""

from __future__ import annotations

import re

from sqlmodel import select

from storage.engine import session_scope
from storage.tables import Achievement, Credential, MemberRole
from tests.api.page_checks import english_words, structure_problems
from tests.api.trainer_fixtures import (  # noqa: F401 - the fixture
    Trainer,
    form_post,
    hidden,
    person,
    trainer,
    verify_with_app,
)
from tests.api.webapp_fixtures import add_org

HTML = {"accept": "text/html"}


def _observe(t: Trainer, **fields: str) -> object:
    page = f"/formateur/observer/{t.achievement_id}"
    opened = t.client.get(page, headers=HTML)
    data = {
        "cle": hidden(opened.text, "cle"),
        "niveau": "N2",
        "preuve": "Arrivée à l'heure chaque matin pendant l'immersion du 2 au 6 mars.",
        "destinataire_type": "email",
        "destinataire": "lea.martin@example.org",
        "nom": "Léa Martin",
    }
    data.update(fields)
    return form_post(t.client, page, page, data)


def _issued_id(html: str) -> str:
    found = re.search(r"/formateur/badges/([A-Za-z0-9_-]+)/telecharger/", html)
    assert found, html
    return found.group(1)


def test_trainer_defines_an_achievement_from_a_whole_block(trainer: Trainer) -> None:
    page = "/formateur/realisations/nouvelle?referentiel=btp-blocs-exemple/1.0"
    shown = trainer.client.get(page, headers=HTML)
    assert "toutes ses compétences obligatoires" in shown.text
    response = form_post(
        trainer.client,
        page,
        "/formateur/realisations",
        {"referentiel": "btp-blocs-exemple/1.0", "elements": "MAC-B1", "nom": "Maçonnerie B1"},
    )
    assert response.status_code == 303, response.text
    listed = trainer.client.get(response.headers["location"], headers=HTML)
    assert "Le badge type « Maçonnerie B1 » est créé." in listed.text
    with session_scope(trainer.ctx.engine, write=False) as session:
        row = session.exec(select(Achievement).where(Achievement.name == "Maçonnerie B1")).one()
    # A block brings every one of its mandatory competences as alignments.
    assert len(row.achievement["alignment"]) > 1


def test_achievement_form_without_items_says_so_next_to_the_field(trainer: Trainer) -> None:
    page = "/formateur/realisations/nouvelle?referentiel=attitude-pro-reunion/1.0"
    response = form_post(
        trainer.client, page, "/formateur/realisations", {"referentiel": "attitude-pro-reunion/1.0"}
    )
    assert response.status_code == 422
    assert 'href="#elements-0"' in response.text
    assert 'id="elements-0"' in response.text
    assert structure_problems(response.text) == []


def test_observation_form_shows_the_criteria_and_the_levels(trainer: Trainer) -> None:
    page = trainer.client.get(f"/formateur/observer/{trainer.achievement_id}", headers=HTML)
    assert page.status_code == 200
    assert "Arrive à l&#39;heure" in page.text or "Arrive à l'heure" in page.text
    assert page.text.count('name="niveau"') == 3
    assert structure_problems(page.text) == []
    assert english_words(page.text) == []


def test_observation_issues_a_badge_that_verifies(trainer: Trainer) -> None:
    response = _observe(trainer)
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]
    html = response.text  # type: ignore[attr-defined]
    assert "/verifier?url=" in html
    assert structure_problems(html) == []
    badge_id = _issued_id(html)
    downloaded = trainer.client.get(f"/formateur/badges/{badge_id}/telecharger/json")
    assert downloaded.status_code == 200
    report = verify_with_app(trainer.client, downloaded.content)
    assert report.verdict == "verified", report.codes()
    png = trainer.client.get(f"/formateur/badges/{badge_id}/telecharger/png")
    assert png.content.startswith(b"\x89PNG")
    assert verify_with_app(trainer.client, png.content).verdict == "verified"
    svg = trainer.client.get(f"/formateur/badges/{badge_id}/telecharger/svg")
    assert b"<svg" in svg.content


def test_resubmitting_the_same_observation_issues_once(trainer: Trainer) -> None:
    page = f"/formateur/observer/{trainer.achievement_id}"
    opened = trainer.client.get(page, headers=HTML)
    data = {
        "csrf_token": hidden(opened.text, "csrf_token"),
        "cle": hidden(opened.text, "cle"),
        "niveau": "N1",
        "preuve": "Observé.",
        "destinataire_type": "telephone",
        "destinataire": "06 12 34 56 78",
    }
    first = trainer.client.post(page, data=data, headers=HTML)
    second = trainer.client.post(page, data=data, headers=HTML)
    assert first.status_code == second.status_code == 201
    assert _issued_id(first.text) == _issued_id(second.text)
    with session_scope(trainer.ctx.engine, write=False) as session:
        assert len(session.exec(select(Credential)).all()) == 1


def test_observation_errors_are_listed_at_the_top_and_next_to_each_field(
    trainer: Trainer,
) -> None:
    response = _observe(
        trainer, niveau="", preuve="", destinataire_type="email", destinataire="pas-une-adresse"
    )
    html = response.text  # type: ignore[attr-defined]
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "Il y a un problème" in html
    for field in ("niveau-0", "preuve"):
        assert f'href="#{field}"' in html
        assert f'id="{field}-erreur"' in html or f'id="{field}"' in html
    assert structure_problems(html) == []
    fixed = _observe(trainer, destinataire="pas-une-adresse")
    assert fixed.status_code == 422  # type: ignore[attr-defined]
    assert 'href="#destinataire"' in fixed.text  # type: ignore[attr-defined]
    assert "n&#39;est pas valide" in fixed.text or "n'est pas valide" in fixed.text  # type: ignore[attr-defined]


def test_badge_without_a_contact_gets_a_claim_code_and_a_printable_qr(trainer: Trainer) -> None:
    response = _observe(trainer, destinataire_type="aucun", destinataire="")
    html = response.text  # type: ignore[attr-defined]
    assert response.status_code == 201  # type: ignore[attr-defined]
    code = re.search(r'id="code-reception">([A-Z0-9-]+)<', html)
    assert code
    assert "<svg" in html
    printed = trainer.client.post(
        "/formateur/reception/imprimer",
        data={"csrf_token": hidden(html, "csrf_token"), "code": code.group(1), "badge": "x"},
        headers=HTML,
    )
    assert printed.status_code == 200
    assert code.group(1) in printed.text
    assert "<svg" in printed.text
    assert structure_problems(printed.text) == []
    detail = trainer.client.get(f"/formateur/badges/{_issued_id(html)}", headers=HTML)
    assert "pas encore utilisé" in detail.text


def test_revoke_needs_a_reason_and_a_confirmation_then_the_badge_is_revoked(
    trainer: Trainer,
) -> None:
    badge_id = _issued_id(_observe(trainer).text)  # type: ignore[attr-defined]
    page = f"/formateur/badges/{badge_id}"
    action = f"{page}/statut"
    refused = form_post(trainer.client, page, action, {"action": "revoke", "raison": ""})
    assert refused.status_code == 422
    assert 'href="#raison-revoke"' in refused.text
    assert 'href="#confirmation-revoke"' in refused.text
    done = form_post(
        trainer.client, page, action, {"action": "revoke", "raison": "doublon", "confirmation": "1"}
    )
    assert done.status_code == 303
    shown = trainer.client.get(done.headers["location"], headers=HTML)
    assert "Retiré (révoqué)" in shown.text
    assert "✖" in shown.text
    credential = trainer.client.get(f"{page}/telecharger/json").content
    report = verify_with_app(trainer.client, credential)
    assert report.verdict == "not_verified"
    assert "revoked" in report.codes()


def test_suspend_then_reinstate_a_suspendable_badge(trainer: Trainer) -> None:
    badge_id = _issued_id(_observe(trainer, suspendable="1").text)  # type: ignore[attr-defined]
    page = f"/formateur/badges/{badge_id}"
    suspended = form_post(
        trainer.client,
        page,
        f"{page}/statut",
        {"action": "suspend", "raison": "vérification en cours", "confirmation": "1"},
    )
    assert suspended.status_code == 303
    credential = trainer.client.get(f"{page}/telecharger/json").content
    assert "suspended" in verify_with_app(trainer.client, credential).codes()
    assert "Suspendu" in trainer.client.get(page, headers=HTML).text
    reinstated = form_post(trainer.client, page, f"{page}/statut", {"action": "reinstate"})
    assert reinstated.status_code == 303
    assert verify_with_app(trainer.client, credential).verdict == "verified"


def test_issued_list_finds_a_badge_by_name_and_state(trainer: Trainer) -> None:
    _observe(trainer, nom="Léa Martin")
    _observe(trainer, nom="Samir Benali", destinataire="samir@example.org")
    found = trainer.client.get("/formateur/badges?q=samir", headers=HTML)
    assert "Samir Benali" in found.text
    assert "Léa Martin" not in found.text
    assert "Valable" in found.text
    none = trainer.client.get("/formateur/badges?etat=revoked", headers=HTML)
    assert "Aucun badge ne correspond." in none.text
    assert structure_problems(found.text) == []
    assert english_words(found.text) == []


def test_an_employer_may_not_use_the_trainer_pages(trainer: Trainer) -> None:
    employer_org = add_org(trainer.ctx.engine, "entreprise-x", issuing=False)
    with session_scope(trainer.ctx.engine, write=False) as session:
        from storage.tables import Organisation

        slug = session.get(Organisation, employer_org).slug  # type: ignore[union-attr]
    employer = person(trainer, MemberRole.ADMIN, "rh@example.org", org_slug=slug)
    for path in ("/formateur/observer", f"/formateur/observer/{trainer.achievement_id}"):
        assert employer.get(path, headers=HTML).status_code == 403


def test_a_reviewer_reads_but_may_not_issue_or_revoke(trainer: Trainer) -> None:
    badge_id = _issued_id(_observe(trainer).text)  # type: ignore[attr-defined]
    reviewer = person(trainer, MemberRole.REVIEWER, "relecteur@example.org")
    page = reviewer.get(f"/formateur/badges/{badge_id}", headers=HTML)
    assert page.status_code == 200
    assert "Retirer ce badge" not in page.text
    token = "t" * 32  # a valid CSRF pair, so that only the role can refuse
    reviewer.cookies.set("atouts_csrf", token)
    refused = reviewer.post(
        f"/formateur/badges/{badge_id}/statut",
        data={"csrf_token": token, "action": "revoke", "raison": "x", "confirmation": "1"},
        headers=HTML,
    )
    assert refused.status_code == 403
    assert reviewer.get(f"/formateur/observer/{trainer.achievement_id}").status_code == 403


def test_a_trainer_of_another_organisation_cannot_touch_these_badges(trainer: Trainer) -> None:
    from issuer.orgs import create_organisation

    badge_id = _issued_id(_observe(trainer).text)  # type: ignore[attr-defined]
    create_organisation(trainer.ctx, slug="autre-of", name="Autre organisme")
    other = person(trainer, MemberRole.ISSUER, "autre@example.org", org_slug="autre-of")
    assert other.get(f"/formateur/badges/{badge_id}", headers=HTML).status_code == 403
    assert other.get(f"/formateur/badges/{badge_id}/telecharger/json").status_code == 403
    assert other.get(f"/formateur/observer/{trainer.achievement_id}").status_code == 403


def test_nobody_signed_in_is_asked_to_sign_in(trainer: Trainer) -> None:
    from fastapi.testclient import TestClient

    anonymous = TestClient(trainer.web.app)
    response = anonymous.get("/formateur/badges", headers=HTML)
    assert response.status_code == 401
    assert "/connexion" in response.text


def test_every_trainer_page_has_the_required_structure_in_french(trainer: Trainer) -> None:
    badge_id = _issued_id(_observe(trainer).text)  # type: ignore[attr-defined]
    pages = [
        "/formateur",
        "/formateur/realisations",
        "/formateur/realisations/nouvelle",
        "/formateur/realisations/nouvelle?referentiel=attitude-pro-reunion/1.0",
        "/formateur/observer",
        f"/formateur/observer/{trainer.achievement_id}",
        "/formateur/serie",
        "/formateur/badges",
        f"/formateur/badges/{badge_id}",
    ]
    for path in pages:
        response = trainer.client.get(path, headers=HTML)
        assert response.status_code == 200, path
        assert structure_problems(response.text) == [], path
        assert english_words(response.text) == [], path


def test_english_trainer_pages_are_translated(trainer: Trainer) -> None:
    trainer.client.cookies.set("atouts_lang", "en")
    for path in ("/formateur", "/formateur/serie", "/formateur/badges"):
        response = trainer.client.get(path, headers=HTML)
        assert structure_problems(response.text, lang="en") == [], path
        assert "Délivrer en série" not in response.text


SAME_IN_ENGLISH = {"Badge", "Observation", "Options", "version"}


def test_english_catalogue_translates_every_message_of_the_trainer_pages() -> None:
    from babel.messages.extract import extract_from_file

    from api.i18n import translations
    from tests.conftest import REPO

    catalogue = translations("en")
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    sources = [("python", p) for p in sorted((REPO / "api").glob("trainer_*.py"))] + [
        ("jinja2", p) for p in sorted((REPO / "api" / "templates" / "formateur").glob("*.html"))
    ]
    untranslated = []
    for method, path in sources:
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords, options=options
        ):
            if isinstance(message, tuple):
                missing = catalogue.ngettext(message[0], message[1], 2) == message[1]
                singular = message[0]
            else:
                missing = catalogue.gettext(message) == message
                singular = message
            if missing and singular not in SAME_IN_ENGLISH:
                untranslated.append(f"{path.name}: {singular}")
    assert untranslated == []


def test_an_employer_endorses_an_achievement_with_a_signed_endorsement(trainer: Trainer) -> None:
    from issuer.orgs import create_organisation
    from storage.tables import Job

    hotel = create_organisation(trainer.ctx, slug="hotel-lagon", name="Hôtel Lagon Exemple")
    with session_scope(trainer.ctx.engine) as session:
        session.add(Job(organisation_id=hotel.id, title="Réceptionniste", source={}))
    employer = person(trainer, MemberRole.ADMIN, "rh@hotel.example", org_slug="hotel-lagon")
    form = employer.get("/recommander", headers=HTML)
    assert form.status_code == 200
    assert structure_problems(form.text) == []
    assert english_words(form.text) == []
    empty = form_post(employer, "/recommander", "/recommander", {"sujet": "", "commentaire": ""})
    assert empty.status_code == 422
    assert 'href="#commentaire"' in empty.text
    done = form_post(
        employer,
        "/recommander",
        "/recommander",
        {
            "sujet": f"realisation:{trainer.achievement_id}",
            "commentaire": "Ce badge correspond à ce que nous attendons à l'accueil.",
        },
    )
    assert done.status_code == 201, done.text
    link = re.search(r'href="(http://testserver/[^"]+)">Voir la recommandation', done.text)
    assert link
    endorsement = employer.get(link.group(1).removeprefix("http://testserver"))
    assert verify_with_app(employer, endorsement.content).verdict == "verified"
    # A trainer is not an employer: the form is not theirs.
    assert trainer.client.get("/recommander", headers=HTML).status_code == 403


def test_a_state_is_words_and_an_icon_and_an_expired_badge_says_so() -> None:
    from datetime import UTC, datetime

    from api.trainer_common import status_view

    now = datetime(2026, 3, 2, tzinfo=UTC)
    assert status_view("active") == {"icon": "✔", "words": "Valable", "css": "etat-valable"}
    assert status_view("suspended")["words"] == "Suspendu"
    assert status_view("revoked")["icon"] == "✖"
    naive = datetime(2026, 3, 1, tzinfo=UTC).replace(tzinfo=None)  # as SQLite gives it back
    expired = status_view("active", valid_until=naive, now=now)
    assert expired["words"] == "Expiré"
    assert status_view("revoked", valid_until=naive, now=now)["icon"] == "✖"


def test_a_badge_is_corrected_by_a_new_version_that_replaces_it(trainer: Trainer) -> None:
    old_id = _issued_id(_observe(trainer, niveau="N1").text)  # type: ignore[attr-defined]
    detail = trainer.client.get(f"/formateur/badges/{old_id}", headers=HTML)
    link = re.search(r'href="(/formateur/observer/[^"]+\?remplace=[^"]+)"', detail.text)
    assert link
    page = link.group(1).replace("&amp;", "&")
    form = trainer.client.get(page, headers=HTML)
    assert 'value="lea.martin@example.org"' in form.text  # the person is already filled in
    assert structure_problems(form.text) == []
    data = {
        "cle": hidden(form.text, "cle"),
        "remplace": old_id,
        "niveau": "N3",
        "preuve": "Ponctualité confirmée sur six semaines.",
        "destinataire_type": "email",
        "destinataire": "lea.martin@example.org",
    }
    response = form_post(
        trainer.client, page, f"/formateur/observer/{trainer.achievement_id}", data
    )
    assert response.status_code == 201, response.text
    new_id = _issued_id(response.text)
    new = trainer.client.get(f"/formateur/badges/{new_id}/telecharger/json")
    old = trainer.client.get(f"/formateur/badges/{old_id}/telecharger/json")
    assert new.json()["id"] == old.json()["id"]  # OB 3.0 equality: the same credential id
    assert new.json()["validFrom"] > old.json()["validFrom"]
    assert verify_with_app(trainer.client, new.content).verdict == "verified"
    replaced = trainer.client.get(f"/formateur/badges/{old_id}", headers=HTML)
    assert "Une version plus récente remplace ce badge." in replaced.text
