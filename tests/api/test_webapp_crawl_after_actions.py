"""Pages that only exist once people have done something, checked like every other page (issue 8:
« every page has ``<html lang>``, a title, one ``h1``, labels on every field; French texts contain
no untranslated English »).

The demo data alone has no share, no batch, no draft referential, no revoked badge, no pending
claim and no endorsement, so a crawl of the demo misses their pages. Here each demo person does
their job through the forms (trainer: an observation with a claim code, a bulk issue with bad
rows, a revocation, a draft referential; employer: a job, an endorsement, a verification;
beneficiary: a share opened once; a visitor: a claim), every page answered to a form is checked,
then every page reachable by each of them (and by a visitor) is crawled and checked.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.demo import DEMO_PEOPLE, seed_demo
from storage.engine import session_scope
from storage.tables import Achievement, Credential, User
from tests.api.page_checks import english_words, structure_problems
from tests.api.test_webapp_crawl import crawl
from tests.api.webapp_fixtures import BASE, Web, csrf_of, session_cookie

HTML = {"accept": "text/html"}


def _as(web: Web, who: str) -> TestClient:
    client = TestClient(web.app)
    email = next(p.email for p in DEMO_PEOPLE if p.key == who)
    with session_scope(web.engine, write=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
    client.cookies.set("atouts_session", session_cookie(web.engine, user.id))
    return client


class Answers:
    """Pages answered to forms, with what is wrong with each."""

    def __init__(self) -> None:
        self.problems: dict[str, list[str]] = {}
        self.count = 0

    def check(self, label: str, response: Any, *, expect: tuple[int, ...] = (200, 201)) -> str:
        html = str(response.text)
        assert response.status_code in expect, (label, response.status_code, html[:400])
        self.count += 1
        found = structure_problems(html) + [f"English: {w}" for w in english_words(html)]
        if found:
            self.problems[label] = found
        return html


def _post(client: TestClient, page: str, action: str, data: dict[str, Any], **kw: Any) -> Any:
    opened = client.get(page, headers=HTML)
    assert opened.status_code == 200, (page, opened.status_code)
    token = {"csrf_token": csrf_of(opened.text)} if "csrf_token" in opened.text else {}
    return client.post(action, data={**token, **data}, headers=HTML, **kw)


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no field {name}"
    return found.group(1)


def _achievement(web: Web, name_start: str) -> str:
    with session_scope(web.engine, write=False) as session:
        rows = session.exec(select(Achievement)).all()
    return next(r.id for r in rows if r.name.startswith(name_start))


def _batch_file() -> bytes:
    lines = ["email;nom;preuve"]
    lines += [f"stagiaire{n}@example.org;Stagiaire {n};Observé en atelier" for n in range(4)]
    lines.insert(3, "pas-une-adresse;Ligne fausse;Observé")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _trainer_acts(web: Web, answers: Answers) -> str:
    """Observation (claim code), achievement form error, bulk issue, revocation, draft version.
    Returns the claim code, for the visitor."""
    trainer = _as(web, "formatrice")
    safety = _achievement(web, "Sécurité")
    page = f"/formateur/observer/{safety}"
    opened = trainer.get(page, headers=HTML).text
    answers.check("observation: empty", _post(trainer, page, page, {"cle": "x"}), expect=(422,))
    issued = _post(
        trainer,
        page,
        page,
        {
            "cle": _hidden(opened, "cle"),
            "preuve": "Port du casque et balisage vérifiés sur le chantier.",
            "destinataire_type": "aucun",
        },
    )
    html = answers.check("observation: issued with a claim code", issued)
    code = re.search(r'id="code-reception"[^>]*>\s*([^<\s]+)', html)
    assert code, html[:2000]

    answers.check(
        "achievement: nothing ticked",
        _post(
            trainer,
            "/formateur/realisations/nouvelle?referentiel=btp-blocs-exemple/1.0",
            "/formateur/realisations",
            {"referentiel": "btp-blocs-exemple/1.0", "nom": "Rien"},
        ),
        expect=(422,),
    )

    checked = answers.check(
        "bulk issue: dry run with a bad row",
        _post(
            trainer,
            "/formateur/serie",
            "/formateur/serie/verifier",
            {"realisation": safety},
            files={"fichier": ("groupe.csv", _batch_file(), "text/csv")},
        ),
    )
    assert 'href="#ligne-' in checked
    started = trainer.post(
        "/formateur/serie/delivrer",
        data={
            "csrf_token": _hidden(checked, "csrf_token"),
            "envoi": _hidden(checked, "envoi"),
            "realisation": safety,
            "nom_fichier": "groupe.csv",
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text[:400]

    with session_scope(web.engine, write=False) as session:
        badge = session.exec(select(Credential)).first()
    assert badge is not None
    badge_page = f"/formateur/badges/{badge.id}"
    answers.check(
        "revocation without a reason",
        _post(trainer, badge_page, f"{badge_page}/statut", {"action": "revoke", "raison": ""}),
        expect=(422,),
    )
    revoked = _post(
        trainer,
        badge_page,
        f"{badge_page}/statut",
        {"action": "revoke", "raison": "doublon", "confirmation": "1"},
        follow_redirects=False,
    )
    assert revoked.status_code == 303

    draft = _post(
        trainer,
        "/referentials/btp-blocs-exemple/1.0",
        "/referentials/btp-blocs-exemple/1.0/brouillon",
        {"new_version": "1.1"},
        follow_redirects=False,
    )
    assert draft.status_code == 303, draft.text[:400]
    return code.group(1)


def _employer_acts(web: Web, answers: Answers) -> None:
    """A new job, an endorsement (and its error state), a verification of a demo badge."""
    employer = _as(web, "employeur")
    created = _post(
        employer,
        "/employeur",
        "/employeur/postes",
        {"titre": "Manœuvre", "description": "Chantiers."},
        follow_redirects=False,
    )
    assert created.status_code == 303
    answers.check(
        "endorsement: empty",
        _post(employer, "/recommander", "/recommander", {"sujet": "", "commentaire": ""}),
        expect=(422,),
    )
    answers.check(
        "endorsement of a referential",
        _post(
            employer,
            "/recommander",
            "/recommander",
            {
                "sujet": "referentiel:attitude-pro-reunion/1.0",
                "commentaire": "Ce référentiel décrit bien ce que nous attendons.",
            },
        ),
        expect=(201, 422),  # 422 when the employer has no key yet: that page is checked too
    )
    with session_scope(web.engine, write=False) as session:
        signed = session.exec(select(Credential)).first()
    assert signed is not None
    answers.check(
        "verification of a pasted badge",
        _post(employer, "/verifier", "/verifier", {"badge_text": signed.signed_text}),
    )
    answers.check(
        "verification of an empty form",
        _post(employer, "/verifier", "/verifier", {}),
        expect=(200, 422),
    )


def _beneficiary_acts(web: Web, answers: Answers) -> str:
    """A share (preview, then created), opened once by an employer. Returns the link's path."""
    holder = _as(web, "beneficiaire")
    home = holder.get("/portefeuille", headers=HTML).text
    item = re.search(r"/portefeuille/badges/([0-9a-f-]{36})", home)
    assert item
    choice = {"badge": [item.group(1)], "audience": "Entreprise Démo du Bâtiment", "expires": "7d"}
    answers.check(
        "share: preview",
        _post(holder, "/portefeuille/partager", "/portefeuille/partager/apercu", choice),
    )
    created = answers.check(
        "share: created",
        _post(holder, "/portefeuille/partager", "/portefeuille/partager", choice),
    )
    link = re.search(rf"{re.escape(BASE)}(/p/[A-Za-z0-9_-]+)", created)
    assert link
    answers.check("share: opened by an employer", TestClient(web.app).get(link.group(1)))
    return link.group(1)


@pytest.mark.slow
def test_pages_reached_after_each_persons_actions_are_well_formed_and_french(web: Web) -> None:
    seed_demo(web.app)
    answers = Answers()
    code = _trainer_acts(web, answers)
    _employer_acts(web, answers)
    share_link = _beneficiary_acts(web, answers)

    visitor = TestClient(web.app)
    answers.check("claim: the link fills the form", visitor.get(f"/reclamer/{code}"))
    answers.check(
        "claim: badge arrived",
        _post(visitor, "/reclamer", "/reclamer", {"code": code, "display_name": "Awa"}),
    )
    assert answers.problems == {}

    reached: dict[str, set[str]] = {}
    problems: dict[str, dict[str, list[str]]] = {}
    for who in ["visiteur", *[p.key for p in DEMO_PEOPLE]]:
        client = TestClient(web.app) if who == "visiteur" else _as(web, who)
        found, seen = crawl(client, start=("/", share_link))
        reached[who] = seen
        if found:
            problems[who] = found
    assert problems == {}
    # The pages these actions made were reached, not just the demo's.
    assert any(p.startswith("/formateur/serie/") for p in reached["formatrice"])
    assert "/referentials/btp-blocs-exemple/1.1" in reached["formatrice"]
    assert any(p.startswith("/portefeuille/partages/") for p in reached["beneficiaire"])
    assert share_link in reached["visiteur"]
    assert f"{share_link}/imprimer" in reached["visiteur"]  # the A4 print view too
