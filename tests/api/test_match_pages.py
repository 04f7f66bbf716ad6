"""« Les métiers proches de vous »: closest jobs, what is missing and the modules that close the
gap, the competence map, and the withdrawable choice to be found (issue 7 and 8). Both
databases (``web`` uses ``db_url``)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from api.demo import DEMO_PEOPLE, seed_demo
from matching import store
from storage.engine import session_scope
from storage.tables import AuditEvent, Consent, ConsentScope, MatchingOptIn, User
from tests.api.page_checks import english_words, structure_problems
from tests.api.test_employer_pages import (
    ATTITUDE,
    BTP,
    _add,
    _employer,
    _new_job,
    _publish,
    _synthetic_wallet,
)
from tests.api.webapp_fixtures import NOW, Web, add_user, csrf_of, signed_in


def _ok(response: object) -> str:
    html = str(response.text)  # type: ignore[attr-defined]
    assert response.status_code == 200, html[:400]  # type: ignore[attr-defined]
    assert structure_problems(html) == []
    assert english_words(html) == []
    return html


def _demo_beneficiary(web: Web) -> TestClient:
    seed_demo(web.app)
    email = next(p.email for p in DEMO_PEOPLE if p.key == "beneficiaire")
    with session_scope(web.engine, write=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
    return signed_in(web, user.id)


def test_beneficiary_sees_the_closest_job_what_is_missing_and_what_to_learn(web: Web) -> None:
    client = _demo_beneficiary(web)
    page = _ok(client.get("/metiers-proches"))
    assert "Aide-maçon H/F" in page
    assert "Vous avez tout ce qui est obligatoire." in page
    assert "Ce qu’il vous reste à apprendre" in page
    assert "Bloc « Construire des ouvrages en maçonnerie »" in page
    assert "prouvé par le badge « Sécurité sur chantier »" in page  # their own badge's name
    assert "Oui. Vous avez accepté d’être trouvé par les employeurs." in page
    # The competence map and its text version.
    assert 'aria-labelledby="carte-titre carte-desc"' in page
    assert "Être ponctuel et assidu : prouvée" in page
    assert "Avoir le sens du service : pas encore" in page


def test_optional_modules_of_a_required_certification_are_suggested(web: Web) -> None:
    employer = _employer(web)
    job_id = _new_job(employer, "Maçon confirmé")
    _add(employer, job_id, [f"{BTP}/certifications/CERT-MACON"])
    _publish(employer, job_id)
    user, _wallet = _synthetic_wallet(web, "Dina", [f"{BTP}/blocks/B-SECU"])
    page = _ok(signed_in(web, user).get("/metiers-proches"))
    assert "Maçon confirmé" in page
    assert "Module «" in page
    assert "Ce qui vous manque" in page


def test_a_person_without_badges_is_told_so_in_plain_words(web: Web) -> None:
    user, _wallet = _synthetic_wallet(web, "Éva", [])
    page = _ok(signed_in(web, user).get("/metiers-proches"))
    assert "Aucune offre ne correspond encore à vos badges." in page
    assert "Vous n’avez pas encore de badge vérifié." in page
    assert "Non. Les employeurs ne vous voient pas." in page


def _choose(client: TestClient, wallet: str, **fields: str) -> None:
    page = _ok(client.get("/metiers-proches/visibilite"))
    assert "Ce que les employeurs verront" in page
    done = client.post(
        "/metiers-proches/visibilite",
        data={"csrf_token": csrf_of(page), "portefeuille": wallet, **fields},
        follow_redirects=False,
    )
    assert done.status_code == 303
    _ok(client.get(done.headers["location"]))


def test_opting_in_shows_only_what_was_agreed_and_withdrawing_removes_at_once(web: Web) -> None:
    employer = _employer(web)
    job_id = _new_job(employer)
    _add(employer, job_id, [f"{BTP}/blocks/B-SECU", f"{ATTITUDE}/competences/SE01"])
    _publish(employer, job_id)
    user, wallet = _synthetic_wallet(web, "Fanny Discrète", [f"{BTP}/blocks/B-SECU"])
    person = signed_in(web, user)
    assert "Fanny" not in employer.get(f"/employeur/postes/{job_id}/candidats").text

    _choose(person, wallet, choix="oui")  # neither the name nor the badges' names ticked
    with session_scope(web.engine, write=False) as session:
        row = session.get(MatchingOptIn, wallet)
        assert row is not None
        assert row.disclosure == {"display_name": False, "badges": False}
    page = employer.get(f"/employeur/postes/{job_id}/candidats").text
    assert "Personne n° 1" in page
    assert "Fanny" not in page
    assert "Badge B-SECU" not in page
    assert "prouvé par un badge vérifié" in page

    _choose(person, wallet, choix="oui", montrer_nom="oui", montrer_badges="oui")
    page = employer.get(f"/employeur/postes/{job_id}/candidats").text
    assert "Fanny Discrète" in page
    assert "prouvé par le badge « Badge B-SECU »" in page

    _choose(person, wallet, choix="non")
    with session_scope(web.engine, write=False) as session:
        assert session.get(MatchingOptIn, wallet) is None
        actions = [
            row.action
            for row in session.exec(select(AuditEvent).where(AuditEvent.object_id == wallet))
        ]
    assert actions.count("matching.opt_in") == 2
    assert actions.count("matching.withdraw") == 1
    page = employer.get(f"/employeur/postes/{job_id}/candidats").text
    assert "Fanny" not in page
    assert "Personne n°" not in page


def test_a_counsellor_sees_a_persons_jobs_but_only_the_person_chooses_visibility(
    web: Web,
) -> None:
    person, wallet = _synthetic_wallet(web, "Gaël", [f"{BTP}/blocks/B-SECU"])
    counsellor = add_user(web.engine, "Conseillère")
    with session_scope(web.engine) as session:
        session.add(
            Consent(
                wallet_id=wallet,
                scope=ConsentScope.CUSTODY,
                counsellor_user_id=counsellor,
                wording="Accompagnement",
                recorded_at=NOW,
            )
        )
    client = signed_in(web, counsellor)
    _ok(client.get("/metiers-proches", params={"portefeuille": wallet}))
    _other_person, other_wallet = _synthetic_wallet(web, "Iris", [])
    with session_scope(web.engine) as session:
        session.add(
            Consent(
                wallet_id=other_wallet,
                scope=ConsentScope.CUSTODY,
                counsellor_user_id=counsellor,
                wording="Accompagnement",
                recorded_at=NOW,
            )
        )
    page = _ok(client.get("/metiers-proches", params={"portefeuille": wallet}))
    assert f'href="/metiers-proches?portefeuille={other_wallet}">Portefeuille</a>' in page
    assert f'href="/metiers-proches?portefeuille={wallet}"' not in page
    page = _ok(client.get("/metiers-proches/visibilite", params={"portefeuille": wallet}))
    assert "Seule la personne qui a les badges peut faire ce choix." in page
    token = csrf_of(client.get("/mon-espace").text)  # no form on that page: take one
    refused = client.post(
        "/metiers-proches/visibilite",
        data={"csrf_token": token, "portefeuille": wallet, "choix": "oui"},
        headers={"accept": "application/json"},
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    with session_scope(web.engine, write=False) as session:
        assert store.opted_in_holders(session) == []
    stranger, _other = _synthetic_wallet(web, "Hugo", [])
    assert (
        signed_in(web, stranger)
        .get("/metiers-proches", params={"portefeuille": wallet})
        .status_code
        == 404
    )
    assert person  # the holder keeps the choice


def test_pages_need_a_beneficiary_or_a_counsellor(web: Web) -> None:
    anonymous = web.client.get("/metiers-proches", headers={"accept": "application/json"})
    assert anonymous.status_code == 401
    assert _employer(web).get("/metiers-proches").status_code == 403
    assert _employer(web, "autre").get("/metiers-proches/visibilite").status_code == 403


def test_pages_share_one_index_that_is_not_rebuilt_per_page_load(web: Web) -> None:
    client = _demo_beneficiary(web)
    _ok(client.get("/metiers-proches"))
    index = web.app.state.matching_index
    matcher, builds, loads = index.matcher, index.graph_builds, index.job_loads
    assert loads >= 1
    for _ in range(3):
        _ok(client.get("/metiers-proches"))
    assert (index.matcher, index.graph_builds, index.job_loads) == (matcher, builds, loads)
    # A new offer is added to the same index, alone.
    employer = _employer(web)
    job_id = _new_job(employer, "Agent de sécurité")
    _add(employer, job_id, [f"{BTP}/blocks/B-SECU"])
    _publish(employer, job_id)
    assert "Agent de sécurité" in _ok(client.get("/metiers-proches"))
    assert index.job_loads == loads + 1
    assert index.matcher is matcher
