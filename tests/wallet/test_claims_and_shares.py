"""The wallet's core journey on both databases: claim without e-mail, share for 7 days, the link
shows "verified", withdrawal and expiry answer "gone" (issue 6, "What must hold")."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from issuer.context import IssuerContext
from issuer.status import change_status
from storage.engine import session_scope
from storage.tables import Claim, Share, ShareAccess, User, WalletCompetence, WalletItem
from tests.wallet.fixtures import Clock, issue_with_claim_code
from verifier.report import Verdict
from wallet.access import redeem_personal_link, session_user
from wallet.claims import redeem_claim
from wallet.context import WalletContext, WalletError
from wallet.holders import open_wallet
from wallet.items import ImportOutcome, import_badge
from wallet.progress import ProgressState, group_by_referential
from wallet.shares import (
    ShareGoneError,
    access_log,
    create_share,
    open_share,
    parse_duration,
    withdraw_share,
)
from wallet.tokens import token_hash


def test_a_claim_code_opens_a_new_wallet_without_email_and_the_badge_is_verified(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    assert issued.claim_code
    typed = issued.claim_code.replace("-", " ").lower()  # as someone would type it
    result = redeem_claim(wctx, typed, display_name="Samir")
    assert result.imported.outcome == ImportOutcome.ADDED
    assert result.imported.item.verdict == Verdict.VERIFIED, result.imported.report.codes()
    assert result.imported.item.original_bytes == issued.signed_text.encode()
    assert result.personal_link is not None
    assert result.session_cookie
    with session_scope(wctx.engine, write=False) as session:
        user = session.exec(select(User)).one()
        assert user.email is None
        assert user.display_name == "Samir"
        claim = session.exec(select(Claim)).one()
        assert claim.redeemed_at == wctx.now()
        assert claim.wallet_id == result.wallet_id
        indexed = session.exec(select(WalletCompetence)).all()
        assert indexed
        assert all(c.wallet_id == result.wallet_id for c in indexed)
    # the personal link + short code lets the holder back in later
    token = result.personal_link.url.rsplit("/", 1)[1]
    cookie = redeem_personal_link(wctx, token, result.personal_link.code)
    assert session_user(wctx, cookie) == user.id


def test_a_claim_code_is_redeemed_only_once(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    redeem_claim(wctx, issued.claim_code or "", display_name="A")
    with pytest.raises(WalletError) as error:
        redeem_claim(wctx, issued.claim_code or "", display_name="B")
    assert error.value.code == "claim_already_redeemed"
    with pytest.raises(WalletError) as unknown:
        redeem_claim(wctx, "AAAA-BBBB-CCCC-DDDD")
    assert unknown.value.code == "claim_not_found"


def test_shared_for_seven_days_then_withdrawn_then_gone(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str], clock: Clock
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    claimed = redeem_claim(wctx, issued.claim_code or "", display_name="Samir")
    created = create_share(
        wctx,
        claimed.wallet_id,
        [claimed.imported.item.id],
        audience_name="Entreprise Exemple Maçonnerie",
        duration=parse_duration("7d"),
    )
    assert created.url == f"{wctx.base_url}/p/{created.token}"
    assert len(created.token) >= 22  # 128 bits in base64url
    with session_scope(wctx.engine, write=False) as session:
        stored = session.exec(select(Share)).one()
        assert stored.token_hash == token_hash(created.token)
        assert created.token not in stored.token_hash
    opened = open_share(wctx, created.token)
    assert [b.report.verdict for b in opened.badges] == [Verdict.VERIFIED]
    assert opened.share.audience_name == "Entreprise Exemple Maçonnerie"
    log = access_log(wctx, claimed.wallet_id, created.share.id)
    assert [a.accessed_at for a in log] == [clock.now]
    withdraw_share(wctx, claimed.wallet_id, created.share.id)
    with pytest.raises(ShareGoneError):
        open_share(wctx, created.token)
    with session_scope(wctx.engine, write=False) as session:
        assert session.exec(select(Share)).all() == []
        assert session.exec(select(ShareAccess)).all() == []  # hard delete, log included


def test_a_share_answers_gone_after_its_expiry(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str], clock: Clock
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    claimed = redeem_claim(wctx, issued.claim_code or "", display_name="Samir")
    created = create_share(
        wctx, claimed.wallet_id, [claimed.imported.item.id], duration=parse_duration("7d")
    )
    clock.advance(days=6, hours=23)
    assert open_share(wctx, created.token).badges
    clock.advance(hours=1)
    with pytest.raises(ShareGoneError) as gone:
        open_share(wctx, created.token)
    assert gone.value.status == 410


def test_a_revoked_badge_shows_as_not_valid_on_an_existing_share(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str], clock: Clock
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    claimed = redeem_claim(wctx, issued.claim_code or "", display_name="Samir")
    created = create_share(wctx, claimed.wallet_id, [claimed.imported.item.id])
    change_status(ictx, issued.row_id, action="revoke", reason="erreur")
    clock.advance(minutes=10)  # past the verifier's status-list cache
    opened = open_share(wctx, created.token)
    assert opened.badges[0].report.verdict == Verdict.NOT_VERIFIED


def test_one_holder_can_never_read_or_withdraw_anothers_share(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    owner = redeem_claim(wctx, issued.claim_code or "", display_name="Samir")
    created = create_share(wctx, owner.wallet_id, [owner.imported.item.id])
    intruder = open_wallet(wctx, display_name="Autre")
    for action in (
        lambda: access_log(wctx, intruder.id, created.share.id),
        lambda: withdraw_share(wctx, intruder.id, created.share.id),
        lambda: create_share(wctx, intruder.id, [owner.imported.item.id]),
    ):
        with pytest.raises(WalletError) as error:
            action()
        assert error.value.status == 404
    assert open_share(wctx, created.token).badges  # still there


def test_the_same_badge_imported_twice_is_recognised(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    holder = open_wallet(wctx, display_name="Lina")
    first = import_badge(wctx, holder.id, issued.signed_text)
    again = import_badge(wctx, holder.id, issued.signed_text.encode())
    assert first.outcome == ImportOutcome.ADDED
    assert again.outcome == ImportOutcome.DUPLICATE
    assert again.item.id == first.item.id


def test_progress_says_which_blocks_are_acquired_and_which_are_to_do(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    holder = open_wallet(wctx, display_name="Lina")
    for name in ("secu", "pla1"):
        issued = issue_with_claim_code(ictx, btp_achievements[name])
        import_badge(wctx, holder.id, issued.signed_text)
    from wallet.items import list_items

    with session_scope(wctx.engine, write=False) as session:
        items = list_items(session, holder.id)
    groups = group_by_referential(items, wctx.graph)
    assert len(groups) == 1
    assert len(groups[0].item_ids) == 2
    plaquiste = next(p for p in groups[0].progress if "Plaquiste" in p.label)
    states = {p.label: p.state for p in plaquiste.parts}
    assert plaquiste.state == ProgressState.IN_PROGRESS
    assert list(states.values()).count(ProgressState.ACQUIRED) == 2
    assert ProgressState.TO_DO in states.values()
    assert "acquis" in plaquiste.sentence()
    assert "à faire" in plaquiste.sentence()


def test_a_badge_withdrawn_by_its_issuer_shows_as_not_valid_once_checked_again(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str], clock: Clock
) -> None:
    from wallet.items import refresh_stale

    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    claimed = redeem_claim(wctx, issued.claim_code or "", display_name="Samir")
    change_status(ictx, issued.row_id, action="revoke", reason="erreur")
    clock.advance(hours=1)
    assert refresh_stale(wctx, claimed.wallet_id, max_age=timedelta(hours=24)) == 0
    clock.advance(hours=24)
    assert refresh_stale(wctx, claimed.wallet_id, max_age=timedelta(hours=24)) == 1
    with session_scope(wctx.engine, write=False) as session:
        item = session.get(WalletItem, claimed.imported.item.id)
        assert item is not None
        assert item.verdict == Verdict.NOT_VERIFIED
        assert "revoked" in str(item.verification_report)
        # a withdrawn badge no longer counts for matching
        assert session.exec(select(WalletCompetence)).all() == []


def test_the_graph_cache_picks_up_a_referential_published_after_start(wctx: WalletContext) -> None:
    from referentials.bundled import load_bundled
    from referentials.yaml_dump import dumps
    from storage.tables import DocumentFormat, ReferentialStatus
    from storage.tables import Referential as ReferentialRow
    from wallet.graph_source import GraphCache

    cache = GraphCache(wctx.engine, wctx.base_url)
    first = cache.get()
    assert cache.get() is first  # nothing changed: not rebuilt
    ref = load_bundled()[0]
    text = dumps(ref).replace(f"referentiel: {ref.slug}", "referentiel: nouveau-referentiel")
    with session_scope(wctx.engine) as session:
        session.add(
            ReferentialRow(
                slug="nouveau-referentiel",
                version=ref.version,
                title="Nouveau",
                status=ReferentialStatus.PUBLISHED,
                document_format=DocumentFormat.YAML,
                document=text,
                document_sha256="0" * 64,
            )
        )
    second = cache.get()
    assert second is not first
    assert ("nouveau-referentiel", ref.version) in second.referentials
