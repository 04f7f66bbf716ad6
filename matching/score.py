"""Score one holder against one compiled job, with every reason (DESIGN §6, research §7.2–7.3).

For each atom, the best held source (:mod:`matching.credit`) times the level factor
``min(1, held level / expected level)`` (``unknown_level_factor`` when the badge states no
level). A requirement's credit is the weighted sum of its atoms; coverage is the mean credit of
mandatory and of optional requirements; the score combines them with the named weights. The
result is *complete* only when every mandatory requirement is fully met. Credits only ever take
a maximum over held items, so adding a badge never lowers a score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from matching.compile import CompiledJob
from matching.credit import CreditTables, Source
from matching.model import (
    BlockState,
    BlockStatus,
    Holder,
    Holding,
    Matched,
    MatchResult,
    Missing,
    RequirementResult,
    ScoreComponents,
    Suggestion,
    Transferred,
)
from matching.params import MatchParameters
from referentials.model import NodeType, RelationType

__all__ = ["finish", "holder_anchors", "level_factor", "mobility_links", "score_holder"]


def finish(total: float) -> float:
    """A score sum clamped to [0, 1] and rounded to 12 decimals, so 13 thirteenths are 1."""
    return round(min(1.0, max(0.0, total)), 12)


_EPS = 1e-9


def level_factor(
    levels: Iterable[int | None], expected: int | None, params: MatchParameters
) -> float:
    """The best factor over the levels a holder has for one item."""
    if expected is None or expected <= 0:
        return 1.0
    best = 0.0
    for level in levels:
        factor = params.unknown_level_factor if level is None else min(1.0, level / expected)
        best = max(best, factor)
    return best


def _best(
    sources: Mapping[str, Source],
    held: Mapping[str, list[Holding]],
    expected: int | None,
    params: MatchParameters,
) -> tuple[float, str | None, Source | None, Holding | None]:
    best: tuple[float, str | None, Source | None, Holding | None] = (0.0, None, None, None)
    candidates = held.keys() if len(held) <= len(sources) else sources.keys()
    for node in sorted(candidates):
        source = sources.get(node)
        holdings = held.get(node)
        if source is None or not holdings:
            continue
        factor = level_factor((h.level for h in holdings), expected, params)
        credit = source.credit * factor
        current = best[2]
        if credit > best[0] + _EPS or (
            abs(credit - best[0]) <= _EPS and current is not None and source.better_than(current)
        ):
            holding = max(holdings, key=lambda h: (h.level or 0, h.badge_id or ""))
            best = (credit, node, source, holding)
    return best


def mobility_links(
    tables: CreditTables, holder_anchors: Iterable[str], job_anchors: Iterable[str]
) -> list[str]:
    """``mobility_to`` edges (ROME) from an occupation the holder holds or comes from to one of
    the job's occupations, as ``"from → to (rang N)"``."""
    targets = set(job_anchors)
    found: list[str] = []
    for origin in sorted(set(holder_anchors)):
        for target, keyed in tables.graph.graph.succ.get(origin, {}).items():
            if target not in targets:
                continue
            for attrs in keyed.values():
                if attrs["type"] == RelationType.MOBILITY_TO:
                    found.append(f"{origin} → {target} (rang {attrs.get('rank', '?')})")
    return sorted(set(found))


def holder_anchors(tables: CreditTables, holder: Holder) -> set[str]:
    anchors = set(holder.origins)
    anchors |= {h.node for h in holder.holdings if tables.node_type(h.node) is NodeType.OCCUPATION}
    return anchors


def score_holder(compiled: CompiledJob, holder: Holder, tables: CreditTables) -> MatchResult:
    params = tables.params
    held = holder.by_node()
    credits: list[float] = []
    matched: list[Matched] = []
    transferred: list[Transferred] = []
    missing: list[Missing] = []
    for atom in compiled.atoms:
        req = compiled.requirements[atom.requirement]
        credit, node, source, holding = _best(tables.sources(atom.node), held, atom.level, params)
        credits.append(credit)
        req_node = req.requirement.node
        if source is not None and node is not None and holding is not None:
            if source.kind.is_match:
                matched.append(
                    Matched(
                        req_node,
                        atom.node,
                        node,
                        source.kind,
                        credit,
                        holding.badge_id,
                        holding.alignment,
                        source.path,
                    )
                )
            else:
                transferred.append(
                    Transferred(
                        req_node,
                        atom.node,
                        node,
                        source.kind,
                        credit,
                        holding.badge_id,
                        source.path,
                    )
                )
        if credit < 1.0 - _EPS:
            missing.append(
                Missing(
                    req_node,
                    atom.node,
                    tables.label(atom.node),
                    req.requirement.mandatory,
                    credit,
                    tables.teachers(atom.node),
                )
            )

    results: list[RequirementResult] = []
    for req in compiled.requirements:
        value = sum(compiled.atoms[i].weight * credits[i] for i in req.atoms)
        results.append(RequirementResult(req.requirement, req.label, req.origin, finish(value)))
    mandatory = [r for r in results if r.requirement.mandatory]
    optional = [r for r in results if not r.requirement.mandatory]
    cov_m = sum(r.credit for r in mandatory) / len(mandatory) if mandatory else 0.0
    cov_o = sum(r.credit for r in optional) / len(optional) if optional else 0.0
    score = finish(sum(a.coefficient * c for a, c in zip(compiled.atoms, credits, strict=True)))
    links = mobility_links(tables, holder_anchors(tables, holder), compiled.anchors)
    boost = params.mobility_boost if links else 0.0
    components = ScoreComponents(
        cov_m, cov_o, len(mandatory), len(optional), score, boost, score + boost
    )
    blocks, suggestions = _blocks(compiled, held, tables, missing)
    return MatchResult(
        job_id=compiled.job.id,
        holder_id=holder.id,
        score=score,
        complete=all(r.fully_met for r in mandatory) and not compiled.blocks_completion,
        components=components,
        requirements=tuple(results),
        matched=tuple(matched),
        transferred=tuple(transferred),
        missing=tuple(missing),
        blocks=blocks,
        suggestions=suggestions,
        mobility=tuple(links),
        parameters=params,
        unresolved=compiled.unresolved,
    )


def _node_credit(node: str, held: Mapping[str, list[Holding]], tables: CreditTables) -> float:
    return _best(tables.sources(node), held, None, tables.params)[0]


def _blocks(
    compiled: CompiledJob,
    held: Mapping[str, list[Holding]],
    tables: CreditTables,
    missing: list[Missing],
) -> tuple[tuple[BlockStatus, ...], tuple[Suggestion, ...]]:
    """Per-block status of required containers and their members, and the modules to take."""
    statuses: dict[str, BlockStatus] = {}
    suggestions: dict[str, Suggestion] = {}
    for req in compiled.requirements:
        if req.container is None:
            continue
        parts = [(req.container, req.requirement.mandatory), *req.members]
        for part, mandatory in parts:
            if part in statuses:
                continue
            items = tables.teaches(part) or (part,)
            full = sum(1 for item in items if _node_credit(item, held, tables) >= 1.0 - _EPS)
            state = (
                BlockState.ACQUIRED
                if full == len(items)
                else BlockState.PARTIAL
                if full
                else BlockState.NOT_ACQUIRED
            )
            kind = str(tables.node_type(part) or "external")
            statuses[part] = BlockStatus(
                part, tables.label(part), kind, mandatory, state, full, len(items)
            )
            if not mandatory and state is not BlockState.ACQUIRED:
                suggestions[part] = Suggestion(
                    part,
                    tables.label(part),
                    f"module facultatif de « {tables.label(req.container)} »",
                    items,
                )
    gaps: dict[str, list[str]] = {}
    for gap in missing:
        for teacher in gap.taught_by:
            if tables.node_type(teacher) is NodeType.MODULE:
                gaps.setdefault(teacher, []).append(gap.item)
    for module, gap_items in gaps.items():
        if module not in suggestions:
            suggestions[module] = Suggestion(
                module,
                tables.label(module),
                f"enseigne {len(set(gap_items))} compétence(s) manquante(s)",
                tuple(sorted(set(gap_items))),
            )
    ordered = sorted(suggestions.values(), key=lambda s: (-len(s.teaches), s.module))
    return tuple(statuses[k] for k in sorted(statuses)), tuple(ordered)
