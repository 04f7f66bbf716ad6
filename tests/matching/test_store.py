"""The storage adapter: jobs round-trip, opt-in and withdrawal, verified competences only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from matching import store
from matching.model import Holder, Holding, Job, Requirement
from matching.ranking import Matcher
from referentials.graph import SkillsGraph
from storage.engine import session_scope
from storage.tables import Wallet, WalletItem, WalletItemSource

BTP = "https://atouts.example/referentials/btp-blocs-exemple/1.0"
AP = "https://atouts.example/referentials/attitude-pro-reunion/1.0"


def _wallet(engine: Engine, wallet_id: str, verdicts: dict[str, str]) -> None:
    with session_scope(engine) as session:
        session.add(Wallet(id=wallet_id, display_name=wallet_id))
        session.flush()
        for item_id, verdict in verdicts.items():
            session.add(
                WalletItem(
                    id=item_id,
                    wallet_id=wallet_id,
                    original_bytes=b"{}",
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


def test_a_job_round_trips_through_the_tables(db_engine: Engine) -> None:
    job = Job(
        "OFF-1",
        "Maçon",
        (
            Requirement(f"{BTP}/blocks/MAC-B1", True, "2", "Gros œuvre"),
            Requirement("urn:x:y", False),
        ),
        ("urn:rome:fiche:F1703",),
        "Chantiers",
    )
    with session_scope(db_engine) as session:
        store.save_job(session, job)
    with session_scope(db_engine) as session:
        assert store.get_job(session, "OFF-1") == job
        assert store.list_jobs(session) == [job]
        store.save_job(session, Job("OFF-1", "Maçon", job.requirements[:1], status="closed"))
    with session_scope(db_engine) as session:
        assert store.list_jobs(session) == []
        assert store.list_jobs(session, status=None)[0].requirements == job.requirements[:1]
        assert store.delete_job(session, "OFF-1")
        assert store.get_job(session, "OFF-1") is None


def test_only_opted_in_wallets_with_verified_items_are_candidates(
    db_engine: Engine, bundled_graph: SkillsGraph
) -> None:
    _wallet(db_engine, "w1", {"i1": "verified", "i2": "not_verified"})
    _wallet(db_engine, "w2", {"i3": "verified"})
    with session_scope(db_engine) as session:
        store.record_holdings(session, "w1", "i1", [Holding(f"{BTP}/blocks/MAC-B1", level=2)])
        store.record_holdings(session, "w1", "i2", [Holding(f"{BTP}/blocks/MAC-B2")])
        store.record_holdings(session, "w2", "i3", [Holding(f"{BTP}/blocks/MAC-B1")])
        store.opt_in(session, "w1", {"display_name": "Awa"})
    with session_scope(db_engine) as session:
        holders = store.opted_in_holders(session)
        assert [h.id for h in holders] == ["w1"]
        assert [(h.node, h.badge_id, h.level) for h in holders[0].holdings] == [
            (f"{BTP}/blocks/MAC-B1", "urn:uuid:i1", 2)
        ]
        assert holders[0].disclosure == {"display_name": "Awa"}
        w2 = store.holder_for_wallet(session, "w2")
        assert w2 is not None
        assert [h.node for h in w2.holdings] == [f"{BTP}/blocks/MAC-B1"]
        assert store.holder_for_wallet(session, "nobody") is None
        assert store.withdraw(session, "w1")
    with session_scope(db_engine) as session:
        assert store.opted_in_holders(session) == []


def test_candidates_see_only_what_holders_agreed_to_show(bundled_graph: SkillsGraph) -> None:
    matcher = Matcher(bundled_graph)
    holdings = (
        Holding(f"{BTP}/blocks/MAC-B1", "urn:uuid:b1", None, {"targetUrl": "x"}),
        Holding(f"{AP}/competences/SE01", "urn:uuid:b2"),
    )
    matcher.add_holder(
        Holder("w", holdings, disclosure={"referentials": ["btp-blocs-exemple"], "badges": False})
    )
    job = Job(
        "j", "j", (Requirement(f"{BTP}/blocks/MAC-B1"), Requirement(f"{AP}/competences/SE01"))
    )
    (ranked,) = matcher.candidates(job)
    assert ranked.result.score == 0.5
    assert {m.badge_id for m in ranked.result.matched} == {None}
    assert {m.alignment is None for m in ranked.result.matched} == {True}


def test_nodes_recorded_as_codes_are_resolved_before_ranking(bundled_graph: SkillsGraph) -> None:
    from matching.holders import resolved
    from matching.resolve import NodeResolver

    holder = Holder("w", (Holding("MAC-B1", "urn:uuid:b1"),))
    matcher = Matcher(bundled_graph)
    matcher.add_holder(resolved(holder, NodeResolver(bundled_graph)))
    (ranked,) = matcher.candidates(Job("j", "j", (Requirement(f"{BTP}/blocks/MAC-B1"),)))
    assert ranked.result.complete
    unknown = resolved(Holder("w", (Holding("urn:nowhere:1"),)), NodeResolver(bundled_graph))
    assert unknown.holdings[0].node == "urn:nowhere:1"
