# ruff: noqa: F811  (pytest fixtures imported from tests.api.trainer_fixtures are parameters)
"""What the trainer's pages show is readable through the JSON API too (issue 8: « everything
the pages do is in the API »): the badges issued, found with the page's own filters, the badge
types, and the batches; only for the organisations the caller belongs to, reviewers included."""

from __future__ import annotations

from fastapi.testclient import TestClient

from issuer.orgs import create_organisation
from storage.tables import MemberRole
from tests.api.test_trainer_pages import _issued_id, _observe
from tests.api.test_trainer_pages_batch import _check, _issue, twenty_rows
from tests.api.trainer_fixtures import (  # noqa: F401 - the fixture
    Trainer,
    form_post,
    person,
    trainer,
)

JSON = {"accept": "application/json"}


def _listed(client: TestClient, **params: str) -> list[dict[str, object]]:
    answer = client.get("/api/issuer/credentials", params=params, headers=JSON)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["credentials"])


def test_the_api_lists_what_the_issued_page_lists_with_the_same_filters(trainer: Trainer) -> None:
    lea = _issued_id(_observe(trainer).text)  # type: ignore[attr-defined]
    _observe(trainer, destinataire="tom@example.org", nom="Tom Durand")
    page = f"/formateur/badges/{lea}"
    form_post(
        trainer.client,
        page,
        f"{page}/statut",
        {"action": "revoke", "raison": "doublon", "confirmation": "1"},
    )

    everything = _listed(trainer.client)
    assert len(everything) == 2
    by_name = _listed(trainer.client, q="léa")
    assert [c["id"] for c in by_name] == [lea]
    assert by_name[0]["recipient_name"] == "Léa Martin"
    assert by_name[0]["state"] == "revoked"
    assert [c["recipient_name"] for c in _listed(trainer.client, state="active")] == ["Tom Durand"]
    shown = trainer.client.get("/formateur/badges", params={"q": "léa"}).text
    assert f"/formateur/badges/{lea}" in shown  # the page finds the same one

    kinds = trainer.client.get("/api/issuer/achievements", headers=JSON).json()["achievements"]
    assert [k["id"] for k in kinds] == [trainer.achievement_id]

    reviewer = person(trainer, MemberRole.REVIEWER, "relecture@example.org")
    assert len(_listed(reviewer)) == 2


def test_the_api_lists_batches_and_nothing_of_another_organisation(trainer: Trainer) -> None:
    issued = _issue(trainer, _check(trainer, twenty_rows()).text)
    batch_id = issued.headers["location"].rsplit("/", 1)[1]
    batches = trainer.client.get("/api/issuer/batches", headers=JSON).json()["batches"]
    assert [(b["id"], b["filename"], b["total_rows"]) for b in batches] == [
        (batch_id, "groupe.csv", 20)
    ]

    create_organisation(trainer.ctx, slug="autre-of", name="Autre organisme")
    other = person(trainer, MemberRole.ISSUER, "x@autre.example", org_slug="autre-of")
    assert _listed(other) == []
    assert other.get("/api/issuer/batches", headers=JSON).json()["batches"] == []
    assert other.get("/api/issuer/achievements", headers=JSON).json()["achievements"] == []
