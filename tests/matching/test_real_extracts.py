"""Matching on the real extracts (../shared/data): expectations computed from the files.

Vectors: ESCO v1.1.1 occupationSkillRelations.csv, ROME v460 liens/coherence/mobilité,
legifrance-titres-pro/titres_pro_ccp_derived.csv (provenance in ../shared/data/SOURCES.md).
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from pathlib import Path

import pytest

from matching.model import CreditKind, Holder, Job, Requirement
from matching.params import MatchParameters
from matching.ranking import Matcher
from referentials.graph import SkillsGraph
from tests.matching.conftest import rows

EXACT_ONLY = MatchParameters(transfer_max_hops=0, related_credit=0.0)
TP_BASE = "https://atouts.example/referentials/titres-pro-ccp-derived/1"


def _essential_by_occupation(data_dir: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for row in rows(data_dir / "esco" / "v1.1.1" / "en" / "occupationSkillRelations.csv"):
        if row["relationType"] == "essential":
            found[row["occupationUri"]].add(row["skillUri"])
    return dict(found)


def _narrower(data_dir: Path) -> dict[str, set[str]]:
    """skill -> every skill below it (ESCO broaderRelationsSkillPillar, transitively)."""
    children: dict[str, set[str]] = defaultdict(set)
    for row in rows(data_dir / "esco" / "v1.1.1" / "en" / "broaderRelationsSkillPillar.csv"):
        children[row["broaderUri"]].add(row["conceptUri"])
    below: dict[str, set[str]] = {}

    def walk(node: str) -> set[str]:
        if node not in below:
            below[node] = set()
            for child in children.get(node, ()):
                below[node] |= {child} | walk(child)
        return below[node]

    for node in list(children):
        walk(node)
    return below


def test_holder_of_one_occupation_gets_exactly_the_share_of_another_occupations_essentials(
    data_dir: Path, real_graph: SkillsGraph
) -> None:
    """Held = the skill itself or a narrower skill of it (a more specific item counts)."""
    essential = _essential_by_occupation(data_dir)
    narrower = _narrower(data_dir)
    matcher = Matcher(real_graph, EXACT_ONLY)
    occupations = sorted(essential)
    checked = 0
    for a in occupations[:8]:
        holder = Holder.of("h", sorted(essential[a]))
        for b in occupations:
            result = matcher.match(Job(b, b, (Requirement(b),)), holder)
            held = {s for s in essential[b] if ({s} | narrower.get(s, set())) & essential[a]}
            expected = Fraction(len(held), len(essential[b]))
            assert result.components.mandatory_coverage == pytest.approx(float(expected))
            assert result.complete is (expected == 1)
            checked += 1
    assert checked == 8 * len(occupations)


def test_default_parameters_never_give_less_than_the_exact_share(
    data_dir: Path, real_graph: SkillsGraph
) -> None:
    essential = _essential_by_occupation(data_dir)
    exact, default = Matcher(real_graph, EXACT_ONLY), Matcher(real_graph)
    occupations = sorted(essential)
    holder = Holder.of("h", sorted(essential[occupations[0]]))
    for b in occupations:
        job = Job(b, b, (Requirement(b),))
        low = exact.match(job, holder).components.mandatory_coverage
        high = default.match(job, holder).components.mandatory_coverage
        assert low <= high <= 1.0


def _units(data_dir: Path) -> dict[str, dict[str, list[str]]]:
    """title -> unit_code -> unit kinds, read from the derived CSV."""
    found: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for row in rows(data_dir / "legifrance-titres-pro" / "titres_pro_ccp_derived.csv"):
        found[row["titre"]][row["unit_code"]] = [row["unit_kind"]]
    return dict(found)


def _slug(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in folded if not unicodedata.combining(c))
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


def test_holder_of_every_mandatory_unit_of_a_title_is_complete_and_told_the_optional_module(
    data_dir: Path, real_graph: SkillsGraph
) -> None:
    matcher = Matcher(real_graph)
    for title, units in _units(data_dir).items():
        cert = f"{TP_BASE}/certifications/{_slug(title)}"
        assert cert in real_graph.graph, cert
        mandatory = [u for u, kinds in units.items() if "obligatoire" in kinds[0]]
        optional = [u for u in units if u not in mandatory]
        blocks = [f"{TP_BASE}/blocks/{_slug(title)}-{_slug(u)}" for u in mandatory]
        holder = Holder.of("h", blocks)
        result = matcher.match(Job("j", title, (Requirement(cert),)), holder)
        assert result.complete
        assert result.score == 1.0
        assert not result.missing
        modules = [f"{TP_BASE}/modules/{_slug(title)}-{_slug(u)}" for u in optional]
        assert [s.module for s in result.suggestions] == modules
        states = {b.block: str(b.status) for b in result.blocks}
        assert all(states[b] == "acquis" for b in blocks)
        assert all(states[m] == "non_acquis" for m in modules)


def test_holder_of_one_mandatory_unit_gets_its_share_and_is_not_complete(
    data_dir: Path, real_graph: SkillsGraph
) -> None:
    matcher = Matcher(real_graph, EXACT_ONLY)
    for title in _units(data_dir):
        per_unit: dict[str, int] = defaultdict(int)
        for row in rows(data_dir / "legifrance-titres-pro" / "titres_pro_ccp_derived.csv"):
            if row["titre"] == title and "obligatoire" in row["unit_kind"]:
                per_unit[row["unit_code"]] += 1
        if len(per_unit) < 2:
            continue
        first = sorted(per_unit)[0]
        cert = f"{TP_BASE}/certifications/{_slug(title)}"
        block = f"{TP_BASE}/blocks/{_slug(title)}-{_slug(first)}"
        result = matcher.match(Job("j", title, (Requirement(cert),)), Holder.of("h", [block]))
        closure = set(real_graph.block_closure(cert))
        held = set(real_graph.block_closure(block))
        assert result.score == pytest.approx(len(held & closure) / len(closure))
        assert not result.complete
        assert {m.kind for m in result.matched} == {CreditKind.CONTAINER}
        assert {m.held for m in result.matched} == {block}
        missing = {m.item for m in result.missing}
        assert missing == closure - held
        for gap in result.missing:
            assert gap.taught_by, "every missing competence names the unit that teaches it"


def _rome_essentials(data_dir: Path) -> dict[str, set[str]]:
    folder = data_dir / "rome" / "v460"
    coeur = {
        (r["code_rome"], r["code_ogr"]): r["coeur_metier"]
        for r in rows(folder / "unix_coherence_item_v460_utf8.csv")
    }
    found: dict[str, set[str]] = defaultdict(set)
    for r in rows(folder / "unix_liens_rome_referentiels_v460_utf8.csv"):
        if (
            r["code_compo_bloc"] == "5"
            and coeur.get((r["code_rome"], r["code_ogr"])) == "Principale"
        ):
            found[r["code_rome"]].add(f"urn:rome:ogr:{r['code_ogr']}")
    return dict(found)


def test_holder_of_a_fiches_core_competences_is_complete_for_it(
    data_dir: Path, real_graph: SkillsGraph
) -> None:
    matcher = Matcher(real_graph, EXACT_ONLY)
    essentials = _rome_essentials(data_dir)
    assert essentials
    for code, nodes in sorted(essentials.items()):
        fiche = f"urn:rome:fiche:{code}"
        result = matcher.match(Job(code, code, (Requirement(fiche),)), Holder.of("h", nodes))
        assert result.complete, code
        assert result.components.mandatory_coverage == 1.0
        assert result.components.mandatory_count == len(nodes)


def test_rome_mobility_links_boost_the_ranking_of_the_jobs_they_lead_to(
    data_dir: Path, real_graph: SkillsGraph
) -> None:
    mobility = rows(data_dir / "rome" / "v460" / "unix_rubrique_mobilite_v460_utf8.csv")
    fiches = {
        r["code_rome"]
        for r in rows(data_dir / "rome" / "v460" / "unix_referentiel_code_rome_v460_utf8.csv")
    }
    link = next(r for r in mobility if r["code_rome_cible"] in fiches and r["code_rome"] in fiches)
    origin, target = (
        f"urn:rome:fiche:{link['code_rome']}",
        f"urn:rome:fiche:{link['code_rome_cible']}",
    )
    other = next(
        f"urn:rome:fiche:{c}"
        for c in sorted(fiches)
        if f"urn:rome:fiche:{c}" not in {origin, target}
        and not any(
            r["code_rome"] == link["code_rome"] and r["code_rome_cible"] == c for r in mobility
        )
    )
    matcher = Matcher(real_graph)
    matcher.add_jobs(
        [
            Job("a-target", "cible", (Requirement(target),)),
            Job("b-other", "autre", (Requirement(other),)),
        ]
    )
    holder = Holder.of("h", [], origins=(origin,))
    ranked = matcher.jobs_for(holder, top=None)
    assert ranked[0].id == "a-target"
    assert ranked[0].result.mobility
    assert ranked[0].result.components.mobility == matcher.params.mobility_boost
