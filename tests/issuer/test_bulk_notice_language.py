# ruff: noqa: F811  (pytest fixtures imported from tests.issuer.conftest are parameters here)
"""A bulk issue writes each row's badge notice in the language its recipient chose on their
account (one lookup per chunk), French for everyone else, like a single issue."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from sqlmodel import select

from api.mail_texts import CatalogueNoticeTexts, store_language
from issuer.batch import run_batch, submit_batch
from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import OutboxMessage, User
from tests.issuer.conftest import (  # noqa: F401 - fixtures
    achievement_id,
    clock,
    ctx,
    kek,
    org,
)

HEADER = "email;telephone;nom;niveau;preuve;date_fin\n"


@pytest.fixture
def web_ctx(ctx: IssuerContext) -> IssuerContext:
    return dataclasses.replace(ctx, notice_texts=CatalogueNoticeTexts())


def _account(ctx: IssuerContext, email: str, language: str) -> None:
    with session_scope(ctx.engine) as session:
        user = User(display_name="Léa", email=email)
        session.add(user)
        session.flush()
        user_id = user.id
    store_language(ctx.engine, user_id, language)


def _notices_by_address(ctx: IssuerContext) -> dict[str, OutboxMessage]:
    with session_scope(ctx.engine, write=False) as session:
        messages = session.exec(
            select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("badge:"))  # type: ignore[union-attr]
        ).all()
        return {str(message.recipient): message for message in messages}


def test_each_row_of_a_batch_gets_its_notice_in_the_recipients_language(
    web_ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    _account(web_ctx, "anglais@example.org", "en")
    _account(web_ctx, "francais@example.org", "fr")
    lines = [
        "anglais@example.org;;Léa;N1;Observée en atelier;",
        "francais@example.org;;Paul;N1;Observé en atelier;",
        "sans-compte@example.org;;Ana;N1;Observée en atelier;",
    ]
    path = tmp_path / "lot.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    batch, _ = submit_batch(web_ctx, achievement_id, path)
    assert run_batch(web_ctx, batch.id).issued == 3

    notices = _notices_by_address(web_ctx)
    assert notices["anglais@example.org"].subject.startswith("Your badge “")
    assert notices["anglais@example.org"].body.startswith("Hello,")
    for french in ("francais@example.org", "sans-compte@example.org"):
        assert notices[french].subject.startswith("Votre badge « ")
        assert "vous a délivré" in notices[french].body


def test_a_batch_without_notice_texts_writes_every_notice_in_french(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    _account(ctx, "anglais@example.org", "en")
    path = tmp_path / "lot.csv"
    path.write_text(HEADER + "anglais@example.org;;Léa;N1;Observée;\n", encoding="utf-8")
    batch, _ = submit_batch(ctx, achievement_id, path)
    assert run_batch(ctx, batch.id).issued == 1
    assert _notices_by_address(ctx)["anglais@example.org"].subject.startswith("Votre badge « ")
