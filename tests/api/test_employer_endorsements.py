# ruff: noqa: F811  (pytest fixtures imported from tests.api.trainer_fixtures are parameters)
"""An employer endorses a referential, or an achievement (issue 8: « endorse a referential or an
achievement »): a signed EndorsementCredential that the verifier accepts, from the page form; the
demo employer of ``make run`` can do it too."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlmodel import select

from api.demo import DEMO_PEOPLE, seed_demo
from issuer.orgs import create_organisation
from storage.engine import session_scope
from storage.tables import Job, MemberRole, User
from tests.api.page_checks import english_words, structure_problems
from tests.api.trainer_fixtures import (  # noqa: F401 - the fixture
    AppFetcher,
    Trainer,
    form_post,
    person,
    trainer,
    verify_with_app,
)
from tests.api.webapp_fixtures import Web, signed_in
from verifier import VerifyOptions, verify

HTML = {"accept": "text/html"}
ATTITUDE = "attitude-pro-reunion/1.0"


def _endorse(client: TestClient, subject: str, comment: str) -> str:
    done = form_post(
        client, "/recommander", "/recommander", {"sujet": subject, "commentaire": comment}
    )
    assert done.status_code == 201, done.text[:2000]
    assert structure_problems(done.text) == []
    assert english_words(done.text) == []
    link = re.search(r'href="(http://testserver/[^"]+)">Voir la recommandation', done.text)
    assert link, done.text
    return link.group(1).removeprefix("http://testserver")


def test_an_employer_endorses_a_referential_with_a_signed_endorsement(trainer: Trainer) -> None:
    hotel = create_organisation(trainer.ctx, slug="hotel-lagon", name="Hôtel Lagon Exemple")
    with session_scope(trainer.ctx.engine) as session:
        session.add(Job(organisation_id=hotel.id, title="Réceptionniste", source={}))
    employer = person(trainer, MemberRole.ADMIN, "rh@hotel.example", org_slug="hotel-lagon")
    form = employer.get("/recommander", headers=HTML).text
    assert f'value="referentiel:{ATTITUDE}"' in form  # offered next to the achievements

    path = _endorse(employer, f"referentiel:{ATTITUDE}", "Ces savoir-être sont ceux du métier.")
    endorsement = employer.get(path)
    document = endorsement.json()
    assert "EndorsementCredential" in document["type"]
    assert document["credentialSubject"]["id"].endswith(f"/referentials/{ATTITUDE}")
    assert document["credentialSubject"]["endorsementComment"].startswith("Ces savoir-être")
    assert verify_with_app(employer, endorsement.content).verdict == "verified"


def test_the_demo_employer_endorses_an_achievement_and_a_referential(web: Web) -> None:
    seed_demo(web.app)
    email = next(p.email for p in DEMO_PEOPLE if p.key == "employeur")
    with session_scope(web.engine, write=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
    employer = signed_in(web, user.id)
    form = employer.get("/recommander", headers=HTML).text
    achievement = re.search(r'value="(realisation:[^"]+)"', form)
    assert achievement
    for subject, comment in (
        (achievement.group(1), "Nos aides-maçons ont besoin de ce badge."),
        (f"referentiel:{ATTITUDE}", "Un bon référentiel pour recruter."),
    ):
        endorsement = employer.get(_endorse(employer, subject, comment))
        # The demo signs with the wall clock (not the test's fixed one).
        checked = verify(
            endorsement.content,
            options=VerifyOptions(now=datetime.now(UTC), fetcher=AppFetcher(employer)),
        )
        assert checked.verdict == "verified", checked.codes()
    # An employer (and its organisation's admin), not a trainer: no trainer pages.
    assert employer.get("/employeur/postes/demo-aide-macon/candidats").status_code == 200
    assert employer.get("/formateur", headers=HTML).status_code == 403
    assert employer.get("/api/me").json()["roles"] == ["employer", "org_admin"]
