"""Jobs compiled against the skills graph into weighted *atoms* (DESIGN §6).

An atom is one item that must be credited: a competence requirement is one atom; a
certification, block or module requirement is the list of competences it asserts (its mandatory
competences; what a module teaches), each weighing ``1/n`` of the requirement — so the
requirement is met in full only when every mandatory child is held, partially otherwise; an
ESCO occupation or ROME fiche taken whole becomes one requirement per skill it requires
(``essential`` → mandatory when the occupation is, ``optional`` → optional).

A requirement naming an item no loaded referential knows (a referential removed, data made
under another base URL) never breaks matching: it is set aside as
:class:`~matching.model.Unresolved` (``kind="node"``) and reported with every result; it cannot
be met, so a job with such a *mandatory* requirement is never « complete ». An expected level
that names no known level is reported the same way (``kind="level"``) and the item is scored
without a level.

Each atom also carries its *coefficient*: its share of the final score, so ranking adds
``coefficient × credit`` without recomputing the job.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from matching.credit import CONTAINER_TYPES, CreditTables
from matching.model import Job, Requirement, Unresolved
from referentials.model import NodeType, RelationType, RequirementType

__all__ = [
    "Atom",
    "CompiledJob",
    "CompiledRequirement",
    "compile_job",
    "plan_of",
    "unresolved_node",
]


@dataclass(frozen=True, slots=True)
class Atom:
    node: str
    requirement: int
    weight: float
    coefficient: float
    level: int | None


@dataclass(frozen=True, slots=True)
class CompiledRequirement:
    requirement: Requirement
    label: str
    origin: str | None
    level: int | None
    atoms: tuple[int, ...]
    container: str | None
    members: tuple[tuple[str, bool], ...]  # (block or module, mandatory) of a container


@dataclass(frozen=True)
class CompiledJob:
    job: Job
    requirements: tuple[CompiledRequirement, ...]
    atoms: tuple[Atom, ...]
    anchors: frozenset[str]
    mandatory_count: int
    optional_count: int
    plan: dict[str, list[tuple[int, float]]] = field(default_factory=dict, compare=False)
    unresolved: tuple[Unresolved, ...] = ()

    @property
    def blocks_completion(self) -> bool:
        """A mandatory requirement cannot be evaluated: no result can be complete."""
        return any(u.kind == "node" and u.mandatory for u in self.unresolved)


def _expand(job: Job, tables: CreditTables) -> list[tuple[Requirement, str | None]]:
    """Occupations taken whole become one requirement per required skill; duplicates merge
    (mandatory wins, first origin kept) so a skill two occupations share counts once."""
    expanded: list[tuple[Requirement, str | None]] = []
    for req in job.requirements:
        wanted = tables.occupation_requirements(req.node)
        if tables.node_type(req.node) is NodeType.OCCUPATION and wanted:
            # An occupation with no known requirements stays one item (held or not).
            for skill, kind in wanted:
                mandatory = req.mandatory and kind is RequirementType.ESSENTIAL
                derived = Requirement(skill, mandatory, req.level, tables.label(skill))
                expanded.append((derived, req.node))
        else:
            expanded.append((req, None))
    merged: dict[str, tuple[Requirement, str | None]] = {}
    for req, origin in expanded:
        seen = merged.get(req.node)
        if seen is None:
            merged[req.node] = (req, origin)
        elif req.mandatory and not seen[0].mandatory:
            merged[req.node] = (req, seen[1] or origin)
    return list(merged.values())


def _members(node: str, tables: CreditTables) -> tuple[tuple[str, bool], ...]:
    found: dict[str, bool] = {}
    for child, keyed in tables.graph.graph.pred.get(node, {}).items():
        for attrs in keyed.values():
            if attrs["type"] != RelationType.IS_PART_OF:
                continue
            if tables.node_type(child) in CONTAINER_TYPES:
                found[child] = found.get(child, False) or attrs.get("mandatory") is not False
    return tuple(sorted(found.items()))


def unresolved_node(req: Requirement) -> Unresolved:
    return Unresolved(
        req.node,
        "node",
        req.mandatory,
        f"l'élément « {req.label or req.node} » n'existe dans aucun référentiel chargé "
        "(référentiel retiré ou données d'une autre adresse) : exigence mise de côté",
    )


def compile_job(job: Job, tables: CreditTables) -> CompiledJob:
    params = tables.params
    unresolved = [unresolved_node(r) for r in job.requirements if r.node not in tables]
    known = tuple(r for r in job.requirements if r.node in tables)
    for req in known:
        if req.level is not None and tables.level_rank(req.level) is None:
            unresolved.append(
                Unresolved(
                    req.node,
                    "level",
                    req.mandatory,
                    f"le niveau « {req.level} » attendu pour "
                    f"« {req.label or tables.label(req.node)} » n'est ni un rang ni un niveau "
                    "connu : exigence évaluée sans niveau",
                )
            )
    expanded = _expand(Job(job.id, job.title, known, job.occupations), tables)
    mandatory = sum(1 for r, _ in expanded if r.mandatory)
    optional = len(expanded) - mandatory
    mw, ow = params.mandatory_weight, params.optional_weight
    if mandatory and optional:
        group_m, group_o = mw / (mw + ow), ow / (mw + ow)
    else:
        group_m = group_o = 1.0
    requirements: list[CompiledRequirement] = []
    atoms: list[Atom] = []
    for index, (req, origin) in enumerate(expanded):
        node_type = tables.node_type(req.node)
        container = req.node if node_type in CONTAINER_TYPES else None
        items = tables.teaches(req.node) if container else ()
        items = items or (req.node,)
        level = tables.level_rank(req.level)
        share = (group_m / mandatory) if req.mandatory else (group_o / optional)
        first = len(atoms)
        for item in items:
            atoms.append(Atom(item, index, 1.0 / len(items), share / len(items), level))
        requirements.append(
            CompiledRequirement(
                requirement=req,
                label=req.label or tables.label(req.node),
                origin=origin,
                level=level,
                atoms=tuple(range(first, len(atoms))),
                container=container,
                members=_members(req.node, tables) if container else (),
            )
        )
    anchors = set(job.occupations)
    anchors |= {r.node for r in job.requirements if tables.node_type(r.node) is NodeType.OCCUPATION}
    compiled = CompiledJob(
        job,
        tuple(requirements),
        tuple(atoms),
        frozenset(anchors),
        mandatory,
        optional,
        unresolved=tuple(unresolved),
    )
    return compiled


def plan_of(compiled: CompiledJob, tables: CreditTables) -> dict[str, list[tuple[int, float]]]:
    """The candidate-ranking plan: held node -> [(atom index, credit)], so each posting list
    is read once. Built on first use (ranking jobs for a person does not need it)."""
    plan = compiled.plan
    if not plan:
        for i, atom in enumerate(compiled.atoms):
            for held, source in tables.sources(atom.node).items():
                plan.setdefault(held, []).append((i, source.credit))
    return plan
