"""A match result told in plain French (DESIGN §6, GLOSSARY, reliability-ux.md B3), shared by the
employer's « Candidats » page and the person's « Les métiers proches de vous » page.

:func:`explain` turns a :class:`matching.model.MatchResult` into short sentences: what is
proven (« prouvé par le badge … »), what counts in part (« compétence proche … : compte pour
50 % »), what is missing and where it is taught (« s'apprend dans : module … »), the modules
to take (« ce qu'il vous reste à apprendre »), and the per-block bars of :mod:`api.charts`.
Nothing here scores: the numbers are the matching engine's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from api.charts import Bar
from api.i18n import gettext as _
from matching.credit import CreditTables
from matching.model import CreditKind, Matched, MatchResult, Transferred
from referentials.model import NodeType

__all__ = ["Explained", "Lesson", "explain", "percent"]


def percent(value: float) -> int:
    """A share in whole percent, never rounding a partial credit up to 100 %."""
    shown = round(100 * value)
    return 99 if shown == 100 and value < 1.0 - 1e-9 else shown


@dataclass(frozen=True, slots=True)
class Lesson:
    """A module (or block) to take and what it teaches that is missing."""

    node: str
    label: str
    kind: str
    teaches: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Explained:
    score: int
    complete: bool
    mandatory: int
    optional: int
    requirements: tuple[str, ...]
    proven: tuple[str, ...]
    partly: tuple[str, ...]
    missing: tuple[str, ...]
    lessons: tuple[Lesson, ...]
    bars: tuple[Bar, ...]


def _quote(text: str) -> str:
    return f"« {text} »"


def _proven(m: Matched, tables: CreditTables, badges: Mapping[str, str]) -> str:
    item = tables.label(m.item)
    held = _quote(tables.label(m.held))
    badge = badges.get(m.badge_id or "")
    if m.kind is CreditKind.EXACT:
        text = (
            _("%(item)s : prouvé par le badge %(badge)s") % {"item": item, "badge": _quote(badge)}
            if badge
            else _("%(item)s : prouvé par un badge vérifié") % {"item": item}
        )
    elif m.kind is CreditKind.EQUIVALENT:
        text = _("%(item)s : prouvé par un équivalent reconnu, %(held)s") % {
            "item": item,
            "held": held,
        }
    elif m.kind is CreditKind.SPECIALISATION:
        text = _("%(item)s : prouvé par une compétence plus précise, %(held)s") % {
            "item": item,
            "held": held,
        }
    elif badge:
        text = _("%(item)s : fait partie de %(held)s, prouvé par le badge %(badge)s") % {
            "item": item,
            "held": held,
            "badge": _quote(badge),
        }
    else:
        text = _("%(item)s : fait partie de %(held)s, prouvé par un badge vérifié") % {
            "item": item,
            "held": held,
        }
    if m.credit < 1.0 - 1e-9:
        text += " — " + _("niveau plus bas que demandé : compte pour %(p)d %%") % {
            "p": percent(m.credit)
        }
    return text


def _partly(t: Transferred, tables: CreditTables) -> str:
    values = {
        "item": tables.label(t.item),
        "held": _quote(tables.label(t.held)),
        "p": percent(t.credit),
    }
    if t.kind is CreditKind.TRANSFER:
        return _("%(item)s : compétence proche, %(held)s (même famille) : compte pour %(p)d %%") % (
            values
        )
    return _("%(item)s : compétence liée, %(held)s : compte pour %(p)d %%") % values


def _kind_word(tables: CreditTables, node: str) -> str:
    node_type = tables.node_type(node)
    if node_type is NodeType.MODULE:
        return _("module")
    if node_type is NodeType.BLOCK:
        return _("bloc")
    return _("formation")


def explain(
    result: MatchResult, tables: CreditTables, *, badges: Mapping[str, str] | None = None
) -> Explained:
    """``badges``: badge id → badge name, for the badges the holder agreed to show."""
    badges = badges or {}
    proven = tuple(_proven(m, tables, badges) for m in result.matched)
    partly = tuple(_partly(t, tables) for t in result.transferred)
    missing: list[str] = []
    for gap in result.missing:
        need = _("obligatoire") if gap.mandatory else _("facultatif")
        teachers = [
            f"{_kind_word(tables, t)} {_quote(tables.label(t))}"
            for t in gap.taught_by
            if tables.node_type(t) in (NodeType.MODULE, NodeType.BLOCK)
        ]
        text = f"{gap.label} ({need})"
        if teachers:
            text += " — " + _("s'apprend dans : %(where)s") % {"where": ", ".join(teachers[:3])}
        missing.append(text)
    lessons = tuple(
        Lesson(
            s.module,
            s.label,
            _kind_word(tables, s.module),
            tuple(tables.label(n) for n in s.teaches),
        )
        for s in result.suggestions
    )
    bars = tuple(Bar(b.label, b.held, b.total, b.mandatory) for b in result.blocks)
    if not bars:  # a job of single competences: one bar per need
        for mandatory in (True, False):
            reqs = [r for r in result.requirements if r.requirement.mandatory is mandatory]
            if reqs:
                label = _("Exigences obligatoires") if mandatory else _("Exigences facultatives")
                met = sum(1 for r in reqs if r.fully_met)
                bars += (Bar(label, met, len(reqs), mandatory),)
    summary = []
    for req in result.requirements:
        if req.fully_met:
            state = _("prouvé")
        elif req.credit > 0:
            state = _("en partie")
        else:
            state = _("pas encore")
        need = _("obligatoire") if req.requirement.mandatory else _("facultatif")
        summary.append(
            _("%(label)s (%(need)s) : %(state)s, %(p)d %%")
            % {"label": req.label, "need": need, "state": state, "p": percent(req.credit)}
        )
    c = result.components
    return Explained(
        score=percent(result.score),
        complete=result.complete,
        mandatory=percent(c.mandatory_coverage),
        optional=percent(c.optional_coverage),
        requirements=tuple(summary),
        proven=proven,
        partly=partly,
        missing=tuple(missing),
        lessons=lessons,
        bars=bars,
    )
