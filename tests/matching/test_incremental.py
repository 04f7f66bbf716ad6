"""A live index changed one holder or one job at a time ranks exactly as one built afresh."""

from __future__ import annotations

import random

import pytest

from matching.model import Holder, Job, Requirement
from matching.ranking import Matcher, Ranked
from referentials.graph import SkillsGraph
from referentials.model import NodeType


def _scores(ranked: list[Ranked]) -> list[tuple[str, float]]:
    return [(r.id, r.ranking_score) for r in ranked]


def test_adding_removing_and_replacing_one_at_a_time_equals_a_fresh_index(
    bundled_graph: SkillsGraph,
) -> None:
    rng = random.Random(7)
    nodes = sorted(
        n
        for t in (NodeType.COMPETENCE, NodeType.BLOCK, NodeType.CERTIFICATION)
        for n in bundled_graph.nodes_of_type(t)
    )
    holders = {f"w{i}": Holder.of(f"w{i}", rng.sample(nodes, 4)) for i in range(30)}
    jobs = {
        f"J{i}": Job(
            f"J{i}",
            f"Offre {i}",
            tuple(Requirement(n, rng.random() < 0.7) for n in rng.sample(nodes, 3)),
        )
        for i in range(12)
    }
    live = Matcher(bundled_graph)
    for job in list(jobs.values())[:6]:
        live.add_job(job)
    for holder in list(holders.values())[:15]:
        live.add_holder(holder)
    live.jobs_for(holders["w0"])  # ranking in between must not pin the index
    live.candidates(jobs["J0"])
    for job in list(jobs.values())[6:]:
        live.add_job(job)
    for holder in list(holders.values())[15:]:
        live.add_holder(holder)
    # Withdrawals, closed offers, replaced badges and offers.
    for gone in ("w3", "w8", "w21"):
        live.remove_holder(gone)
        del holders[gone]
    live.remove_job("J4")
    del jobs["J4"]
    holders["w5"] = Holder.of("w5", rng.sample(nodes, 6))
    live.add_holder(holders["w5"])
    jobs["J7"] = Job("J7", "Offre 7 bis", (Requirement(nodes[0]), Requirement(nodes[1], False)))
    live.add_job(jobs["J7"])
    assert live.stale_slots == 4
    assert live.holder("w3") is None
    assert live.compiled_job("J4") is None

    fresh = Matcher(bundled_graph)
    fresh.add_holders(holders.values())
    fresh.add_jobs(jobs.values())
    for job in jobs.values():
        assert _scores(live.candidates(job, top=None)) == _scores(fresh.candidates(job, top=None))
    for holder in holders.values():
        assert _scores(live.jobs_for(holder, top=None)) == _scores(fresh.jobs_for(holder, top=None))


def test_ranking_reads_precomputed_tables_and_never_walks_the_graph_per_wallet(
    bundled_graph: SkillsGraph, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(11)
    nodes = sorted(
        n
        for t in (NodeType.COMPETENCE, NodeType.BLOCK, NodeType.CERTIFICATION)
        for n in bundled_graph.nodes_of_type(t)
    )
    matcher = Matcher(bundled_graph)
    job = Job("J", "Offre", tuple(Requirement(n) for n in rng.sample(nodes, 4)))
    matcher.add_job(job)
    walks: list[str] = []
    compute = matcher.tables._compute

    def counted(node: str) -> object:
        walks.append(node)
        return compute(node)

    monkeypatch.setattr(matcher.tables, "_compute", counted)
    matcher.add_holders(Holder.of(f"w{i}", rng.sample(nodes, 5)) for i in range(40))
    matcher.candidates(job, top=None)
    first = len(walks)
    # Ten times as many wallets: not one more graph walk for ranking them.
    matcher.add_holders(Holder.of(f"x{i}", rng.sample(nodes, 5)) for i in range(400))
    matcher.candidates(job, top=None)
    matcher.jobs_for(Holder.of("y", rng.sample(nodes, 5)), top=None)
    assert len(walks) == first
    assert len(set(walks)) == len(walks)  # each required item walked once, then memoised
