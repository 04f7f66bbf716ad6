# ruff: noqa: F811  (pytest fixtures imported from shared modules are parameters here)
"""Issued through the JSON API, the badge notice follows the language stored on the
recipient's account (the application wires the catalogue's texts into the issuer)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import select

from api.mail_texts import store_language
from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import OutboxMessage, User
from tests.api.issuer_api_fixtures import api_client, api_token, bearer  # noqa: F401
from tests.issuer.conftest import achievement_id, clock, ctx, kek, org  # noqa: F401


def _issue(client: TestClient, token: str, achievement_id: str, recipient: str) -> OutboxMessage:
    response = client.post(
        "/api/issuer/credentials",
        json={"achievement_id": achievement_id, "recipient": recipient},
        headers=bearer(token),
    )
    assert response.status_code == 201, response.text
    row_id = response.json()["id"]
    with session_scope(client.app.state.engine, write=False) as session:  # type: ignore[attr-defined]
        return session.exec(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"badge:{row_id}")
        ).one()


def test_the_api_tells_a_person_who_chose_english_in_english_and_others_in_french(
    api_client: TestClient, api_token: str, ctx: IssuerContext, achievement_id: str
) -> None:
    with session_scope(ctx.engine) as session:
        user = User(display_name="Sam", email="sam@example.org")
        session.add(user)
        session.flush()
        user_id = user.id
    store_language(ctx.engine, user_id, "en")

    english = _issue(api_client, api_token, achievement_id, "sam@example.org")
    assert english.subject.startswith("Your badge “")
    assert "gave you a badge" in english.body

    french = _issue(api_client, api_token, achievement_id, "lea@example.org")
    assert french.subject.startswith("Votre badge « ")
    assert "vous a délivré un badge" in french.body
