"""Credit rules on the bundled referentials: equivalents, weak relations, transfer, levels."""

from __future__ import annotations

import json

import pytest

from matching.model import CreditKind, Holder, Holding, Job, Requirement
from matching.params import MatchParameters
from matching.ranking import Matcher
from referentials.graph import SkillsGraph
from referentials.model import NodeType

AP = "https://atouts.example/referentials/attitude-pro-reunion/1.0"
BTP = "https://atouts.example/referentials/btp-blocs-exemple/1.0"
MOD = "https://atouts.example/referentials/modules-additionnels-exemple/1.0"


def _edges(graph: SkillsGraph, kind: str) -> list[tuple[str, str, dict[str, object]]]:
    return sorted(
        ((u, v, a) for u, v, a in graph.graph.edges(data=True) if a["type"] == kind),
        key=lambda e: (e[0], e[1]),
    )


def test_an_exact_match_of_the_required_item_gives_full_credit(bundled_graph: SkillsGraph) -> None:
    matcher = Matcher(bundled_graph)
    edges = _edges(bundled_graph, "exactMatchOf")
    assert edges
    for required, held, _ in edges:
        result = matcher.match(Job("j", "j", (Requirement(required),)), Holder.of("h", [held]))
        assert result.complete
        assert result.score == 1.0
        assert [m.kind for m in result.matched] == [CreditKind.EQUIVALENT]
        assert result.matched[0].path == (held, required)


def test_weak_relations_give_partial_credit_scaled_by_confidence(
    bundled_graph: SkillsGraph,
) -> None:
    matcher = Matcher(bundled_graph)
    required, held, attrs = _edges(bundled_graph, "isRelatedTo")[0]
    result = matcher.match(Job("j", "j", (Requirement(required),)), Holder.of("h", [held]))
    expected = matcher.params.related_credit * float(attrs["confidence"])  # type: ignore[arg-type]
    assert result.score == pytest.approx(expected)
    assert not result.complete
    assert [t.kind for t in result.transferred] == [CreditKind.RELATED]
    assert result.missing[0].credit == pytest.approx(expected)
    off = Matcher(bundled_graph, MatchParameters(related_credit=0.0))
    assert off.match(Job("j", "j", (Requirement(required),)), Holder.of("h", [held])).score == 0


def test_a_sibling_in_the_same_block_transfers_lambda_squared_through_the_block(
    bundled_graph: SkillsGraph,
) -> None:
    block = f"{BTP}/blocks/MAC-B1"
    first, second = bundled_graph.block_closure(block)[:2]
    matcher = Matcher(bundled_graph)
    result = matcher.match(Job("j", "j", (Requirement(first),)), Holder.of("h", [second]))
    assert result.score == pytest.approx(matcher.params.transfer_decay**2)
    (transfer,) = result.transferred
    assert transfer.kind is CreditKind.TRANSFER
    assert transfer.path == (second, block, first)
    capped = Matcher(bundled_graph, MatchParameters(transfer_max_hops=1))
    assert capped.match(Job("j", "j", (Requirement(first),)), Holder.of("h", [second])).score == 0


def test_no_transfer_across_referentials(bundled_graph: SkillsGraph) -> None:
    matcher = Matcher(bundled_graph)
    btp = [n for n in bundled_graph.nodes_of_type(NodeType.COMPETENCE) if n.startswith(BTP)]
    mod = [n for n in bundled_graph.nodes_of_type(NodeType.COMPETENCE) if n.startswith(MOD)]
    holder = Holder.of("h", mod)
    for required in btp:
        result = matcher.match(Job("j", "j", (Requirement(required),)), holder)
        assert all(t.kind is not CreditKind.TRANSFER for t in result.transferred)


def test_levels_scale_credit(bundled_graph: SkillsGraph) -> None:
    matcher = Matcher(bundled_graph)
    competence = f"{AP}/competences/SE01"
    job = Job("j", "j", (Requirement(competence, level="N3"),))
    by_level = {
        level: matcher.match(job, Holder("h", (Holding(competence, "urn:badge", level),))).score
        for level in (1, 2, 3)
    }
    assert by_level == {1: pytest.approx(1 / 3), 2: pytest.approx(2 / 3), 3: 1.0}
    unknown = matcher.match(job, Holder("h", (Holding(competence, "urn:badge"),)))
    assert unknown.score == matcher.params.unknown_level_factor
    strict = Matcher(bundled_graph, MatchParameters(unknown_level_factor=0.5))
    assert strict.match(job, Holder("h", (Holding(competence),))).score == 0.5


def test_a_block_requirement_is_credited_by_the_share_of_its_mandatory_competences(
    bundled_graph: SkillsGraph,
) -> None:
    matcher = Matcher(bundled_graph, MatchParameters(transfer_max_hops=0))
    block = f"{BTP}/blocks/MAC-B1"
    closure = bundled_graph.block_closure(block)
    job = Job("j", "j", (Requirement(block),))
    for n in range(len(closure) + 1):
        result = matcher.match(job, Holder.of("h", closure[:n]))
        assert result.score == pytest.approx(n / len(closure))
        assert result.complete is (n == len(closure))
    whole = matcher.match(job, Holder.of("h", [block]))
    assert whole.complete
    assert {m.kind for m in whole.matched} == {CreditKind.CONTAINER}


def test_mandatory_and_optional_coverage_are_reported_separately(
    bundled_graph: SkillsGraph,
) -> None:
    matcher = Matcher(bundled_graph, MatchParameters(transfer_max_hops=0, related_credit=0))
    a, b = f"{AP}/competences/SE01", f"{AP}/competences/SE02"
    job = Job("j", "j", (Requirement(a), Requirement(b, mandatory=False)))
    only_optional = matcher.match(job, Holder.of("h", [b]))
    assert only_optional.components.mandatory_coverage == 0
    assert only_optional.components.optional_coverage == 1
    assert only_optional.score == pytest.approx(0.2)
    assert not only_optional.complete
    only_mandatory = matcher.match(job, Holder.of("h", [a]))
    assert only_mandatory.complete
    assert only_mandatory.score == pytest.approx(0.8)
    assert [m.item for m in only_mandatory.missing] == [b]


def test_every_result_carries_its_parameters_and_serialises_to_json(
    bundled_graph: SkillsGraph,
) -> None:
    params = MatchParameters(transfer_decay=0.4)
    matcher = Matcher(bundled_graph, params)
    result = matcher.match(
        Job("j", "j", (Requirement(f"{BTP}/certifications/CERT-MACON"),)),
        Holder("h", (Holding(f"{BTP}/blocks/B-SECU", "urn:uuid:b1", None, {"targetUrl": "x"}),)),
    )
    data = json.loads(json.dumps(result.to_dict()))
    assert data["parameters"]["transfer_decay"] == 0.4
    assert data["matched"][0]["badge_id"] == "urn:uuid:b1"
    assert data["matched"][0]["alignment"] == {"targetUrl": "x"}
    assert {b["status"] for b in data["blocks"]} >= {"acquis", "non_acquis"}


def test_parameters_refuse_values_out_of_range() -> None:
    with pytest.raises(ValueError, match="transfer_decay"):
        MatchParameters(transfer_decay=1.5)
    with pytest.raises(ValueError, match="poids"):
        MatchParameters(mandatory_weight=0, optional_weight=0)


def test_an_occupation_without_known_requirements_is_one_item_not_a_free_pass(
    real_graph: SkillsGraph,
) -> None:
    matcher = Matcher(real_graph)
    fiche = next(
        n
        for n in real_graph.nodes_of_type(NodeType.OCCUPATION)
        if n.startswith("urn:rome:fiche:") and not matcher.tables.occupation_requirements(n)
    )
    job = Job("j", "j", (Requirement(fiche),))
    assert not matcher.match(job, Holder.of("h", [])).complete
    assert matcher.match(job, Holder.of("h", [fiche])).complete
