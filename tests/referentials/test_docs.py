"""docs/referentials.md stays true: its YAML examples load and say what the text says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from referentials.graph import build_graph
from referentials.model import ItemKind, NodeType, ReferentialFormatError
from referentials.yaml_format import loads
from tests.conftest import REPO

DOC = REPO / "docs" / "referentials.md"


def _yaml_examples() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_guide_examples_load_and_mean_what_the_guide_says() -> None:
    first, second = _yaml_examples()
    v1, v2 = loads(first), loads(second)
    assert (v1.slug, v1.version, v2.replaces) == ("carrelage-exemple", "1.0", "1.0")
    assert v1.item("B1").display_code == "CCP1"
    assert v1.item("AM-PISCINE").kind is ItemKind.ADDITIONAL_MODULE
    graph = build_graph([v1, v2])
    node = lambda code: graph.node_id("carrelage-exemple", "1.0", code)  # noqa: E731
    c2 = node("C2")
    assert graph.containers(c2, NodeType.BLOCK) == sorted([node("B1"), node("B2")])
    closure = graph.block_closure(node("TP-CARRELEUR"))
    assert node("C4") not in closure  # optional module
    assert node("C5") not in closure  # additional module
    assert {node("C1"), node("C2"), node("C3")} <= set(closure)
    replaced = [
        v for _, v, t in graph.graph.out_edges(node("C1"), data="type") if t == "replacedBy"
    ]
    assert replaced == [graph.node_id("carrelage-exemple", "2.0", "C1-BIS")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("  - {code: C2, libelle: Préparer", "  - {code: C2, libele: Préparer"),
            "ligne 46 : competences/1 : clé inconnue « libele »",
        ),
        (
            ("competences: [C2, C3]", "competences: [C9, C3]"),
            "ligne 28 : la compétence « C9 » est citée dans le bloc « B2 » mais n'est pas définie",
        ),
    ],
)
def test_the_errors_shown_in_the_guide_are_the_real_ones(
    change: tuple[str, str], message: str
) -> None:
    text = DOC.read_text(encoding="utf-8")
    assert message in text
    with pytest.raises(ReferentialFormatError) as err:
        loads(_yaml_examples()[0].replace(*change), source="carrelage.yaml")
    assert message in str(err.value)


def test_the_acceptance_map_of_issue_3_names_tests_that_exist() -> None:
    text = (REPO / "docs" / "acceptance.md").read_text(encoding="utf-8")
    section = text.split("## Issue 3", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"::(test_\w+)", section))
    files = set(re.findall(r"(test_\w+)\.py", section)) - {"test_"}
    here = REPO / "tests" / "referentials"
    defined = set(re.findall(r"^def (test_\w+)", _all_sources(here), re.M))
    assert named
    assert named <= defined
    assert all((here / f"{name}.py").is_file() for name in files)


def _all_sources(folder: Path) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("test_*.py")))
