"""Requirements the loaded referentials cannot evaluate, expected levels, levels read from the
bytes a wallet stores."""

from __future__ import annotations

import json
import struct
import zlib
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from badges.baking import bake_png
from badges.jwt import encode_vc_jwt
from badges.keys import Ed25519KeyPair
from matching import store
from matching.credit import CreditTables
from matching.evidence import credential_from_bytes
from matching.jobs_yaml import JobFormatError, load_job
from matching.model import Holder, Holding, Job, Requirement
from matching.params import DEFAULT_PARAMETERS
from matching.ranking import Matcher
from matching.resolve import NodeResolver
from referentials.graph import SkillsGraph
from storage.engine import session_scope
from storage.tables import Wallet, WalletCompetence, WalletItem, WalletItemSource

AP = "https://atouts.example/referentials/attitude-pro-reunion/1.0"
BTP = "https://atouts.example/referentials/btp-blocs-exemple/1.0"
SE01 = f"{AP}/competences/SE01"
GONE = "https://elsewhere.example/referentials/retire/1.0/competences/X1"


def _png() -> bytes:
    """A valid 1x1 PNG to bake credentials into."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def _job(*requirements: Requirement) -> Job:
    return Job("OFF-X", "Offre", requirements)


def test_a_job_item_no_referential_knows_is_reported_not_a_crash(
    bundled_graph: SkillsGraph,
) -> None:
    matcher = Matcher(bundled_graph)
    job = _job(Requirement(GONE, label="Ancienne compétence"), Requirement(SE01))
    holder = Holder.of("h", [SE01, GONE])
    result = matcher.match(job, holder)
    assert result.score == 1.0  # scored on what can be evaluated
    assert result.complete is False  # a mandatory requirement cannot be shown to be met
    [unresolved] = result.unresolved
    assert (unresolved.requirement, unresolved.kind, unresolved.mandatory) == (GONE, "node", True)
    assert "n'existe dans aucun référentiel chargé" in unresolved.reason
    assert "Ancienne compétence" in unresolved.reason
    assert result.to_dict()["unresolved"][0]["kind"] == "node"
    # Both directions at scale go through the same engine.
    matcher.add_holder(holder)
    [candidate] = matcher.candidates(job)
    assert candidate.result.unresolved == result.unresolved
    matcher.add_job(job)
    [ranked] = matcher.jobs_for(holder)
    assert ranked.id == "OFF-X"
    assert ranked.result.unresolved == result.unresolved


def test_an_optional_unknown_item_does_not_prevent_completion(bundled_graph: SkillsGraph) -> None:
    result = Matcher(bundled_graph).match(
        _job(Requirement(SE01), Requirement(GONE, mandatory=False)), Holder.of("h", [SE01])
    )
    assert result.complete is True
    assert [u.kind for u in result.unresolved] == ["node"]


def test_a_job_made_only_of_unknown_items_scores_zero_and_lists_nobody(
    bundled_graph: SkillsGraph,
) -> None:
    matcher = Matcher(bundled_graph)
    matcher.add_holder(Holder.of("h", [SE01]))
    job = _job(Requirement(GONE))
    assert matcher.candidates(job) == []
    result = matcher.match(job, Holder.of("h", [SE01]))
    assert (result.score, result.complete, len(result.unresolved)) == (0.0, False, 1)


def test_an_unknown_expected_level_in_a_stored_job_is_reported(bundled_graph: SkillsGraph) -> None:
    result = Matcher(bundled_graph).match(
        _job(Requirement(SE01, level="expert")), Holder.of("h", [SE01])
    )
    [unresolved] = result.unresolved
    assert unresolved.kind == "level"
    assert "« expert »" in unresolved.reason
    assert result.complete is True  # scored without the level


def test_an_expected_level_that_resolves_to_nothing_is_an_error_with_its_line(
    bundled_graph: SkillsGraph,
) -> None:
    tables = CreditTables(bundled_graph, DEFAULT_PARAMETERS)
    text = (
        "offre: OFF-1\ntitre: Agent\nexigences:\n"
        f"  - element: {SE01}\n"
        "    niveau: expert\n"
        f"  - element: {AP}/competences/SE02\n"
        "    niveau: N2\n"
        f"  - element: {AP}/competences/SE03\n"
        "    niveau: 3\n"
    )
    resolve = NodeResolver(bundled_graph).resolve
    with pytest.raises(JobFormatError) as caught:
        load_job(text, resolve=resolve, level_rank=tables.level_rank)
    assert caught.value.errors == [
        (
            5,
            f"niveau inconnu « expert » pour l'élément « {SE01} » (donnez le rang du niveau, "
            "1 = le plus bas, ou le code ou l'identifiant d'un niveau d'un référentiel chargé)",
        )
    ]
    assert "ligne 5" in str(caught.value)
    fixed = load_job(text.replace("expert", "N1"), resolve=resolve, level_rank=tables.level_rank)
    assert [r.level for r in fixed.requirements] == ["N1", "N2", "3"]
    with pytest.raises(JobFormatError, match="niveau inconnu « True »"):
        load_job(text.replace("expert", "true"), resolve=resolve)  # not text: always refused


def _credential(badge_id: str, node: str, level: str | None) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": f"https://issuer.example/achievements/{badge_id}",
        "type": ["Achievement"],
        "name": badge_id,
        "alignment": [{"type": ["Alignment"], "targetUrl": node}],
        "resultDescription": [
            {
                "id": "urn:rd:1",
                "type": ["ResultDescription"],
                "resultType": "RubricCriterionLevel",
                "rubricCriterionLevel": [
                    {"id": f"urn:lvl:{n}", "level": f"N{n}", "name": f"N{n}"} for n in (1, 2, 3)
                ],
            }
        ],
    }
    subject: dict[str, Any] = {"type": ["AchievementSubject"], "achievement": achievement}
    if level is not None:
        subject["result"] = [
            {"type": ["Result"], "resultDescription": "urn:rd:1", "achievedLevel": level}
        ]
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": f"urn:uuid:{badge_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"]},
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": subject,
    }


def test_the_credential_is_read_from_json_jwt_and_baked_bytes() -> None:
    credential = _credential("b1", SE01, "urn:lvl:2")
    as_json = json.dumps(credential).encode()
    key = Ed25519KeyPair.from_seed(bytes(32))
    as_jwt = encode_vc_jwt(credential, key, kid="did:example:issuer#k").encode()
    baked = bake_png(_png(), json.dumps(credential))
    for raw in (as_json, b"\xef\xbb\xbf" + as_json, as_jwt, baked):
        found = credential_from_bytes(raw)
        assert found is not None
        assert found["credentialSubject"]["result"][0]["achievedLevel"] == "urn:lvl:2"
    assert credential_from_bytes(b"not a credential") is None
    assert credential_from_bytes(b"{broken") is None
    assert credential_from_bytes(b"\xff\xfe") is None


def _stored(engine: Engine, wallet_id: str, items: dict[str, tuple[bytes, str, str]]) -> None:
    """Items as the wallet stores them: bytes, verdict, and a level-less competence row."""
    with session_scope(engine) as session:
        session.add(Wallet(id=wallet_id, display_name=wallet_id))
        session.flush()
        for item_id, (raw, verdict, node) in items.items():
            session.add(
                WalletItem(
                    id=item_id,
                    wallet_id=wallet_id,
                    original_bytes=raw,
                    media_type="application/json",
                    content_sha256="0" * 64,
                    issuer_id="did:example:issuer",
                    credential_id=f"urn:uuid:{item_id}",
                    verdict=verdict,
                    verification_report={},
                    verified_at=datetime(2025, 1, 1, tzinfo=UTC),
                    summary={},
                    source=WalletItemSource.IMPORT,
                )
            )
            session.flush()
            session.add(
                WalletCompetence(
                    wallet_id=wallet_id, wallet_item_id=item_id, node_id=node, level=None
                )
            )


def test_stored_badges_keep_their_levels_when_holders_are_built(
    db_engine: Engine, bundled_graph: SkillsGraph
) -> None:
    tables = CreditTables(bundled_graph, DEFAULT_PARAMETERS)
    se02 = f"{AP}/competences/SE02"
    se03 = f"{AP}/competences/SE03"
    _stored(
        db_engine,
        "w1",
        {
            "i1": (json.dumps(_credential("i1", SE01, "urn:lvl:2")).encode(), "verified", SE01),
            "i2": (json.dumps(_credential("i2", se02, "urn:lvl:3")).encode(), "revoked", se02),
            "i3": (b"unreadable", "verified", se03),  # the wallet's row still counts
        },
    )
    with session_scope(db_engine) as session:
        store.opt_in(session, "w1")
    with session_scope(db_engine, write=False) as session:
        [with_levels] = store.opted_in_holders(session, tables=tables)
        plain = store.holder_for_wallet(session, "w1")
        one = store.holder_for_wallet(session, "w1", tables=tables)
    assert sorted((h.node, h.badge_id, h.level) for h in with_levels.holdings) == [
        (SE01, "urn:uuid:i1", 2),
        (se03, "urn:uuid:i3", None),
    ]
    assert one is not None
    assert one.holdings == with_levels.holdings
    assert plain is not None
    assert {h.level for h in plain.holdings} == {None}
    # The level now scales credit against an expected level.
    result = Matcher(bundled_graph).match(_job(Requirement(SE01, level="N3")), with_levels)
    assert result.score == pytest.approx(2 / 3)
    assert Holding(SE01, "urn:uuid:i1", 2, {"type": ["Alignment"], "targetUrl": SE01}) in (
        with_levels.holdings
    )
