"""A counsellor hands a wallet back and chooses the person's language (French by default,
English): the e-mail with the person's link is written in it, and it is stored on their account
so later e-mails follow it. Any other language is refused with a clear French message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlmodel import select

from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import OutboxMessage, User
from tests.api.test_wallet_routes import _app, _claim, _form
from tests.conftest import REPO
from tests.wallet import fixtures
from tests.wallet.fixtures import BASE, holder_user_id, make_counsellor
from wallet.context import WalletContext

btp_achievements = fixtures.btp_achievements
clock = fixtures.clock
engine = fixtures.engine
graph = fixtures.graph
ictx = fixtures.ictx
wctx = fixtures.wctx

NEW_TEXTS = (
    "Sa langue, pour l'e-mail",
    "Langue inconnue : choisissez « fr » (français) ou « en » (anglais).",
)


def _counsellor_with_kept_wallet(
    wctx: WalletContext, ictx: IssuerContext, achievement: str
) -> tuple[TestClient, str]:
    counsellor = TestClient(_app(wctx), base_url=BASE)
    _claim(counsellor, ictx, achievement)
    make_counsellor(
        wctx.engine, holder_user_id(wctx.engine, counsellor.get("/api/wallet").json()["id"])
    )
    kept = counsellor.post("/api/wallet/custody", json={"display_name": "Yonas", "consent": True})
    assert kept.status_code == 201
    return counsellor, kept.json()["wallet"]


def _hand_over(counsellor: TestClient, wallet: str, **extra: Any) -> Any:
    body = {"wallet": wallet, "display_name": "Yonas", "email": "yonas@example.org", **extra}
    return counsellor.post("/api/wallet/custody/hand-over", json=body)


def _mail_to(wctx: WalletContext, address: str) -> OutboxMessage:
    with session_scope(wctx.engine, write=False) as session:
        [message] = session.exec(
            select(OutboxMessage).where(OutboxMessage.recipient == address)
        ).all()
        return message


def _locale_of(wctx: WalletContext, address: str) -> str:
    with session_scope(wctx.engine, write=False) as session:
        return session.exec(select(User).where(User.email == address)).one().locale


def test_english_chosen_writes_the_hand_over_mail_in_english_and_stores_it(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    counsellor, wallet = _counsellor_with_kept_wallet(wctx, ictx, btp_achievements["secu"])
    answer = _hand_over(counsellor, wallet, language="en")
    assert answer.status_code == 200, answer.text
    message = _mail_to(wctx, "yonas@example.org")
    assert message.subject == "Your link to open your badges"
    assert message.body.startswith("Hello Yonas,\n")
    assert "Bonjour" not in message.body
    assert f"{BASE}/portefeuille/entrer/" in message.body
    assert _locale_of(wctx, "yonas@example.org") == "en"


def test_without_a_language_the_hand_over_mail_is_french(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    counsellor, wallet = _counsellor_with_kept_wallet(wctx, ictx, btp_achievements["secu"])
    # The counsellor's own page language does not decide the person's.
    counsellor.cookies.set("atouts_lang", "en")
    assert _hand_over(counsellor, wallet).status_code == 200
    message = _mail_to(wctx, "yonas@example.org")
    assert message.subject == "Votre lien pour ouvrir vos badges"
    assert message.body.startswith("Bonjour Yonas,\n")
    assert _locale_of(wctx, "yonas@example.org") == "fr"


def test_an_unknown_language_is_refused_and_the_wallet_stays_in_custody(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    counsellor, wallet = _counsellor_with_kept_wallet(wctx, ictx, btp_achievements["secu"])
    refused = _hand_over(counsellor, wallet, language="tigrinya")
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "language_unknown"
    assert refused.json()["detail"] == (
        "Langue inconnue : choisissez « fr » (français) ou « en » (anglais)."
    )
    with session_scope(wctx.engine, write=False) as session:
        assert session.exec(select(OutboxMessage)).all() == []
    assert counsellor.get(f"/api/wallet?wallet={wallet}").json()["custody"] is not None


def test_the_page_form_offers_the_language_and_english_is_used_for_the_mail(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    counsellor, wallet = _counsellor_with_kept_wallet(wctx, ictx, btp_achievements["secu"])
    page = counsellor.get("/portefeuille/accompagnement")
    assert f'<select id="language-{wallet}" name="language">' in page.text
    refused = _form(
        counsellor,
        f"/portefeuille/accompagnement/{wallet}/rendre",
        {"display_name": "Yonas", "email": "yonas@example.org", "language": "xx"},
    )
    assert "Langue inconnue : choisissez « fr » (français) ou « en » (anglais)." in refused.text
    handed = _form(
        counsellor,
        f"/portefeuille/accompagnement/{wallet}/rendre",
        {"display_name": "Yonas", "email": "yonas@example.org", "language": "en"},
    )
    assert handed.status_code == 200
    assert _mail_to(wctx, "yonas@example.org").subject == "Your link to open your badges"
    assert _locale_of(wctx, "yonas@example.org") == "en"


def test_the_english_catalogue_translates_every_new_hand_over_text() -> None:
    po = Path(REPO) / "api" / "locales" / "en" / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="en")
    for text in NEW_TEXTS:
        entry = catalog.get(text)
        assert entry is not None, text
        assert entry.string, text
        assert entry.string != text, text
