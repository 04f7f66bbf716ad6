"""Plain data of matching: jobs and their requirements, holders and what they hold, results.

A :class:`Requirement` names one node of the skills graph (``referentials.graph``): a
competence, block, certification or module of any referential, or an ESCO occupation / ROME
fiche taken whole. A :class:`Holding` is one competence a **verified** badge asserts, with the
badge id and alignment kept so every explanation cites verifiable evidence (DESIGN §6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from matching.params import MatchParameters

__all__ = [
    "BlockState",
    "BlockStatus",
    "CreditKind",
    "Holder",
    "Holding",
    "Job",
    "MatchResult",
    "Matched",
    "Missing",
    "Requirement",
    "RequirementResult",
    "ScoreComponents",
    "Suggestion",
    "Transferred",
    "Unresolved",
]


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement of a job. ``level`` is the expected level as written (a rank, a level
    code or a level node id); ``label`` is what the employer wrote or picked."""

    node: str
    mandatory: bool = True
    level: str | None = None
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "mandatory": self.mandatory,
            "level": self.level,
            "label": self.label,
        }


@dataclass(frozen=True, slots=True)
class Job:
    """A job, placement or apprenticeship offer described by its requirements.

    ``occupations`` are ESCO / ROME occupation nodes the job corresponds to (used for ROME
    mobility links); an occupation requirement counts as one automatically."""

    id: str
    title: str
    requirements: tuple[Requirement, ...]
    occupations: tuple[str, ...] = ()
    description: str | None = None
    status: str = "open"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "status": self.status,
            "occupations": list(self.occupations),
            "requirements": [r.to_dict() for r in self.requirements],
        }


@dataclass(frozen=True, slots=True)
class Holding:
    """A competence asserted by a verified badge. ``level`` is the level rank (1 = lowest)
    when the badge's result states one; ``badge_id`` and ``alignment`` are the evidence."""

    node: str
    badge_id: str | None = None
    level: int | None = None
    alignment: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "badge_id": self.badge_id,
            "level": self.level,
            "alignment": dict(self.alignment) if self.alignment is not None else None,
        }


@dataclass(frozen=True)
class Holder:
    """A person (a wallet) and the competences their verified badges assert. ``origins`` are
    occupations they come from (for ROME mobility links), ``disclosure`` what they agreed to
    show employers."""

    id: str
    holdings: tuple[Holding, ...] = ()
    origins: tuple[str, ...] = ()
    disclosure: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, id: str, nodes: Iterable[str], **kwargs: Any) -> Holder:
        """A what-if holder: ``nodes`` held without badges."""
        return cls(id, tuple(Holding(n) for n in dict.fromkeys(nodes)), **kwargs)

    def by_node(self) -> dict[str, list[Holding]]:
        found: dict[str, list[Holding]] = {}
        for holding in self.holdings:
            found.setdefault(holding.node, []).append(holding)
        return found

    def with_holdings(self, extra: Iterable[Holding]) -> Holder:
        return Holder(self.id, self.holdings + tuple(extra), self.origins, self.disclosure)


class CreditKind(StrEnum):
    """Why a held item gives credit to a required one."""

    EXACT = "exact"  # the item itself
    EQUIVALENT = "equivalent"  # exactMatchOf
    SPECIALISATION = "specialisation"  # a more specific item under it
    CONTAINER = "container"  # a block / certification / module / occupation that includes it
    TRANSFER = "transfer"  # hierarchy neighbour, λ^d
    RELATED = "related"  # isRelatedTo, crosswalk, needs

    @property
    def is_match(self) -> bool:
        return self not in (CreditKind.TRANSFER, CreditKind.RELATED)


class BlockState(StrEnum):
    ACQUIRED = "acquis"
    PARTIAL = "partiel"
    NOT_ACQUIRED = "non_acquis"


@dataclass(frozen=True, slots=True)
class Matched:
    requirement: str
    item: str
    held: str
    kind: CreditKind
    credit: float
    badge_id: str | None
    alignment: Mapping[str, Any] | None
    path: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "item": self.item,
            "held": self.held,
            "kind": str(self.kind),
            "credit": self.credit,
            "badge_id": self.badge_id,
            "alignment": dict(self.alignment) if self.alignment is not None else None,
            "path": list(self.path),
        }


@dataclass(frozen=True, slots=True)
class Transferred:
    requirement: str
    item: str
    held: str
    kind: CreditKind
    credit: float
    badge_id: str | None
    path: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "item": self.item,
            "held": self.held,
            "kind": str(self.kind),
            "credit": self.credit,
            "badge_id": self.badge_id,
            "path": list(self.path),
        }


@dataclass(frozen=True, slots=True)
class Missing:
    """An item not fully credited (``credit`` < 1) and the modules / blocks that teach it."""

    requirement: str
    item: str
    label: str
    mandatory: bool
    credit: float
    taught_by: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "item": self.item,
            "label": self.label,
            "mandatory": self.mandatory,
            "credit": self.credit,
            "taught_by": list(self.taught_by),
        }


@dataclass(frozen=True, slots=True)
class BlockStatus:
    block: str
    label: str
    kind: str
    mandatory: bool
    status: BlockState
    held: int
    total: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "block": self.block,
            "label": self.label,
            "kind": self.kind,
            "mandatory": self.mandatory,
            "status": str(self.status),
            "held": self.held,
            "total": self.total,
        }


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A module (or block) to take: it teaches what is missing, or is an optional module of a
    required certification the person does not hold yet."""

    module: str
    label: str
    reason: str
    teaches: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "label": self.label,
            "reason": self.reason,
            "teaches": list(self.teaches),
        }


@dataclass(frozen=True, slots=True)
class Unresolved:
    """A requirement the loaded referentials cannot evaluate, and why (``kind``: ``node`` — the
    item is in no loaded referential, the requirement is set aside and cannot be met; ``level``
    — the expected level names no known level, the item is scored without it)."""

    requirement: str
    kind: str
    mandatory: bool
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "requirement": self.requirement,
            "kind": self.kind,
            "mandatory": self.mandatory,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class RequirementResult:
    requirement: Requirement
    label: str
    origin: str | None
    credit: float

    @property
    def fully_met(self) -> bool:
        return self.credit >= 1.0 - 1e-9

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.requirement.to_dict(),
            "label": self.label,
            "origin": self.origin,
            "credit": self.credit,
            "fully_met": self.fully_met,
        }


@dataclass(frozen=True, slots=True)
class ScoreComponents:
    mandatory_coverage: float
    optional_coverage: float
    mandatory_count: int
    optional_count: int
    score: float
    mobility: float
    ranking_score: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "mandatory_coverage": self.mandatory_coverage,
            "optional_coverage": self.optional_coverage,
            "mandatory_count": self.mandatory_count,
            "optional_count": self.optional_count,
            "score": self.score,
            "mobility": self.mobility,
            "ranking_score": self.ranking_score,
        }


@dataclass(frozen=True)
class MatchResult:
    """One holder against one job, with every reason."""

    job_id: str
    holder_id: str
    score: float
    complete: bool
    components: ScoreComponents
    requirements: tuple[RequirementResult, ...]
    matched: tuple[Matched, ...]
    transferred: tuple[Transferred, ...]
    missing: tuple[Missing, ...]
    blocks: tuple[BlockStatus, ...]
    suggestions: tuple[Suggestion, ...]
    mobility: tuple[str, ...]
    parameters: MatchParameters
    unresolved: tuple[Unresolved, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "holder_id": self.holder_id,
            "score": self.score,
            "complete": self.complete,
            "components": self.components.to_dict(),
            "requirements": [r.to_dict() for r in self.requirements],
            "matched": [m.to_dict() for m in self.matched],
            "transferred": [t.to_dict() for t in self.transferred],
            "missing": [m.to_dict() for m in self.missing],
            "blocks": [b.to_dict() for b in self.blocks],
            "suggestions": [s.to_dict() for s in self.suggestions],
            "mobility": list(self.mobility),
            "unresolved": [u.to_dict() for u in self.unresolved],
            "parameters": self.parameters.to_dict(),
        }
