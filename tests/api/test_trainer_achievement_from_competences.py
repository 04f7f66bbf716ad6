# ruff: noqa: F811  (pytest fixtures imported from tests.api.trainer_fixtures are parameters)
"""A trainer defines an achievement from competences ticked one by one (issue 8: « define
achievements from competences »): the badge type aligns exactly those competences, with their
public addresses, and a badge issued from it says so and verifies."""

from __future__ import annotations

from sqlmodel import select

from storage.engine import session_scope
from storage.tables import Achievement
from tests.api.test_trainer_pages import _issued_id
from tests.api.trainer_fixtures import (  # noqa: F401 - the fixture
    Trainer,
    form_post,
    hidden,
    trainer,
    verify_with_app,
)

HTML = {"accept": "text/html"}
PAGE = "/formateur/realisations/nouvelle?referentiel=attitude-pro-reunion/1.0"
REF = "http://testserver/referentials/attitude-pro-reunion/1.0/competences"


def test_a_badge_type_made_of_two_ticked_competences_aligns_exactly_those(
    trainer: Trainer,
) -> None:
    shown = trainer.client.get(PAGE, headers=HTML).text
    assert 'value="SE02"' in shown
    assert 'value="SE07"' in shown
    created = form_post(
        trainer.client,
        PAGE,
        "/formateur/realisations",
        {
            "referentiel": "attitude-pro-reunion/1.0",
            "elements": ["SE02", "SE07"],
            "nom": "Assiduité et calme",
        },
    )
    assert created.status_code == 303, created.text
    with session_scope(trainer.ctx.engine, write=False) as session:
        row = session.exec(
            select(Achievement).where(Achievement.name == "Assiduité et calme")
        ).one()
    targets = sorted(a["targetUrl"] for a in row.achievement["alignment"])
    assert targets == [f"{REF}/SE02", f"{REF}/SE07"]

    page = f"/formateur/observer/{row.id}"
    opened = trainer.client.get(page, headers=HTML).text
    issued = form_post(
        trainer.client,
        page,
        page,
        {
            "cle": hidden(opened, "cle"),
            "niveau": "N2",
            "preuve": "Présent chaque jour, calme pendant le rush du samedi.",
            "destinataire_type": "email",
            "destinataire": "awa@example.org",
            "nom": "Awa",
        },
    )
    assert issued.status_code in (200, 201), issued.text[:500]
    badge_id = _issued_id(issued.text)
    credential = trainer.client.get(f"/formateur/badges/{badge_id}/telecharger/json").content
    assert verify_with_app(trainer.client, credential).verdict == "verified"
    assert f"{REF}/SE07".encode() in credential
