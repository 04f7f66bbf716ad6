# ruff: noqa: F811  (pytest fixtures imported from tests.issuer.conftest are parameters here)
"""The message telling a person about their badge follows the language stored on their account
(e-mail or phone); French otherwise. The words come from the web catalogue (api.mail_texts),
handed to the issuer through its context; the issuer itself only looks the languages up."""

from __future__ import annotations

import dataclasses
import re

import pytest
import sqlalchemy as sa
from sqlmodel import select

from api.i18n import translations
from api.mail_texts import CatalogueNoticeTexts, store_language
from issuer.context import IssuerContext
from issuer.issuance import IssueSpec
from issuer.notice_texts import FRENCH_NOTICE
from issuer.notify import notice_languages
from issuer.recipients import parse_recipient
from issuer.service import issue
from storage.engine import session_scope
from storage.tables import OutboxMessage, User
from tests.issuer.conftest import (  # noqa: F401 - fixtures
    achievement_id,
    clock,
    ctx,
    kek,
    org,
)

BADGE = "Savoir-être professionnel"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


@pytest.fixture
def web_ctx(ctx: IssuerContext) -> IssuerContext:
    """The context as the API and CLI build it: with the catalogue's notice texts."""
    return dataclasses.replace(ctx, notice_texts=CatalogueNoticeTexts())


def _account(
    ctx: IssuerContext, *, email: str | None = None, phone: str | None = None, language: str
) -> None:
    with session_scope(ctx.engine) as session:
        user = User(display_name="Léa", email=email, phone=phone)
        session.add(user)
        session.flush()
        user_id = user.id
    store_language(ctx.engine, user_id, language)


def _notice(ctx: IssuerContext, achievement_id: str, recipient: str) -> OutboxMessage:
    issued = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient(recipient)))
    with session_scope(ctx.engine, write=False) as session:
        return session.exec(
            select(OutboxMessage).where(OutboxMessage.dedupe_key == f"badge:{issued.row_id}")
        ).one()


def test_a_recipient_whose_account_chose_english_gets_the_badge_e_mail_in_english(
    web_ctx: IssuerContext, achievement_id: str
) -> None:
    _account(web_ctx, email="lea@example.org", language="en")
    message = _notice(web_ctx, achievement_id, "Lea@Example.org")
    assert message.subject.startswith("Your badge “")
    assert message.body.startswith("Hello,\n\nMission locale Exemple Ouest gave you a badge: “")
    assert "This badge shows a skill you have proved." in message.body
    assert "See and check your badge: https://formation.example/" in message.body
    assert "Keep it in your wallet (badge address): https://formation.example/" in message.body
    assert "Bonjour" not in message.body
    assert "vous a délivré" not in message.body


def test_a_phone_whose_account_chose_english_gets_the_sms_in_english(
    web_ctx: IssuerContext, achievement_id: str
) -> None:
    _account(web_ctx, phone="+33612345678", language="en")
    message = _notice(web_ctx, achievement_id, "06 12 34 56 78")
    assert message.body.startswith("Mission locale Exemple Ouest gave you the badge “")
    assert ". See it: https://formation.example/" in message.body


@pytest.mark.parametrize(
    ("recipient", "account_language"),
    [
        ("sans-compte@example.org", None),  # no account
        ("francophone@example.org", "fr"),  # an account that kept French
        ("tel:+33698765432", None),
    ],
)
def test_the_badge_notice_is_in_french_otherwise(
    web_ctx: IssuerContext, achievement_id: str, recipient: str, account_language: str | None
) -> None:
    if account_language is not None:
        _account(web_ctx, email=recipient, language=account_language)
    message = _notice(web_ctx, achievement_id, recipient)
    assert message.subject.startswith("Votre badge « ")
    assert "vous a délivré" in message.body


def test_without_notice_texts_the_issuer_writes_french_and_looks_nothing_up(
    ctx: IssuerContext, achievement_id: str
) -> None:
    _account(ctx, email="lea@example.org", language="en")
    message = _notice(ctx, achievement_id, "lea@example.org")
    assert message.subject.startswith("Votre badge « ")
    assert message.body.startswith("Bonjour,\n\nMission locale Exemple Ouest vous a délivré")
    with session_scope(ctx.engine, write=False) as session:
        assert notice_languages(ctx, session, [parse_recipient("lea@example.org")]) == {}


def test_the_languages_of_a_whole_chunk_take_one_query(web_ctx: IssuerContext) -> None:
    _account(web_ctx, email="anglais@example.org", language="en")
    _account(web_ctx, email="francais@example.org", language="fr")
    _account(web_ctx, phone="+33611111111", language="en")
    recipients = [parse_recipient(f"personne{n}@example.org") for n in range(300)] + [
        parse_recipient("anglais@example.org"),
        parse_recipient("francais@example.org"),
        parse_recipient("tel:+33611111111"),
        parse_recipient("id:CFA-1"),
        parse_recipient(None),
    ]
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    with session_scope(web_ctx.engine, write=False) as session:
        sa.event.listen(web_ctx.engine, "before_cursor_execute", count)
        try:
            found = notice_languages(web_ctx, session, recipients)
        finally:
            sa.event.remove(web_ctx.engine, "before_cursor_execute", count)
    queries = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(queries) == 1
    assert "FROM users" in queries[0]
    assert {r.value: language for r, language in found.items()} == {
        "anglais@example.org": "en",
        "francais@example.org": "fr",
        "+33611111111": "en",
    }


def test_every_badge_notice_text_has_an_english_translation() -> None:
    english = translations("en")
    for french in FRENCH_NOTICE:
        translated = english.gettext(french)
        assert translated != french, french
        assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(french))
