"""Issue 4 acceptance: the bullets of "Issuers, keys, achievements" and "Issuing" that the other
issuer tests touch only in passing, each checked against what the bullet says (on SQLite and
PostgreSQL): where the master key comes from, what the did:web document publishes, what an
achievement aligns, how recipients are hashed, what evidence and dates are signed, how the
status list is published and what stays private, and where a badge can be verified publicly."""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlmodel import select

from badges.identity import identity_hash
from badges.keys import Ed25519KeyPair, Ed25519PublicKey
from badges.proofs.data_integrity import verify_proof
from badges.status_list import StatusList as Bitstring
from issuer.achievements import create_achievement
from issuer.context import IssuerContext, IssuerError, iso
from issuer.custody import KeyCustodyError, generate_kek, load_custody
from issuer.issuance import IssueSpec, evidence_item
from issuer.orgs import add_member, did_document, rotate_key
from issuer.recipients import claim_code_hash, parse_recipient
from issuer.service import issue
from issuer.status import change_status
from storage.engine import session_scope
from storage.tables import (
    AuditEvent,
    Claim,
    Credential,
    CredentialRecipient,
    IssuerKey,
    Member,
    MemberRole,
    Organisation,
    StatusAllocation,
    StatusList,
    User,
)
from tests.issuer.conftest import BASE, Clock, check, referential
from verifier import Verdict

# -- keys -----------------------------------------------------------------------------------------


def test_the_master_key_comes_from_atouts_secret_key_or_a_key_file_outside_the_database(
    tmp_path: Path,
) -> None:
    text = generate_kek()
    home = tmp_path / "home"
    from_env = load_custody({"ATOUTS_SECRET_KEY": text}, home)
    assert not (home / "secret.key").exists()  # nothing written when the key is given
    key_file = tmp_path / "coffre" / "atouts.kek"
    key_file.parent.mkdir()
    key_file.write_text(text + "\n", encoding="utf-8")
    from_file = load_custody({"ATOUTS_SECRET_KEY_FILE": str(key_file)}, home)

    pair = Ed25519KeyPair.generate()
    blob, kek_id = from_env.seal(pair, aad="did:web:formation.example:issuers:x#key-1")
    assert pair.seed not in blob
    opened = from_file.open(blob, kek_id, aad="did:web:formation.example:issuers:x#key-1")
    assert opened.seed == pair.seed

    # A local demo without either: a key file under ATOUTS_HOME, private, kept across starts.
    first = load_custody({}, home)
    assert stat.S_IMODE((home / "secret.key").stat().st_mode) == 0o600
    blob, kek_id = first.seal(pair, aad="m")
    assert load_custody({}, home).open(blob, kek_id, aad="m").seed == pair.seed

    with pytest.raises(KeyCustodyError, match="introuvable"):
        load_custody({"ATOUTS_SECRET_KEY_FILE": str(tmp_path / "absent.kek")}, home)
    with pytest.raises(KeyCustodyError, match="32 octets"):
        load_custody({"ATOUTS_SECRET_KEY": "abcd"}, home)


def test_a_new_master_key_still_opens_issuer_keys_sealed_with_the_previous_one(
    ctx: IssuerContext, achievement_id: str, kek: bytes, clock: Clock
) -> None:
    before = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("a@example.org")))
    new_text = generate_kek()
    rotated = IssuerContext(
        engine=ctx.engine,
        custody=load_custody(
            {"ATOUTS_SECRET_KEY": new_text, "ATOUTS_SECRET_KEY_PREVIOUS": kek.hex()}, Path("/")
        ),
        base_url=BASE,
        clock=clock,
    )
    clock.advance()
    after = issue(rotated, achievement_id, IssueSpec(recipient=parse_recipient("b@example.org")))
    assert check(rotated, before.signed_text).verdict == Verdict.VERIFIED
    assert check(rotated, after.signed_text).verdict == Verdict.VERIFIED

    forgotten = IssuerContext(
        engine=ctx.engine,
        custody=load_custody({"ATOUTS_SECRET_KEY": new_text}, Path("/")),
        base_url=BASE,
        clock=clock,
    )
    with pytest.raises(KeyCustodyError):
        issue(forgotten, achievement_id, IssueSpec(recipient=parse_recipient("c@example.org")))


def test_the_did_web_document_lists_every_key_as_a_multikey_for_assertions(
    ctx: IssuerContext, org: Organisation, clock: Clock
) -> None:
    assert org.issuer_id == "did:web:formation.example:issuers:mission-ouest"
    clock.advance()
    rotate_key(ctx, org.slug)
    document = did_document(ctx, org.slug)
    with session_scope(ctx.engine, write=False) as session:
        keys = session.exec(select(IssuerKey).order_by(IssuerKey.created_at)).all()  # type: ignore[arg-type]
    assert [k.retired_at is not None for k in keys] == [True, False]
    assert document["id"] == org.issuer_id
    assert "https://w3id.org/security/multikey/v1" in document["@context"]
    assert [m["id"] for m in document["verificationMethod"]] == [
        f"{org.issuer_id}#key-1",
        f"{org.issuer_id}#key-2",
    ]
    for method, key in zip(document["verificationMethod"], keys, strict=True):
        assert method["type"] == "Multikey"
        assert method["controller"] == org.issuer_id
        assert method["publicKeyMultibase"] == key.public_key_multibase
        assert Ed25519PublicKey.from_multibase(method["publicKeyMultibase"])
    assert document["assertionMethod"] == [m["id"] for m in document["verificationMethod"]]
    # The profile published with every badge names the same identifier.
    assert org.profile["id"] == org.issuer_id
    assert org.profile["url"] == f"{BASE}/issuers/mission-ouest"


# -- organisations and members ------------------------------------------------------------------


def test_members_hold_the_roles_admin_issuer_and_reviewer(
    ctx: IssuerContext, org: Organisation
) -> None:
    for email, role in [
        ("direction@example.org", MemberRole.ADMIN),
        ("formatrice@example.org", MemberRole.ISSUER),
        ("relecteur@example.org", MemberRole.REVIEWER),
        ("Formatrice@Example.org", MemberRole.REVIEWER),  # one person, a second role
    ]:
        add_member(ctx, org.slug, email=email, display_name="", role=role)
    again = add_member(
        ctx, org.slug, email="formatrice@example.org", display_name="", role=MemberRole.ISSUER
    )
    with session_scope(ctx.engine, write=False) as session:
        rows = session.exec(
            select(User.email, Member.role).join(User, User.id == Member.user_id)  # type: ignore[arg-type]
        ).all()
        assert again.id in {m.id for m in session.exec(select(Member)).all()}
    assert sorted((email, str(role)) for email, role in rows) == [
        ("direction@example.org", "admin"),
        ("formatrice@example.org", "issuer"),
        ("formatrice@example.org", "reviewer"),
        ("relecteur@example.org", "reviewer"),
    ]
    with pytest.raises(IssuerError) as caught:
        add_member(ctx, "inconnue", email="x@example.org", display_name="", role=MemberRole.ADMIN)
    assert (caught.value.code, caught.value.status) == ("organisation_not_found", 404)


# -- achievements ---------------------------------------------------------------------------------


def test_each_chosen_competence_is_an_alignment_to_its_public_item(
    ctx: IssuerContext, org: Organisation
) -> None:
    ref = referential("attitude-pro-reunion")
    row = create_achievement(ctx, org.slug, ref, ["SE01", "SE02"])
    document = row.achievement
    expected = [
        {
            "targetType": "CFItem",
            "targetUrl": ref.item(code).url(BASE, ref.slug, ref.version),
            "targetCode": ref.item(code).human_code or code,
            "targetFramework": ref.title["fr"],
            "targetName": ref.item(code).label("fr"),
        }
        for code in ("SE01", "SE02")
    ]
    assert [{k: a[k] for k in expected[0]} for a in document["alignment"]] == expected
    assert (
        expected[0]["targetUrl"] == f"{BASE}/referentials/attitude-pro-reunion/1.0/competences/SE01"
    )
    for code in ("SE01", "SE02"):
        for criterion in ref.item(code).criteria["fr"]:
            assert criterion in document["criteria"]["narrative"]
    assert document["image"] == {"id": f"{BASE}/achievements/{row.id}/image.svg", "type": "Image"}
    levels = document["resultDescription"][0]["rubricCriterionLevel"]
    assert [(lv["level"], lv["name"]) for lv in levels] == [
        ("N1", ref.item("N1").label("fr")),
        ("N2", ref.item("N2").label("fr")),
        ("N3", ref.item("N3").label("fr")),
    ]


def test_a_block_achievement_requires_the_whole_block(
    ctx: IssuerContext, org: Organisation, achievement_id: str
) -> None:
    ref = referential("btp-blocs-exemple")
    members = {
        rel.source
        for rel in ref.relations
        if rel.type == "isPartOf" and rel.target == "MAC-B1" and rel.mandatory is not False
    }
    assert len(members) >= 2
    row = create_achievement(ctx, org.slug, ref, ["MAC-B1"])
    codes = [a["targetCode"] for a in row.achievement["alignment"]]
    block = ref.item("MAC-B1")
    assert codes[0] == block.human_code
    assert set(codes[1:]) == {ref.item(c).human_code or c for c in members}
    for code in members:  # each mandatory competence's criteria are part of what is required
        for criterion in ref.item(code).criteria.get("fr", ()):
            assert criterion in row.achievement["criteria"]["narrative"]
    issued = issue(ctx, row.id, IssueSpec(recipient=parse_recipient("a@example.org")))
    signed = json.loads(issued.signed_text)
    assert signed["credentialSubject"]["achievement"]["alignment"] == row.achievement["alignment"]
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED


def test_an_achievement_is_built_only_from_a_published_referential(
    ctx: IssuerContext, org: Organisation
) -> None:
    draft = referential("attitude-pro-reunion").new_version("9.9")
    with pytest.raises(IssuerError) as caught:
        create_achievement(ctx, org.slug, draft, ["SE01"])
    assert (caught.value.code, caught.value.status) == ("referential_not_published", 409)
    assert "publiez-le" in caught.value.message


# -- single issue ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "plain", "identity_type"),
    [
        ("Lea.Martin@Example.org", "lea.martin@example.org", "emailAddress"),
        ("0692 12 34 56", "+33692123456", "ext:telephone"),
        ("nir:1 85 05 97 411 123", "1850597411123", "nationalIdentityNumber"),
        ("id:CFA-2026-0042", "CFA-2026-0042", "sourcedId"),
    ],
)
def test_recipient_identifiers_are_salted_hashes_never_the_contact(
    ctx: IssuerContext, achievement_id: str, typed: str, plain: str, identity_type: str
) -> None:
    first = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient(typed)))
    second = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient(typed)))
    identities = [
        json.loads(i.signed_text)["credentialSubject"]["identifier"][0] for i in (first, second)
    ]
    for identity, issued in zip(identities, (first, second), strict=True):
        assert identity["type"] == "IdentityObject"
        assert identity["hashed"] is True
        assert identity["identityType"] == identity_type
        assert len(identity["salt"]) >= 16
        # Whoever knows the contact (and reads the salt) can check it is theirs.
        assert identity["identityHash"] == identity_hash(plain, identity["salt"])
        assert plain not in issued.signed_text
        assert typed not in issued.signed_text
    # A fresh salt per badge: two badges of one person cannot be linked by their hashes.
    assert identities[0]["salt"] != identities[1]["salt"]
    assert identities[0]["identityHash"] != identities[1]["identityHash"]
    with session_scope(ctx.engine, write=False) as session:
        contacts = session.exec(select(CredentialRecipient.contact)).all()
    assert contacts == [plain, plain]  # kept privately, to reach the person


def test_a_badge_for_nobody_yet_is_bound_to_its_claim_code_link_and_printable_qr(
    ctx: IssuerContext, achievement_id: str
) -> None:
    from issuer.claims import redeem_claim
    from issuer.images import claim_qr_svg

    issued = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient(None)))
    assert issued.claim_code is not None
    assert issued.claim_url == f"{BASE}/reclamer/{issued.claim_code}"
    identity = json.loads(issued.signed_text)["credentialSubject"]["identifier"][0]
    assert identity["identityType"] == "ext:claimCode"
    assert identity["identityHash"] == identity_hash(issued.claim_code, identity["salt"])
    qr = claim_qr_svg(issued.claim_url)
    root = ElementTree.fromstring(qr)
    assert root.tag.endswith("svg")
    assert qr != claim_qr_svg(f"{BASE}/reclamer/AAAA-BBBB-CCCC-DDDD")  # it encodes the link
    with session_scope(ctx.engine, write=False) as session:
        claims = session.exec(select(Claim)).all()
    assert [c.code_hash for c in claims] == [claim_code_hash(issued.claim_code)]
    assert issued.claim_code not in repr([c.model_dump() for c in claims])  # only its hash
    # A counsellor may type it in lower case: it is still the same code, redeemed once.
    assert redeem_claim(ctx, issued.claim_code.lower()).id == issued.row_id


def test_evidence_narrative_file_digest_and_link_are_signed_into_the_badge(
    ctx: IssuerContext, achievement_id: str
) -> None:
    photo = b"photo du mur monte en atelier"
    digest = hashlib.sha256(photo).hexdigest()
    spec = IssueSpec(
        recipient=parse_recipient("a@example.org"),
        level="N2",
        evidence=[
            evidence_item(narrative="Accueil d'un client observé en situation", name="Observation"),
            evidence_item(file_sha256=digest, name="Photo"),
            evidence_item(url="https://exemple.org/portfolio/42", narrative="Portfolio"),
        ],
    )
    issued = issue(ctx, achievement_id, spec)
    credential = json.loads(issued.signed_text)
    ni = "ni:///sha-256;" + base64.urlsafe_b64encode(bytes.fromhex(digest)).decode().rstrip("=")
    assert credential["evidence"] == [
        {
            "type": ["Evidence"],
            "narrative": "Accueil d'un client observé en situation",
            "name": "Observation",
        },
        {"type": ["Evidence"], "id": ni, "name": "Photo"},
        {"type": ["Evidence"], "id": "https://exemple.org/portfolio/42", "narrative": "Portfolio"},
    ]
    assert photo.decode() not in issued.signed_text  # the file itself is never published
    result = credential["credentialSubject"]["result"][0]
    assert (
        result["achievedLevel"]
        == f"{credential['credentialSubject']['achievement']['id']}#niveau-N2"
    )
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED
    with pytest.raises(IssuerError) as caught:
        evidence_item()
    assert caught.value.code == "evidence_empty"


def test_valid_from_and_valid_until_are_signed_as_given_with_eddsa_rdfc_2022_by_default(
    ctx: IssuerContext, achievement_id: str, clock: Clock
) -> None:
    observed = clock.now - timedelta(days=3)
    until = clock.now + timedelta(days=365)
    spec = IssueSpec(recipient=parse_recipient("a@example.org"), valid_from=observed)
    spec.valid_until = until
    issued = issue(ctx, achievement_id, spec)
    credential = json.loads(issued.signed_text)
    assert (credential["validFrom"], credential["validUntil"]) == (iso(observed), iso(until))
    assert credential["proof"]["type"] == "DataIntegrityProof"
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["proof"]["created"] == iso(clock.now)
    with session_scope(ctx.engine, write=False) as session:
        row = session.exec(select(Credential)).one()
    assert (row.valid_from, row.valid_until, row.proof_suite) == (
        observed,
        until,
        "eddsa-rdfc-2022",
    )
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED
    default = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("b@example.org")))
    assert json.loads(default.signed_text)["validFrom"] == iso(clock.now)
    with pytest.raises(IssuerError) as caught:
        issue(
            ctx,
            achievement_id,
            IssueSpec(recipient=parse_recipient("c@example.org"), suite="RsaSignature2018"),
        )
    assert caught.value.code == "suite_unknown"


def test_each_badge_has_a_public_verification_url_on_its_issuer(
    ctx: IssuerContext, achievement_id: str
) -> None:
    from urllib.parse import parse_qs, urlsplit

    issued = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("a@example.org")))
    credential = json.loads(issued.signed_text)
    assert credential["id"] == issued.credential_id == f"{BASE}/credentials/{issued.row_id}"
    parts = urlsplit(issued.verification_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{BASE}/verifier"
    assert parse_qs(parts.query) == {"url": [issued.credential_id]}
    assert issued.to_json()["verification_url"] == issued.verification_url


# -- status lists ---------------------------------------------------------------------------------


def _published(ctx: IssuerContext, url: str) -> tuple[StatusList, dict[str, object]]:
    with session_scope(ctx.engine, write=False) as session:
        row = session.exec(select(StatusList).where(StatusList.url == url)).one()
    assert row.published_text is not None
    return row, json.loads(row.published_text)


def _bit(document: dict[str, object], index: int) -> int:
    subject = document["credentialSubject"]
    assert isinstance(subject, dict)
    return Bitstring.decode(subject["encodedList"]).get(index)


def test_the_signed_status_list_stays_at_its_url_and_is_republished_after_each_change(
    ctx: IssuerContext, achievement_id: str, clock: Clock
) -> None:
    issued = issue(
        ctx, achievement_id, IssueSpec(recipient=parse_recipient("a@example.org"), suspendable=True)
    )
    entry = json.loads(issued.signed_text)["credentialStatus"]
    url, index = entry["statusListCredential"], int(entry["statusListIndex"])
    assert url.startswith(f"{BASE}/status/")
    row, document = _published(ctx, url)
    assert document["id"] == url
    assert document["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert _bit(document, index) == 0

    with session_scope(ctx.engine, write=False) as session:
        key = session.exec(select(IssuerKey)).one()
    public = Ed25519PublicKey.from_multibase(key.public_key_multibase)

    def signed_by_the_issuer(doc: dict[str, object]) -> bool:
        return verify_proof(doc, resolve_key=lambda _vm: public).verified

    assert signed_by_the_issuer(document)
    seen_versions = [row.published_version]
    for action, bit in [("suspend", 1), ("reinstate", 0), ("revoke", 1)]:
        clock.advance()
        change_status(ctx, issued.row_id, action=action, reason="dossier incomplet")
        row, document = _published(ctx, url)  # same URL, new signed content
        assert _bit(document, index) == bit
        assert signed_by_the_issuer(document)
        assert row.published_version == row.version
        seen_versions.append(row.published_version)
    assert seen_versions == sorted(set(seen_versions))  # one publication per change


def test_status_reasons_are_kept_privately_and_never_published_or_logged(
    ctx: IssuerContext, achievement_id: str
) -> None:
    reason = "fraude suspectée sur la feuille d'émargement"
    issued = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("a@example.org")))
    change_status(ctx, issued.row_id, action="revoke", reason=reason)
    with session_scope(ctx.engine, write=False) as session:
        row = session.get(Credential, issued.row_id)
        lists = session.exec(select(StatusList.published_text)).all()
        events = session.exec(select(AuditEvent)).all()
    assert row is not None
    assert (str(row.state), row.state_reason) == ("revoked", reason)
    assert all(reason not in (text or "") for text in lists)
    assert reason not in repr([(e.action, e.details) for e in events])
    assert reason not in json.dumps(check(ctx, issued.signed_text).to_json_dict())


def test_status_indexes_are_drawn_at_random_and_never_given_twice(
    ctx: IssuerContext, achievement_id: str
) -> None:
    for i in range(24):
        issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient(f"p{i}@example.org")))
    with session_scope(ctx.engine, write=False) as session:
        indexes = session.exec(select(StatusAllocation.status_index)).all()
        length = session.exec(select(StatusList.length)).first()
    assert length is not None
    assert length >= 131_072
    assert len(indexes) == len(set(indexes)) == 24
    # Sequential allocation would give 0..23; random draws over 131,072 entries spread out.
    assert sorted(indexes) != list(range(min(indexes), min(indexes) + 24))
    assert max(indexes) - min(indexes) > 24


# -- endorsements ---------------------------------------------------------------------------------


def test_an_employer_endorses_a_referential_with_a_signed_stored_credential(
    ctx: IssuerContext, achievement_id: str
) -> None:
    from issuer.endorsements import endorse
    from issuer.orgs import create_organisation
    from storage.tables import Endorsement

    create_organisation(ctx, slug="hotel-lagon", name="Hôtel Lagon Exemple")
    signed = endorse(
        ctx,
        "hotel-lagon",
        comment="Ces savoir-être sont ceux que nous attendons",
        referential=("attitude-pro-reunion", "1.0"),
    )
    assert signed["type"] == ["VerifiableCredential", "EndorsementCredential"]
    assert signed["credentialSubject"]["id"] == f"{BASE}/referentials/attitude-pro-reunion/1.0"
    assert signed["issuer"]["id"] == "did:web:formation.example:issuers:hotel-lagon"
    assert check(ctx, signed).verdict == Verdict.VERIFIED
    with session_scope(ctx.engine, write=False) as session:
        row = session.exec(select(Endorsement)).one()
    assert json.loads(row.signed_text) == signed
    assert row.credential_id == signed["id"] == f"{BASE}/endorsements/{row.id}"
    with pytest.raises(IssuerError) as caught:
        endorse(ctx, "hotel-lagon", comment="x", referential=("inconnu", "1.0"))
    assert (caught.value.code, caught.value.status) == ("referential_not_found", 404)
    with pytest.raises(IssuerError) as caught:
        endorse(ctx, "hotel-lagon", comment="x")
    assert caught.value.code == "endorsement_subject"
