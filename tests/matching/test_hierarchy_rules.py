"""Credit through a hierarchy on a small tree built here: specialisation, transfer capped and
never through a pillar, module requirements, per-block status and the explanation fields."""

from __future__ import annotations

import pytest

from matching.model import BlockState, CreditKind, Holder, Job, Requirement
from matching.params import MatchParameters
from matching.ranking import Matcher
from referentials.graph import SkillsGraph, build_graph
from referentials.model import Item, ItemKind, Referential, Relation, Status

BASE = "https://atouts.example/referentials/arbre/1.0"


def _node(kind: str, code: str) -> str:
    return f"{BASE}/{kind}/{code}"


@pytest.fixture(scope="module")
def tree() -> SkillsGraph:
    """Pillar P > groups G1, G2; G1 > C1, C2; G2 > C3, C5; C5 > C5a (narrower).
    Certification CERT with mandatory block B1 (C1, C2) and optional module M1 (C3)."""
    items = (
        Item("P", ItemKind.GROUP, {"fr": "Pilier"}),
        Item("G1", ItemKind.GROUP, {"fr": "Groupe 1"}),
        Item("G2", ItemKind.GROUP, {"fr": "Groupe 2"}),
        Item("C1", ItemKind.COMPETENCE, {"fr": "Compétence 1"}),
        Item("C5", ItemKind.COMPETENCE, {"fr": "Compétence 5"}),
        Item("C5a", ItemKind.COMPETENCE, {"fr": "Compétence 5 précise"}),
        Item("C2", ItemKind.COMPETENCE, {"fr": "Compétence 2"}),
        Item("C3", ItemKind.COMPETENCE, {"fr": "Compétence 3"}),
        Item("CERT", ItemKind.CERTIFICATION, {"fr": "Titre"}),
        Item("B1", ItemKind.BLOCK, {"fr": "Bloc 1"}),
        Item("M1", ItemKind.MODULE, {"fr": "Module 1"}),
    )
    relations = (
        Relation("isChildOf", "G1", "P"),
        Relation("isChildOf", "G2", "P"),
        Relation("isChildOf", "C1", "G1"),
        Relation("isChildOf", "C2", "G1"),
        Relation("isChildOf", "C5", "G2"),
        Relation("isChildOf", "C5a", "C5"),
        Relation("isChildOf", "C3", "G2"),
        Relation("isPartOf", "B1", "CERT", mandatory=True),
        Relation("isPartOf", "M1", "CERT", mandatory=False),
        Relation("isPartOf", "C1", "B1", mandatory=True),
        Relation("isPartOf", "C2", "B1", mandatory=True),
        Relation("isPartOf", "C3", "M1", mandatory=True),
    )
    ref = Referential(
        "arbre", "1.0", {"fr": "Arbre"}, Status.PUBLISHED, items=items, relations=relations
    )
    return build_graph([ref], "https://atouts.example")


def _job(*requirements: Requirement) -> Job:
    return Job("j", "Offre", requirements)


def test_a_more_specific_item_gives_full_credit(tree: SkillsGraph) -> None:
    result = Matcher(tree).match(
        _job(Requirement(_node("competences", "C5"))), Holder.of("h", [_node("competences", "C5a")])
    )
    assert result.complete
    [matched] = result.matched
    assert matched.kind is CreditKind.SPECIALISATION
    assert matched.path == (_node("competences", "C5a"), _node("competences", "C5"))


def test_transfer_decays_per_hop_is_capped_and_never_goes_through_a_pillar(
    tree: SkillsGraph,
) -> None:
    c1, c2, c3 = (_node("competences", c) for c in ("C1", "C2", "C3"))
    # C2 and C1 meet at G1: distance 2, credit λ².
    sibling = Matcher(tree).match(_job(Requirement(c1)), Holder.of("h", [c2]))
    transfers = [t for t in sibling.transferred if t.kind is CreditKind.TRANSFER]
    assert transfers
    assert sibling.score == pytest.approx(0.5**2)
    # Through their group or their block: both are lowest common ancestors at 2 hops.
    assert transfers[0].path in {
        (c2, _node("groups", "G1"), c1),
        (c2, _node("blocks", "B1"), c1),
    }
    # C3 meets C1 only at the pillar P: no credit however many hops are allowed.
    far = Matcher(tree, MatchParameters(transfer_max_hops=6))
    result = far.match(_job(Requirement(c1)), Holder.of("h", [c3]))
    assert all(t.kind is not CreditKind.TRANSFER for t in result.transferred)
    assert result.score == 0.0
    # The decay is a named parameter returned with the result.
    slow = Matcher(tree, MatchParameters(transfer_decay=0.8))
    slower = slow.match(_job(Requirement(c1)), Holder.of("h", [c2]))
    assert slower.score == pytest.approx(0.8**2)
    assert slower.parameters.transfer_decay == 0.8


def test_a_module_requirement_asks_for_what_it_teaches(tree: SkillsGraph) -> None:
    module = _node("modules", "M1")
    c3 = _node("competences", "C3")
    matcher = Matcher(tree)
    by_competence = matcher.match(_job(Requirement(module)), Holder.of("h", [c3]))
    by_module = matcher.match(_job(Requirement(module)), Holder.of("h", [module]))
    assert by_competence.complete
    assert by_module.complete
    assert {m.kind for m in by_module.matched} == {CreditKind.CONTAINER}
    nothing = matcher.match(_job(Requirement(module)), Holder.of("h", []))
    assert [(m.item, m.taught_by) for m in nothing.missing] == [(c3, (module,))]


def test_each_result_explains_blocks_gaps_and_the_optional_module_to_take(
    tree: SkillsGraph,
) -> None:
    cert = _node("certifications", "CERT")
    c1, c2 = _node("competences", "C1"), _node("competences", "C2")
    result = Matcher(tree, MatchParameters(transfer_max_hops=0)).match(
        _job(Requirement(cert)), Holder.of("h", [c1])
    )
    states = {b.block: (b.status, b.held, b.total) for b in result.blocks}
    assert states[_node("blocks", "B1")] == (BlockState.PARTIAL, 1, 2)
    assert states[_node("modules", "M1")] == (BlockState.NOT_ACQUIRED, 0, 1)
    assert [m.item for m in result.missing] == [c2]
    assert result.missing[0].taught_by == (_node("blocks", "B1"),)
    assert [s.module for s in result.suggestions] == [_node("modules", "M1")]
    assert result.score == pytest.approx(0.5)
    assert not result.complete
    components = result.to_dict()["components"]
    assert set(components) == {
        "mandatory_coverage",
        "optional_coverage",
        "mandatory_count",
        "optional_count",
        "score",
        "mobility",
        "ranking_score",
    }
    complete = Matcher(tree).match(_job(Requirement(cert)), Holder.of("h", [c1, c2]))
    assert complete.complete  # the optional module is not needed to be complete
    assert [s.module for s in complete.suggestions] == [_node("modules", "M1")]
