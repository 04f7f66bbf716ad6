"""The server-rendered pictures of matching (api/charts.py): accessible SVG whose words and
text version say the same as the drawing."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from api.charts import (
    Bar,
    MapBlock,
    MapGroup,
    Tile,
    competence_list,
    competence_map,
    coverage_bars,
    coverage_table,
)
from api.employer_reasons import percent

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup)


def test_coverage_bars_are_a_named_image_with_the_numbers_written() -> None:
    bars = [Bar("Sécurité <chantier>", 3, 3), Bar("Maçonnerie", 1, 3, mandatory=False)]
    root = _svg(coverage_bars(bars, title="Couverture", prefix="c1"))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-titre c1-desc"
    assert root.find(f"{SVG}title").text == "Couverture"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "Sécurité <chantier> (obligatoire) : 3 sur 3 (100 %), acquis" in desc
    assert "Maçonnerie (facultatif) : 1 sur 3 (33 %), en partie" in desc
    words = "".join(root.itertext())
    assert "1 sur 3 (33 %) — en partie" in words
    # The filled part is proportional; an optional block's track is dashed (not colour alone).
    rects = root.findall(f"{SVG}rect")
    assert [r.get("width") for r in rects] == ["352", "352", "352", "117"]
    assert rects[2].get("stroke-dasharray") == "6 4"
    assert rects[0].get("stroke-dasharray") is None


def test_coverage_table_is_the_same_data_in_text() -> None:
    table = str(coverage_table([Bar("Bloc A", 0, 2)], caption="Texte"))
    assert "<caption>Texte</caption>" in table
    assert re.search(
        r"<th scope='row'>Bloc A \(obligatoire\)</th><td>0 sur 2 \(0 %\)</td>"
        r"<td>pas encore</td>",
        table,
    )


def test_competence_map_tells_held_from_missing_by_shape_and_in_words() -> None:
    groups = [
        MapGroup(
            "BTP",
            (MapBlock("Sécurité", (Tile("Baliser", True), Tile("Porter les EPI", False))),),
        )
    ]
    root = _svg(competence_map(groups, title="Carte", prefix="m"))
    assert root.get("role") == "img"
    assert "1 compétence prouvée" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    assert "Sécurité — 1 sur 2" in "".join(root.itertext())
    assert len(root.findall(f"{SVG}path")) == 1  # the tick of the held tile
    assert root.findall(f"{SVG}rect")[1].get("stroke-dasharray") == "3 2"
    text = str(competence_list(groups))
    assert "<li>Baliser : prouvée</li>" in text
    assert "<li>Porter les EPI : pas encore</li>" in text


def test_an_empty_picture_still_says_something() -> None:
    root = _svg(coverage_bars([], title="Rien"))
    assert (root.find(f"{SVG}desc").text or "") == "Aucun bloc à montrer."  # type: ignore[union-attr]


def test_a_partial_credit_is_never_shown_as_one_hundred_percent() -> None:
    assert percent(0.996) == 99
    assert percent(1.0) == 100
    assert percent(0.5) == 50
