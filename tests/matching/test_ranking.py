"""Both ranking directions: same scores as one-by-one matching, stable order, opt-out, and the
property that adding a badge never lowers a score."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.model import Holder, Holding, Job, Requirement
from matching.ranking import Matcher
from referentials.graph import SkillsGraph
from referentials.model import NodeType

_TYPES = (NodeType.COMPETENCE, NodeType.BLOCK, NodeType.CERTIFICATION, NodeType.MODULE)


def _nodes(graph: SkillsGraph) -> list[str]:
    return sorted(n for t in _TYPES for n in graph.nodes_of_type(t)) + sorted(
        n for n in graph.nodes_of_type(NodeType.EXTERNAL)
    )


@pytest.fixture(scope="module")
def matcher(bundled_graph: SkillsGraph) -> Matcher:
    return Matcher(bundled_graph)


def _population(graph: SkillsGraph) -> tuple[list[Job], list[Holder]]:
    nodes = _nodes(graph)
    jobs = [
        Job(
            f"job-{i:02d}",
            f"offre {i}",
            tuple(
                Requirement(n, mandatory=(k % 3 != 2), level="2" if k % 2 else None)
                for k, n in enumerate(nodes[i::17][:6])
            ),
        )
        for i in range(12)
    ]
    holders = [
        Holder(
            f"h-{i:02d}",
            tuple(
                Holding(n, f"urn:badge:{i}:{k}", (k % 3) or None)
                for k, n in enumerate(nodes[i::7][:9])
            ),
        )
        for i in range(20)
    ]
    return jobs, holders


def test_fast_candidate_scores_equal_one_by_one_scores_and_order_is_stable(
    bundled_graph: SkillsGraph,
) -> None:
    matcher = Matcher(bundled_graph)
    jobs, holders = _population(bundled_graph)
    matcher.add_holders(holders)
    for job in jobs:
        ranked = matcher.candidates(job, top=None)
        expected = sorted(
            ((matcher.match(job, h).score, h.id) for h in holders),
            key=lambda e: (-e[0], e[1]),
        )
        assert [(r.result.score, r.id) for r in ranked] == [e for e in expected if e[0] > 0]
        assert matcher.candidates(job, top=3) == ranked[:3]


def test_fast_job_scores_equal_one_by_one_scores(bundled_graph: SkillsGraph) -> None:
    matcher = Matcher(bundled_graph)
    jobs, holders = _population(bundled_graph)
    matcher.add_jobs(jobs)
    for holder in holders:
        ranked = matcher.jobs_for(holder, top=None)
        expected = sorted(
            ((matcher.match(j, holder).components.ranking_score, j.id) for j in jobs),
            key=lambda e: (-e[0], e[1]),
        )
        assert [(r.ranking_score, r.id) for r in ranked] == [e for e in expected if e[0] > 0]


def test_a_holder_who_withdraws_is_no_longer_found(bundled_graph: SkillsGraph) -> None:
    matcher = Matcher(bundled_graph)
    jobs, holders = _population(bundled_graph)
    matcher.add_holders(holders)
    job = next(j for j in jobs if matcher.candidates(j, top=None))
    first = matcher.candidates(job, top=1)[0].id
    matcher.remove_holder(first)
    assert first not in {r.id for r in matcher.candidates(job, top=None)}
    assert matcher.holder_count == len(holders) - 1


def test_a_removed_job_is_no_longer_proposed(bundled_graph: SkillsGraph) -> None:
    matcher = Matcher(bundled_graph)
    jobs, holders = _population(bundled_graph)
    matcher.add_jobs(jobs)
    holder = next(h for h in holders if matcher.jobs_for(h, top=None))
    first = matcher.jobs_for(holder, top=1)[0].id
    matcher.remove_job(first)
    assert first not in {r.id for r in matcher.jobs_for(holder, top=None)}


_GRAPH_NODES: list[str] = []


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_adding_a_badge_never_lowers_a_score(data: st.DataObject, matcher: Matcher) -> None:
    nodes = _GRAPH_NODES or _GRAPH_NODES.extend(_nodes(matcher.graph)) or _GRAPH_NODES
    required = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=5, unique=True))
    flags = data.draw(st.lists(st.booleans(), min_size=len(required), max_size=len(required)))
    levels = data.draw(
        st.lists(
            st.sampled_from([None, "1", "2", "3"]), min_size=len(required), max_size=len(required)
        )
    )
    job = Job(
        "j",
        "j",
        tuple(Requirement(n, f, lv) for n, f, lv in zip(required, flags, levels, strict=True)),
    )
    holding = st.builds(
        Holding, st.sampled_from(nodes), st.just("urn:badge"), st.sampled_from([None, 1, 2, 3])
    )
    before = Holder("h", tuple(data.draw(st.lists(holding, max_size=6))))
    after = before.with_holdings([data.draw(holding)])
    first, second = matcher.match(job, before), matcher.match(job, after)
    assert second.score >= first.score
    assert second.components.ranking_score >= first.components.ranking_score
    assert second.complete or not first.complete
    for a, b in zip(first.requirements, second.requirements, strict=True):
        assert b.credit >= a.credit


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_both_fast_paths_agree_with_one_by_one_matching(
    data: st.DataObject, bundled_graph: SkillsGraph
) -> None:
    nodes = _GRAPH_NODES or _GRAPH_NODES.extend(_nodes(bundled_graph)) or _GRAPH_NODES
    levels = st.sampled_from([None, 1, 2, 3])
    holding = st.builds(Holding, st.sampled_from(nodes), st.just("urn:badge"), levels)
    requirement = st.builds(
        Requirement, st.sampled_from(nodes), st.booleans(), st.sampled_from([None, "1", "3"])
    )
    holders = [Holder(f"h{i}", tuple(data.draw(st.lists(holding, max_size=6)))) for i in range(5)]
    jobs = [
        Job(f"j{i}", "j", tuple(data.draw(st.lists(requirement, min_size=1, max_size=4))))
        for i in range(4)
    ]
    matcher = Matcher(bundled_graph)
    matcher.add_holders(holders)
    matcher.add_jobs(jobs)
    for job in jobs:
        expected = {h.id: matcher.match(job, h).score for h in holders}
        got = {r.id: r.result.score for r in matcher.candidates(job, top=None)}
        assert got == {k: v for k, v in expected.items() if v > 0}
        fast = matcher.candidate_scores(matcher.compile(job))
        assert sorted(fast.values()) == sorted(v for v in expected.values() if v > 0)
    for holder in holders:
        expected = {j.id: matcher.match(j, holder).components.ranking_score for j in jobs}
        got = {r.id: r.ranking_score for r in matcher.jobs_for(holder, top=None)}
        assert got == {k: v for k, v in expected.items() if v > 0}
        scores = matcher.job_scores(holder)
        assert scores == got
