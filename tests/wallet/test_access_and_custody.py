"""Getting in without a password, counsellor custody with recorded consent and hand-over, the
outbox and its senders, erasure (issue 6)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import (
    Consent,
    LoginToken,
    OutboxMessage,
    Share,
    User,
    Wallet,
    WalletItem,
)
from storage.tables import Credential as CredentialRow
from tests.wallet.fixtures import Clock, issue_with_claim_code, make_counsellor
from wallet.access import (
    hand_over,
    redeem_magic_link,
    redeem_personal_link,
    request_magic_link,
    session_user,
)
from wallet.claims import redeem_claim
from wallet.context import WalletContext, WalletError
from wallet.holders import active_custody, erase_wallet, open_wallet, open_wallet_in_custody
from wallet.outbox import FileSender, MemorySender, deliver_pending
from wallet.shares import ShareGoneError, create_share, open_share


def test_magic_link_goes_through_the_outbox_and_opens_one_session(
    wctx: WalletContext, clock: Clock
) -> None:
    holder = open_wallet(wctx, display_name="Awa", email="Awa@Example.org")
    request_magic_link(wctx, "awa@example.org")
    request_magic_link(wctx, "nobody@example.org")  # silent: no account enumeration
    sender = MemorySender()
    assert deliver_pending(wctx.engine, sender, now=clock.now) == 1
    message = sender.sent[0]
    assert message["recipient"] == "awa@example.org"
    token = message["body"].split("/portefeuille/entrer/")[1].split()[0]
    cookie = redeem_magic_link(wctx, token)
    with session_scope(wctx.engine, write=False) as session:
        user = session.exec(select(User).where(User.email == "awa@example.org")).one()
        sent = session.exec(select(OutboxMessage)).one()
        assert sent.sent_at == clock.now
        assert sent.recipient is None  # personal data not kept once delivered
    assert session_user(wctx, cookie) == user.id
    assert holder.holder_user_id == user.id
    with pytest.raises(WalletError) as reused:
        redeem_magic_link(wctx, token)
    assert reused.value.status == 410
    assert deliver_pending(wctx.engine, sender, now=clock.now) == 0


def test_magic_link_expires_after_twenty_minutes(wctx: WalletContext, clock: Clock) -> None:
    open_wallet(wctx, display_name="Awa", email="awa@example.org")
    request_magic_link(wctx, "awa@example.org")
    sender = MemorySender()
    deliver_pending(wctx.engine, sender, now=clock.now)
    token = sender.sent[0]["body"].split("/portefeuille/entrer/")[1].split()[0]
    clock.advance(minutes=21)
    with pytest.raises(WalletError):
        redeem_magic_link(wctx, token)


def test_file_sender_writes_one_email_file_per_message(
    wctx: WalletContext, clock: Clock, tmp_path: Path
) -> None:
    open_wallet(wctx, display_name="Awa", email="awa@example.org")
    request_magic_link(wctx, "awa@example.org")
    sender = FileSender(tmp_path / "mails")
    assert deliver_pending(wctx.engine, sender, now=clock.now) == 1
    files = list((tmp_path / "mails").glob("*.eml"))
    assert len(files) == 1
    assert b"awa@example.org" in files[0].read_bytes()


def test_a_failing_sender_keeps_the_message_for_later(wctx: WalletContext, clock: Clock) -> None:
    class Broken:
        def send(self, **_: str) -> None:
            raise OSError("relay down")

    open_wallet(wctx, display_name="Awa", email="awa@example.org")
    request_magic_link(wctx, "awa@example.org")
    assert deliver_pending(wctx.engine, Broken(), now=clock.now) == 0
    with session_scope(wctx.engine, write=False) as session:
        kept = session.exec(select(OutboxMessage)).one()
        assert kept.sent_at is None
        assert kept.attempts == 1
        assert "relay down" in (kept.last_error or "")
    clock.advance(minutes=5)
    assert deliver_pending(wctx.engine, MemorySender(), now=clock.now) == 1


def test_five_wrong_codes_lock_a_personal_link(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    claimed = redeem_claim(wctx, issued.claim_code or "", display_name="Samir")
    assert claimed.personal_link is not None
    token = claimed.personal_link.url.rsplit("/", 1)[1]
    wrong = "000000" if claimed.personal_link.code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(WalletError) as error:
            redeem_personal_link(wctx, token, wrong)
        assert error.value.code == "login_code_wrong"
    with pytest.raises(WalletError) as locked:
        redeem_personal_link(wctx, token, claimed.personal_link.code)
    assert locked.value.code == "login_locked"


def test_counsellor_custody_is_recorded_visible_and_ends_at_hand_over(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    counsellor = open_wallet(wctx, display_name="Conseillère Inès")
    with session_scope(wctx.engine, write=False) as session:
        counsellor_user = session.get(Wallet, counsellor.id).holder_user_id  # type: ignore[union-attr]
    assert counsellor_user is not None
    with pytest.raises(WalletError) as not_a_counsellor:
        open_wallet_in_custody(
            wctx, display_name="Yonas", counsellor_user_id=counsellor_user, consent_given=True
        )
    assert not_a_counsellor.value.status == 403
    make_counsellor(wctx.engine, counsellor_user)
    with pytest.raises(WalletError) as refused:
        open_wallet_in_custody(
            wctx, display_name="Yonas", counsellor_user_id=counsellor_user, consent_given=False
        )
    assert refused.value.code == "consent_missing"
    kept = open_wallet_in_custody(
        wctx, display_name="Yonas", counsellor_user_id=counsellor_user, consent_given=True
    )
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    redeem_claim(wctx, issued.claim_code or "", wallet_id=kept.id)
    with session_scope(wctx.engine, write=False) as session:
        custody = active_custody(session, kept.id)
        assert custody is not None
        assert "Conseillère Inès" in custody.wording
    stranger = open_wallet(wctx, display_name="Autre")
    with pytest.raises(WalletError):
        hand_over(
            wctx, kept.id, counsellor_user_id=str(stranger.holder_user_id), display_name="Yonas"
        )
    link = hand_over(wctx, kept.id, counsellor_user_id=counsellor_user, display_name="Yonas")
    assert link is not None
    cookie = redeem_personal_link(wctx, link.url.rsplit("/", 1)[1], link.code)
    with session_scope(wctx.engine, write=False) as session:
        wallet = session.get(Wallet, kept.id)
        assert wallet is not None
        assert wallet.holder_user_id == session_user(wctx, cookie)
        assert wallet.taken_over_at is not None
        assert active_custody(session, kept.id) is None
        ended = session.exec(select(Consent).where(Consent.wallet_id == kept.id)).one()
        assert ended.end_reason == "taken_over"
        assert (
            len(session.exec(select(WalletItem).where(WalletItem.wallet_id == kept.id)).all()) == 1
        )


def test_erasing_a_wallet_removes_shares_and_personal_data_but_not_the_issuers_record(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    claimed = redeem_claim(wctx, issued.claim_code or "", display_name="Samir")
    created = create_share(wctx, claimed.wallet_id, [claimed.imported.item.id])
    with pytest.raises(WalletError):
        erase_wallet(wctx, claimed.wallet_id, confirmation="ok")
    erase_wallet(wctx, claimed.wallet_id, confirmation="supprimer")
    with pytest.raises(ShareGoneError):
        open_share(wctx, created.token)
    with session_scope(wctx.engine, write=False) as session:
        assert session.exec(select(Wallet)).all() == []
        assert session.exec(select(WalletItem)).all() == []
        assert session.exec(select(Share)).all() == []
        assert session.exec(select(User)).all() == []
        assert session.exec(select(LoginToken)).all() == []
        assert session.get(CredentialRow, issued.row_id) is not None
