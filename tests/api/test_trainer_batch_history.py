# ruff: noqa: F811  (pytest fixtures imported from tests.api.trainer_fixtures are parameters)
"""A trainer who left the follow-up page of a bulk issue finds it again, with its result file,
on « Délivrer en série » (issue 8: « bulk issue (…, progress, result file) »)."""

from __future__ import annotations

import re

from issuer.orgs import create_organisation
from storage.tables import MemberRole
from tests.api.page_checks import english_words, structure_problems
from tests.api.test_trainer_pages_batch import _check, _issue, twenty_rows
from tests.api.trainer_fixtures import (  # noqa: F401 - the fixture
    Trainer,
    person,
    trainer,
)

HTML = {"accept": "text/html"}


def test_a_trainer_finds_an_earlier_batch_and_its_result_file(trainer: Trainer) -> None:
    assert "Envois précédents" not in trainer.client.get("/formateur/serie", headers=HTML).text
    issued = _issue(trainer, _check(trainer, twenty_rows()).text)
    follow_up = issued.headers["location"]

    page = trainer.client.get("/formateur/serie", headers=HTML).text
    assert structure_problems(page) == []
    assert english_words(page) == []
    listed = page.split('id="envois"', 1)[1]
    assert f'href="{follow_up}"' in listed
    assert "groupe.csv" in listed
    result = re.search(rf'href="({re.escape(follow_up)}/resultat\.csv)"', listed)
    assert result
    assert trainer.client.get(result.group(1)).status_code == 200


def test_another_organisations_batches_are_not_listed(trainer: Trainer) -> None:
    issued = _issue(trainer, _check(trainer, twenty_rows()).text)
    create_organisation(trainer.ctx, slug="autre-of", name="Autre organisme")
    other = person(trainer, MemberRole.ISSUER, "x@autre.example", org_slug="autre-of")
    page = other.get("/formateur/serie", headers=HTML).text
    assert "Délivrer en série" in page
    assert issued.headers["location"] not in page
