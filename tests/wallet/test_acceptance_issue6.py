"""Issue 6 bullets not covered elsewhere: messages leave through an outbox written in the same
transaction as what they announce, with an SMTP sender for real deployments; the export carries
baked images that verify; a badge page says in words what the badge proves, who gave it, when,
and the evidence (the image carries nothing the text does not); the JSON API of the
wallet is in ``openapi.yaml``. Both databases."""

from __future__ import annotations

import io
import zipfile
from typing import Any, ClassVar

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlmodel import select

from api.app import create_app
from api.security import RateLimiter
from api.settings import Settings
from badges.baking import extract_from_image
from issuer.context import IssuerContext
from issuer.issuance import IssueSpec, evidence_item
from issuer.recipients import parse_recipient
from issuer.service import issue
from storage.engine import session_scope
from storage.tables import OutboxMessage, Wallet
from tests.api.test_wallet_routes import _app, _form
from tests.conftest import REPO
from tests.wallet.fixtures import BASE
from verifier import verify
from wallet.claims import ClaimResult, redeem_claim
from wallet.context import WalletContext
from wallet.export import export_archive
from wallet.outbox import SmtpSender, deliver_pending, enqueue


def test_a_message_is_queued_only_if_what_it_announces_is_committed(wctx: WalletContext) -> None:
    def open_wallet_then_fail() -> None:
        with session_scope(wctx.engine) as session:
            session.add(Wallet(display_name="Awa"))
            enqueue(session, now=wctx.now(), recipient="awa@example.org", subject="s", body="b")
            raise RuntimeError("the wallet could not be opened")

    with pytest.raises(RuntimeError):
        open_wallet_then_fail()
    with session_scope(wctx.engine, write=False) as session:
        assert session.exec(select(OutboxMessage)).all() == []
        assert session.exec(select(Wallet)).all() == []
    with session_scope(wctx.engine) as session:
        session.add(Wallet(display_name="Awa"))
        enqueue(session, now=wctx.now(), recipient="awa@example.org", subject="s", body="b")
    with session_scope(wctx.engine, write=False) as session:
        assert len(session.exec(select(OutboxMessage)).all()) == 1


class _FakeSmtp:
    sessions: ClassVar[list[_FakeSmtp]] = []

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.address = (host, port)
        self.calls: list[Any] = []
        _FakeSmtp.sessions.append(self)

    def __enter__(self) -> _FakeSmtp:
        return self

    def __exit__(self, *exc: object) -> None:
        self.calls.append("quit")

    def starttls(self) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(("login", user))

    def send_message(self, message: Any) -> None:
        self.calls.append(("send", message["To"], message["Subject"], message.get_content()))


def test_the_smtp_sender_delivers_queued_messages_through_the_relay(
    wctx: WalletContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    import wallet.outbox

    monkeypatch.setattr(wallet.outbox.smtplib, "SMTP", _FakeSmtp)
    _FakeSmtp.sessions = []
    with session_scope(wctx.engine) as session:
        enqueue(session, now=wctx.now(), recipient="awa@example.org", subject="Lien", body="x")
    sender = SmtpSender(host="smtp.example.org", username="atouts", password="secret")
    assert deliver_pending(wctx.engine, sender, now=wctx.now()) == 1
    [smtp] = _FakeSmtp.sessions
    assert smtp.address == ("smtp.example.org", 587)
    assert smtp.calls[:2] == ["starttls", ("login", "atouts")]
    assert smtp.calls[2][:3] == ("send", "awa@example.org", "Lien")
    assert deliver_pending(wctx.engine, sender, now=wctx.now()) == 0  # sent once, not twice


def _claimed_with_observation(
    wctx: WalletContext, ictx: IssuerContext, achievement: str
) -> ClaimResult:
    spec = IssueSpec(
        recipient=parse_recipient(None),
        evidence=[
            evidence_item(name="Chantier école", narrative="Pose d'un garde-corps observée.")
        ],
    )
    issued = issue(ictx, achievement, spec)
    assert issued.claim_code is not None
    return redeem_claim(wctx, issued.claim_code, wallet_id=None, display_name="Samir")


def test_the_export_carries_each_original_and_a_baked_image_that_verifies(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    wallet_id = _claimed_with_observation(wctx, ictx, btp_achievements["secu"]).wallet_id
    with zipfile.ZipFile(io.BytesIO(export_archive(wctx, wallet_id))) as archive:
        names = archive.namelist()
        images = [archive.read(n) for n in names if n.startswith("images/")]
        originals = [n for n in names if n.startswith("badges/")]
    assert len(originals) == 1
    assert len(images) == 1
    baked = extract_from_image(images[0])
    assert verify(baked.payload, options=wctx.verify_options()).verdict == "verified"


def test_a_badge_page_says_in_words_what_it_proves_who_gave_it_when_and_the_evidence(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    claimed = _claimed_with_observation(wctx, ictx, btp_achievements["secu"])
    client = TestClient(_app(wctx), base_url=BASE)
    link = claimed.personal_link  # no e-mail: the personal link and its code open the wallet
    assert link is not None
    _form(client, f"/portefeuille/lien/{link.url.rsplit('/', 1)[1]}", {"code": link.code})
    home = client.get("/portefeuille").text
    assert "Bonjour Samir" in home
    item_id = client.get("/api/wallet").json()["badges"][0]["id"]
    page = client.get(f"/portefeuille/badges/{item_id}").text
    for words in (
        "Badge authentique",  # still valid, checked now
        "Ce que ce badge prouve",
        "Ce qui a été observé",
        "Preuves",
        "Chantier école",
        "Qui a donné ce badge, et quand",
        "CFA Exemple du Bâtiment",
        "Donné le 2 mars 2026",
    ):
        assert words in page, words
    # the picture is decoration: everything it could say is in the text
    assert 'alt=""' in page or "<img" not in page


def test_the_wallet_json_api_is_described_in_openapi_yaml() -> None:
    app = create_app(Settings(base_url=BASE), rate_limiter=RateLimiter([]))
    live = set(app.openapi()["paths"])
    committed = set(yaml.safe_load((REPO / "openapi.yaml").read_text(encoding="utf-8"))["paths"])
    wallet_paths = {
        "/api/wallet",
        "/api/wallet/claim",
        "/api/wallet/badges",
        "/api/wallet/shares",
        "/api/wallet/shares/{share_id}",
        "/api/wallet/shares/{share_id}/accesses",
        "/api/wallet/presentations",
        "/api/wallet/offers",
        "/api/wallet/export",
        "/api/shares/{token}",
    }
    assert wallet_paths <= live
    assert wallet_paths <= committed
