"""The employer's pages: describe a job from the referentials, publish it, see ranked candidates
who agreed to be found, with reasons and gaps (issue 7 and 8). Run on both databases (``web``
uses ``db_url``)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import select

from api.demo import DEMO_PEOPLE, seed_demo
from matching import store
from matching.model import Holding, Requirement
from storage.engine import session_scope
from storage.tables import MemberRole, User, Wallet, WalletItem, WalletItemSource
from tests.api.page_checks import english_words, structure_problems
from tests.api.webapp_fixtures import (
    NOW,
    Web,
    add_member,
    add_org,
    add_user,
    add_wallet,
    csrf_of,
    signed_in,
)

BASE = "http://testserver"
BTP = f"{BASE}/referentials/btp-blocs-exemple/1.0"
ATTITUDE = f"{BASE}/referentials/attitude-pro-reunion/1.0"


def _page_ok(response: object) -> str:
    html = response.text  # type: ignore[attr-defined]
    assert response.status_code == 200, html[:500]  # type: ignore[attr-defined]
    assert structure_problems(html) == []
    assert english_words(html) == []
    return str(html)


def _employer(web: Web, slug: str = "entreprise") -> TestClient:
    user = add_user(web.engine, f"Employeur {slug}")
    org = add_org(web.engine, slug, issuing=False)
    add_member(web.engine, user, org, MemberRole.ADMIN)
    return signed_in(web, user)


def _new_job(client: TestClient, title: str = "Aide-maçon H/F") -> str:
    home = client.get("/employeur")
    created = client.post(
        "/employeur/postes",
        data={"csrf_token": csrf_of(home.text), "titre": title, "description": "Chantiers."},
        follow_redirects=False,
    )
    assert created.status_code == 303
    return str(created.headers["location"]).rsplit("/", 1)[1]


def _add(client: TestClient, job_id: str, nodes: list[str], *, mandatory: bool = True) -> None:
    page = client.get(f"/employeur/postes/{job_id}")
    response = client.post(
        f"/employeur/postes/{job_id}/exigences",
        data={
            "csrf_token": csrf_of(page.text),
            "elements": nodes,
            "obligatoire": "oui" if mandatory else "non",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303


def _publish(client: TestClient, job_id: str) -> None:
    page = client.get(f"/employeur/postes/{job_id}")
    done = client.post(
        f"/employeur/postes/{job_id}/statut",
        data={"csrf_token": csrf_of(page.text), "statut": "open"},
        follow_redirects=False,
    )
    assert done.status_code == 303


def test_employer_describes_a_job_by_words_and_by_browsing_then_publishes_it(web: Web) -> None:
    client = _employer(web)
    _page_ok(client.get("/employeur"))
    job_id = _new_job(client)
    page = _page_ok(client.get(f"/employeur/postes/{job_id}"))
    assert "Ajoutez au moins une exigence avant de publier." in page

    # Words give proposals, none ticked: nothing is added until the employer confirms.
    found = _page_ok(client.get(f"/employeur/postes/{job_id}", params={"q": "sécurité chantier"}))
    proposed = re.findall(r'name="elements" value="([^"]+)"', found)
    assert f"{BTP}/blocks/B-SECU" in proposed
    assert "checked" not in re.sub(r'value="(oui|non)" checked', "", found)
    with session_scope(web.engine, write=False) as session:
        job = store.get_job(session, job_id)
    assert job is not None
    assert job.requirements == ()

    _add(client, job_id, [f"{BTP}/blocks/B-SECU"])
    browse = _page_ok(
        client.get(f"/employeur/postes/{job_id}", params={"referentiel": "btp-blocs-exemple/1.0"})
    )
    assert f'value="{BTP}/blocks/MAC-B1"' in browse
    assert "Construire des ouvrages en maçonnerie" in browse
    _add(client, job_id, [f"{BTP}/blocks/MAC-B1"], mandatory=False)
    _publish(client, job_id)
    with session_scope(web.engine, write=False) as session:
        job = store.get_job(session, job_id)
    assert job is not None
    assert job.status == "open"
    assert [(r.node, r.mandatory) for r in job.requirements] == [
        (f"{BTP}/blocks/B-SECU", True),
        (f"{BTP}/blocks/MAC-B1", False),
    ]
    listing = _page_ok(client.get("/employeur"))
    assert "Aide-maçon H/F" in listing
    assert "publiée" in listing


def test_a_requirement_can_be_made_optional_given_a_level_and_removed(web: Web) -> None:
    client = _employer(web)
    job_id = _new_job(client, "Agent d'accueil")
    _add(client, job_id, [f"{ATTITUDE}/competences/SE01", f"{ATTITUDE}/competences/SE02"])
    page = client.get(f"/employeur/postes/{job_id}")
    level = re.search(r'<option value="(\d+)">', page.text)
    assert level, "the referential's levels are offered"
    token = csrf_of(page.text)
    client.post(
        f"/employeur/postes/{job_id}/exigences/0",
        data={"csrf_token": token, "obligatoire": "non", "niveau": level.group(1)},
    )
    client.post(
        f"/employeur/postes/{job_id}/exigences/1", data={"csrf_token": token, "action": "retirer"}
    )
    with session_scope(web.engine, write=False) as session:
        job = store.get_job(session, job_id)
    assert job is not None
    assert [(r.node, r.mandatory, r.level) for r in job.requirements] == [
        (f"{ATTITUDE}/competences/SE01", False, level.group(1))
    ]


def test_publishing_needs_a_requirement_and_forms_need_csrf(web: Web) -> None:
    client = _employer(web)
    job_id = _new_job(client)
    page = client.get(f"/employeur/postes/{job_id}")
    refused = client.post(
        f"/employeur/postes/{job_id}/statut",
        data={"csrf_token": csrf_of(page.text), "statut": "open"},
        headers={"accept": "application/json"},
    )
    assert refused.status_code == 422
    no_token = client.post(
        f"/employeur/postes/{job_id}/exigences",
        data={"elements": [f"{BTP}/blocks/B-SECU"]},
        headers={"accept": "application/json"},
    )
    assert no_token.status_code == 403
    assert no_token.json()["code"] == "csrf_failed"


def test_pages_need_the_employer_role_and_hide_other_organisations_jobs(web: Web) -> None:
    assert web.client.get("/employeur", headers={"accept": "application/json"}).status_code == 401
    person = add_user(web.engine, "Bénéficiaire")
    add_wallet(web.engine, person)
    beneficiary = signed_in(web, person)
    assert beneficiary.get("/employeur").status_code == 403
    first = _employer(web, "premiere")
    job_id = _new_job(first)
    second = _employer(web, "seconde")
    assert second.get(f"/employeur/postes/{job_id}").status_code == 404
    assert second.get(f"/employeur/postes/{job_id}/candidats").status_code == 404
    assert beneficiary.get(f"/employeur/postes/{job_id}/candidats").status_code == 403


def _demo_employer(web: Web) -> TestClient:
    seed_demo(web.app)
    email = next(p.email for p in DEMO_PEOPLE if p.key == "employeur")
    with session_scope(web.engine, write=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
    return signed_in(web, user.id)


def test_employer_sees_an_opted_in_beneficiary_ranked_with_reasons_and_gaps(web: Web) -> None:
    client = _demo_employer(web)
    page = _page_ok(client.get("/employeur/postes/demo-aide-macon/candidats"))
    assert "Samir Bénéficiaire" in page  # the demo beneficiary agreed to show their name
    assert "Score : " in page
    assert "Complet : toutes les exigences obligatoires sont prouvées" in page
    assert "prouvé par le badge « Sécurité sur chantier »" in page
    assert "Sécurité sur chantier (obligatoire) : prouvé, 100 %" in page
    assert "Maçonnerie : premier bloc (facultatif) : pas encore, 0 %" in page
    assert "Ce qui manque" in page
    assert "(facultatif)" in page
    assert 'role="img"' in page
    assert "<caption>Couverture par bloc" in page


def _synthetic_wallet(web: Web, name: str, nodes: list[str]) -> tuple[str, str]:
    """A person whose wallet holds verified badges asserting ``nodes`` (one per node)."""
    user = add_user(web.engine, name)
    wallet = add_wallet(web.engine, user)
    for node in nodes:
        _badge(web, wallet, node)
    return user, wallet


def _badge(
    web: Web, wallet: str, node: str, verdict: str = "verified", level: int | None = None
) -> None:
    with session_scope(web.engine) as session:
        item = WalletItem(
            wallet_id=wallet,
            original_bytes=b"{}",
            media_type="application/json",
            content_sha256="0" * 64,
            issuer_id="did:example:issuer",
            credential_id=f"urn:uuid:{wallet}-{node.rsplit('/', 1)[1]}-{verdict}",
            verdict=verdict,
            verification_report={},
            verified_at=NOW,
            summary={"name": f"Badge {node.rsplit('/', 1)[1]}"},
            source=WalletItemSource.IMPORT,
        )
        session.add(item)
        session.flush()
        holding = Holding(node, item.credential_id, level)
        store.record_holdings(session, wallet, item.id, [holding])


def _opt_in(web: Web, user: str, wallet: str, choice: str = "oui") -> None:
    client = signed_in(web, user)
    page = client.get("/metiers-proches/visibilite")
    done = client.post(
        "/metiers-proches/visibilite",
        data={
            "csrf_token": csrf_of(page.text),
            "portefeuille": wallet,
            "choix": choice,
            "montrer_nom": "oui",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303


def _scores(html: str) -> dict[str, int]:
    found = re.findall(r"<h2>\d+\. ([^<]+)</h2>\s*<p><span class=\"score\">Score : (\d+)", html)
    return {name: int(score) for name, score in found}


def test_only_opted_in_people_appear_and_withdrawing_removes_them(web: Web) -> None:
    employer = _employer(web)
    job_id = _new_job(employer)
    _add(employer, job_id, [f"{BTP}/blocks/B-SECU", f"{ATTITUDE}/competences/SE01"])
    _publish(employer, job_id)
    alice, alice_wallet = _synthetic_wallet(web, "Alice Volontaire", [f"{BTP}/blocks/B-SECU"])
    _bob, _ = _synthetic_wallet(web, "Bob Discret", [f"{BTP}/blocks/B-SECU"])
    _opt_in(web, alice, alice_wallet)
    page = _page_ok(employer.get(f"/employeur/postes/{job_id}/candidats"))
    assert list(_scores(page)) == ["Alice Volontaire"]
    assert "Bob Discret" not in page
    _opt_in(web, alice, alice_wallet, "non")
    page = _page_ok(employer.get(f"/employeur/postes/{job_id}/candidats"))
    assert _scores(page) == {}
    assert "Alice Volontaire" not in page


def test_an_unverified_badge_counts_for_nothing_and_a_new_badge_never_lowers_the_score(
    web: Web,
) -> None:
    employer = _employer(web)
    job_id = _new_job(employer)
    _add(employer, job_id, [f"{BTP}/blocks/B-SECU", f"{ATTITUDE}/competences/SE01"])
    _add(employer, job_id, [f"{BTP}/blocks/MAC-B1"], mandatory=False)
    _publish(employer, job_id)
    user, wallet = _synthetic_wallet(web, "Chloé Progrès", [f"{ATTITUDE}/competences/SE01"])
    _opt_in(web, user, wallet)
    with session_scope(web.engine, write=False) as session:
        assert session.get(Wallet, wallet) is not None
    seen = [_scores(employer.get(f"/employeur/postes/{job_id}/candidats").text)["Chloé Progrès"]]
    _badge(web, wallet, f"{BTP}/blocks/MAC-B1", verdict="not_verified")
    seen.append(
        _scores(employer.get(f"/employeur/postes/{job_id}/candidats").text)["Chloé Progrès"]
    )
    assert seen[1] == seen[0]  # a badge that does not verify asserts nothing
    for node in (f"{BTP}/blocks/MAC-B1", f"{BTP}/blocks/B-SECU", f"{ATTITUDE}/competences/SE02"):
        _badge(web, wallet, node)
        page = employer.get(f"/employeur/postes/{job_id}/candidats").text
        seen.append(_scores(page)["Chloé Progrès"])
    assert seen == sorted(seen)
    assert seen[-1] == 100
    assert "Complet" in page


def test_a_lower_level_than_expected_counts_in_part_and_says_so(web: Web) -> None:
    employer = _employer(web)
    job_id = _new_job(employer, "Agent d'entretien")
    _add(employer, job_id, [f"{ATTITUDE}/competences/SE01"])
    page = employer.get(f"/employeur/postes/{job_id}")
    ranks = re.findall(r'<option value="(\d+)">', page.text)
    top = max(ranks, key=int)
    employer.post(
        f"/employeur/postes/{job_id}/exigences/0",
        data={"csrf_token": csrf_of(page.text), "obligatoire": "oui", "niveau": top},
    )
    _publish(employer, job_id)
    user, wallet = _synthetic_wallet(web, "Jade Débutante", [])
    _badge(web, wallet, f"{ATTITUDE}/competences/SE01", level=1)
    _opt_in(web, user, wallet)
    page = _page_ok(employer.get(f"/employeur/postes/{job_id}/candidats"))
    share = round(100 / int(top))
    assert _scores(page) == {"Jade Débutante": share}
    assert f"niveau plus bas que demandé : compte pour {share} %" in page
    assert "Incomplet" in page


def test_a_program_token_needs_the_jobs_scope_to_write_through_the_pages(web: Web) -> None:
    from api.auth import create_api_token

    user = add_user(web.engine, "Employeur programme")
    org = add_org(web.engine, "programme", issuing=False)
    add_member(web.engine, user, org, MemberRole.ADMIN)
    headers = {"accept": "application/json", "x-csrf-token": "t" * 32}
    for scopes, expected in ((["matching:read"], 403), (["jobs:write"], 303)):
        raw, _row = create_api_token(
            web.engine, name="robot", scopes=scopes, user_id=user, organisation_id=org, now=NOW
        )
        client = TestClient(web.app)
        client.cookies.set("atouts_csrf", "t" * 32)
        response = client.post(
            "/employeur/postes",
            data={"titre": "Poste créé par un programme"},
            headers={**headers, "authorization": f"Bearer {raw}"},
            follow_redirects=False,
        )
        assert response.status_code == expected, response.text


def test_a_requirement_the_referentials_no_longer_know_is_set_aside_not_fatal(web: Web) -> None:
    from dataclasses import replace

    employer = _employer(web)
    job_id = _new_job(employer, "Poste ancien")
    _add(employer, job_id, [f"{BTP}/blocks/B-SECU"])
    _publish(employer, job_id)
    gone = "https://ailleurs.example/referentials/retire/1.0/competences/X1"
    with session_scope(web.engine) as session:
        job = store.get_job(session, job_id)
        assert job is not None
        extra = Requirement(gone, True, None, "Compétence retirée")
        store.save_job(session, replace(job, requirements=(*job.requirements, extra)))
    user, wallet = _synthetic_wallet(web, "Karim", [f"{BTP}/blocks/B-SECU"])
    _opt_in(web, user, wallet)
    page = _page_ok(employer.get(f"/employeur/postes/{job_id}/candidats"))
    assert "ne sont plus dans les référentiels et ne comptent pas : Compétence retirée" in page
    assert _scores(page) == {"Karim": 100}
    job_page = _page_ok(employer.get(f"/employeur/postes/{job_id}"))
    assert "n’est plus dans les référentiels" in job_page
    assert "Poste ancien" in _page_ok(signed_in(web, user).get("/metiers-proches"))
