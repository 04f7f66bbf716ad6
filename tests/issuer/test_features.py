"""Achievements, keys, exports, re-issue, claims and endorsements."""

from __future__ import annotations

import json
import secrets

import pytest
from sqlmodel import select

from badges.baking import extract_from_image
from badges.equality import current, same_credential
from issuer.achievements import create_achievement
from issuer.claims import redeem_claim
from issuer.context import IssuerContext, IssuerError
from issuer.custody import KeyCustody, KeyCustodyError
from issuer.endorsements import endorse
from issuer.exports import export_credential
from issuer.images import claim_qr_svg
from issuer.issuance import JWT_SUITE, IssueSpec
from issuer.orgs import create_organisation, did_document, rotate_key
from issuer.recipients import parse_recipient
from issuer.service import get_credential, issue
from storage.engine import session_scope
from storage.tables import IssuerKey, Organisation
from tests.issuer.conftest import BASE, Clock, check, referential
from verifier import Verdict


def _spec(**extra: object) -> IssueSpec:
    return IssueSpec(recipient=parse_recipient("a@example.org"), **extra)  # type: ignore[arg-type]


def test_a_block_aligns_all_its_mandatory_competences(
    ctx: IssuerContext, org: Organisation
) -> None:
    ref = referential("btp-blocs-exemple")
    row = create_achievement(ctx, org.slug, ref, ["MAC-B1"])
    alignments = row.achievement["alignment"]
    assert alignments[0]["targetUrl"].endswith("/blocks/MAC-B1")
    assert len(alignments) > 1
    for alignment in alignments:
        assert alignment["targetType"] == "CFItem"
        assert alignment["targetUrl"].startswith(f"{BASE}/referentials/btp-blocs-exemple/1.0/")
        assert alignment["targetFramework"]
    assert row.achievement["criteria"]["narrative"]


def test_achievement_levels_come_from_the_referential(
    ctx: IssuerContext, org: Organisation
) -> None:
    row = create_achievement(ctx, org.slug, referential("attitude-pro-reunion"), ["SE01", "SE02"])
    levels = row.achievement["resultDescription"][0]["rubricCriterionLevel"]
    assert [level["level"] for level in levels] == ["N1", "N2", "N3"]


def test_unknown_items_and_unknown_levels_are_refused(
    ctx: IssuerContext, org: Organisation, achievement_id: str
) -> None:
    with pytest.raises(IssuerError) as caught:
        create_achievement(ctx, org.slug, referential("attitude-pro-reunion"), ["NOPE"])
    assert caught.value.code == "unknown_item"
    with pytest.raises(IssuerError) as caught:
        issue(ctx, achievement_id, _spec(level="N7"))
    assert caught.value.code == "level_unknown"


def test_keys_are_sealed_and_open_only_with_the_master_key(
    ctx: IssuerContext, org: Organisation
) -> None:
    with session_scope(ctx.engine, write=False) as session:
        key = session.exec(select(IssuerKey)).one()
    assert key.encrypted_secret is not None
    other = KeyCustody([secrets.token_bytes(32)])
    with pytest.raises(KeyCustodyError):
        other.open(key.encrypted_secret, key.kek_id, aad=key.verification_method)
    with pytest.raises(KeyCustodyError):
        ctx.custody.open(key.encrypted_secret, key.kek_id, aad="did:web:elsewhere#key-1")


def test_rotation_keeps_old_badges_verifiable(
    ctx: IssuerContext, org: Organisation, achievement_id: str, clock: Clock
) -> None:
    before = issue(ctx, achievement_id, _spec())
    clock.advance()
    rotate_key(ctx, org.slug)
    after = issue(ctx, achievement_id, _spec())
    document = did_document(ctx, org.slug)
    assert len(document["assertionMethod"]) == 2
    assert json.loads(after.signed_text)["proof"]["verificationMethod"].endswith("#key-2")
    assert check(ctx, before.signed_text).verdict == Verdict.VERIFIED
    assert check(ctx, after.signed_text).verdict == Verdict.VERIFIED


def test_local_demo_uses_did_key_and_verifies_offline(db_url: str, kek: bytes) -> None:
    from storage.engine import create_engine

    engine = create_engine(db_url)
    try:
        local = IssuerContext(
            engine=engine, custody=KeyCustody([kek]), base_url="http://127.0.0.1:8000"
        )
        org = create_organisation(local, slug="demo", name="Démo")
        assert str(org.issuer_id).startswith("did:key:z6Mk")
        row = create_achievement(local, "demo", referential("attitude-pro-reunion"), ["SE03"])
        issued = issue(local, row.id, _spec())
        assert check(local, issued.signed_text).verdict == Verdict.VERIFIED
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_baked_images_carry_the_exact_signed_bytes(
    ctx: IssuerContext, achievement_id: str, kind: str
) -> None:
    issued = issue(ctx, achievement_id, _spec())
    exported = export_credential(ctx, issued.row_id, kind)
    assert extract_from_image(exported.data).payload == issued.signed_text
    assert check(ctx, exported.data).verdict == Verdict.VERIFIED


def test_json_and_jwt_exports_match_the_issued_format(
    ctx: IssuerContext, achievement_id: str
) -> None:
    as_json = issue(ctx, achievement_id, _spec())
    as_jwt = issue(ctx, achievement_id, _spec(suite=JWT_SUITE))
    assert export_credential(ctx, as_json.row_id, "json").data == as_json.signed_text.encode()
    assert export_credential(ctx, as_jwt.row_id, "jwt").data == as_jwt.signed_text.encode()
    with pytest.raises(IssuerError) as caught:
        export_credential(ctx, as_json.row_id, "jwt")
    assert caught.value.code == "format_unavailable"
    baked = export_credential(ctx, as_jwt.row_id, "png").data
    assert check(ctx, baked).verdict == Verdict.VERIFIED


def test_reissue_keeps_the_id_and_replaces_per_the_equality_rule(
    ctx: IssuerContext, achievement_id: str, clock: Clock
) -> None:
    first = issue(ctx, achievement_id, _spec(level="N1"))
    clock.advance(3600)
    second = issue(ctx, achievement_id, _spec(level="N2", replaces=first.row_id))
    old, new = json.loads(first.signed_text), json.loads(second.signed_text)
    assert same_credential(old, new)
    assert current(old, new) == new
    assert get_credential(ctx, first.credential_id).id == second.row_id
    assert check(ctx, second.signed_text).verdict == Verdict.VERIFIED
    with pytest.raises(IssuerError):
        issue(ctx, achievement_id, _spec(replaces=first.row_id))
    # Withdrawing "the badge" by its id withdraws its current version.
    from issuer.status import change_status

    change_status(ctx, first.credential_id, action="revoke")
    assert "revoked" in check(ctx, second.signed_text).codes()


def test_badge_without_recipient_gets_a_claim_code_redeemed_once(
    ctx: IssuerContext, achievement_id: str
) -> None:
    issued = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient(None)))
    assert issued.claim_code is not None
    assert issued.claim_url == f"{BASE}/reclamer/{issued.claim_code}"
    subject = json.loads(issued.signed_text)["credentialSubject"]
    assert issued.claim_code not in issued.signed_text
    assert subject["identifier"][0]["hashed"] is True
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED
    assert b"<svg" in claim_qr_svg(issued.claim_url)
    assert redeem_claim(ctx, issued.claim_code).id == issued.row_id
    with pytest.raises(IssuerError) as caught:
        redeem_claim(ctx, issued.claim_code)
    assert caught.value.code == "claim_already_used"


def test_employer_endorsement_is_signed_by_the_employer_and_travels_with_new_badges(
    ctx: IssuerContext, achievement_id: str
) -> None:
    create_organisation(ctx, slug="hotel-lagon", name="Hôtel Lagon Exemple")
    signed = endorse(
        ctx,
        "hotel-lagon",
        comment="Ce badge correspond à nos attentes",
        achievement_id=achievement_id,
    )
    assert signed["issuer"]["id"].endswith(":issuers:hotel-lagon")
    assert check(ctx, signed).verdict == Verdict.VERIFIED
    issued = issue(ctx, achievement_id, _spec())
    embedded = json.loads(issued.signed_text)["credentialSubject"]["achievement"]["endorsement"]
    assert embedded == [signed]
    report = check(ctx, issued.signed_text)
    assert report.verdict == Verdict.VERIFIED, report.codes()
    ref_endorsement = endorse(
        ctx, "hotel-lagon", comment="Référentiel utile", referential=("attitude-pro-reunion", "1.0")
    )
    assert ref_endorsement["credentialSubject"]["id"].endswith(
        "/referentials/attitude-pro-reunion/1.0"
    )


def test_recipients_are_recognised_and_bad_ones_refused() -> None:
    assert parse_recipient("06 92 12 34 56").value == "+33692123456"
    assert parse_recipient("nir:1 85 05 97 411 123").value == "1850597411123"
    assert parse_recipient("id:CFA-2026-0042").kind == "local_id"
    with pytest.raises(IssuerError):
        parse_recipient("quelqu'un")


def test_expired_badge_is_reported_expired(
    ctx: IssuerContext, achievement_id: str, clock: Clock
) -> None:
    from datetime import timedelta

    issued = issue(ctx, achievement_id, _spec(valid_until=clock.now + timedelta(days=30)))
    assert json.loads(issued.signed_text)["validUntil"] == "2026-04-01T09:00:00Z"
    later = check(ctx, issued.signed_text, now=clock.now + timedelta(days=31))
    assert "expired" in later.codes()
    with pytest.raises(IssuerError) as caught:
        issue(ctx, achievement_id, _spec(valid_until=clock.now - timedelta(days=1)))
    assert caught.value.code == "valid_until_before_valid_from"


def test_organisation_in_a_network_names_its_parent(ctx: IssuerContext, org: Organisation) -> None:
    child = create_organisation(ctx, slug="antenne-sud", name="Antenne Sud", parent_slug=org.slug)
    assert child.parent_id == org.id
    assert child.profile["parentOrg"]["id"] == org.issuer_id
    with pytest.raises(IssuerError) as caught:
        create_organisation(ctx, slug="antenne-sud", name="Encore")
    assert caught.value.status == 409
