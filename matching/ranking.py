"""Both directions at scale: candidates for a job, jobs for a person (DESIGN §6).

:class:`Matcher` keeps, for one graph and one set of parameters:

* the credit tables (:mod:`matching.credit`), computed once per required item;
* an inverted index *held node → holders* (with their best level per node), so ranking the
  candidates of a job only visits the wallets that hold a node crediting one of its atoms:
  the cost grows with those postings, not with the number of wallets, and the graph is never
  walked per wallet;
* an inverted index *held node → (required node, credit)* plus *required node → (job, atom)*
  over the compiled open jobs, so ranking jobs for one person only visits the jobs one of their
  competences credits.

Fast scores use exactly the coefficients :func:`matching.score.score_holder` uses; only the top
results are then explained in full. Order is stable: ranking score descending, then id.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from matching.compile import CompiledJob, compile_job
from matching.credit import CreditTables
from matching.holders import disclosed
from matching.model import Holder, Job, MatchResult
from matching.params import DEFAULT_PARAMETERS, MatchParameters
from matching.score import finish, holder_anchors, mobility_links, score_holder
from referentials.graph import SkillsGraph

__all__ = ["Matcher", "Ranked"]

_Posting = tuple[int, int | None, bool]  # (holder slot, best known level, has a level-less badge)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One entry of a ranking: the id, the ranking score and the full explained result."""

    id: str
    ranking_score: float
    result: MatchResult


def _factor(
    level: int | None, unknown: bool, expected: int | None, params: MatchParameters
) -> float:
    if expected is None or expected <= 0:
        return 1.0
    best = params.unknown_level_factor if unknown else 0.0
    if level is not None:
        best = max(best, min(1.0, level / expected))
    return best


class Matcher:
    """In-memory matching over data the caller loads (no I/O here)."""

    def __init__(self, graph: SkillsGraph, params: MatchParameters = DEFAULT_PARAMETERS) -> None:
        self.graph = graph
        self.params = params
        self.tables = CreditTables(graph, params)
        self._holders: list[Holder | None] = []
        self._slot: dict[str, int] = {}
        self._postings: dict[str, list[_Posting]] = {}  # holdings with a level
        self._plain: dict[str, array[int]] = {}  # holdings without a level
        self._jobs: dict[str, CompiledJob] = {}
        self._job_order: list[str] = []
        self._inverse: dict[str, list[tuple[str, float]]] = {}
        self._atoms_of: dict[str, list[tuple[str, int]]] = {}

    # ------------------------------------------------------------------ one pair

    def compile(self, job: Job) -> CompiledJob:
        return compile_job(job, self.tables)

    def match(self, job: Job | CompiledJob, holder: Holder) -> MatchResult:
        compiled = job if isinstance(job, CompiledJob) else self.compile(job)
        return score_holder(compiled, holder, self.tables)

    # ------------------------------------------------------------------ holders

    def add_holder(self, holder: Holder) -> None:
        """Index a holder who agreed to be found, as they agreed to be shown
        (:func:`matching.holders.disclosed`); re-adding replaces them."""
        self.remove_holder(holder.id)
        holder = disclosed(holder, self.tables)
        slot = len(self._holders)
        self._holders.append(holder)
        self._slot[holder.id] = slot
        for node, holdings in holder.by_node().items():
            levels = [h.level for h in holdings if h.level is not None]
            if not levels:
                # Most badges state no level: a compact array of slots per node.
                plain = self._plain.get(node)
                if plain is None:
                    plain = self._plain[node] = array("l")
                plain.append(slot)
                continue
            unknown = len(levels) < len(holdings)
            self._postings.setdefault(node, []).append((slot, max(levels), unknown))

    def add_holders(self, holders: Iterable[Holder]) -> None:
        for holder in holders:
            self.add_holder(holder)

    def remove_holder(self, holder_id: str) -> None:
        """Withdrawal of consent: the holder is no longer found (postings skip empty slots)."""
        slot = self._slot.pop(holder_id, None)
        if slot is not None:
            self._holders[slot] = None

    @property
    def holder_count(self) -> int:
        return len(self._slot)

    def candidates(self, job: Job | CompiledJob, *, top: int | None = 10) -> list[Ranked]:
        """Holders ranked for ``job``; holders no held item credits are not listed."""
        compiled = job if isinstance(job, CompiledJob) else self.compile(job)
        scores = self.candidate_scores(compiled)
        holders = self._holders
        order = sorted(
            ((s, holders[slot].id, slot) for slot, s in scores.items() if holders[slot]),  # type: ignore[union-attr]
            key=lambda e: (-e[0], e[1]),
        )
        chosen = order if top is None else order[:top]
        ranked: list[Ranked] = []
        for _, holder_id, slot in chosen:
            holder = holders[slot]
            assert holder is not None
            result = score_holder(compiled, holder, self.tables)
            ranked.append(Ranked(holder_id, result.components.ranking_score, result))
        return ranked

    def candidate_scores(self, compiled: CompiledJob) -> dict[int, float]:
        """``{holder slot: score}`` through the inverted index (the hot path)."""
        atoms = compiled.atoms
        n = len(atoms)
        levels = [a.level for a in atoms]
        levelled = any(level is not None for level in levels)
        params = self.params
        best: dict[int, list[float]] = {}
        postings = self._postings
        plain = self._plain
        unknown_factor = params.unknown_level_factor
        for held, entries in compiled.plan.items():
            slots = plain.get(held)
            if slots:
                scaled = entries
                if levelled:
                    scaled = [
                        (i, c * unknown_factor if levels[i] is not None else c) for i, c in entries
                    ]
                if len(scaled) == 1:
                    ((i, credit),) = scaled
                    for slot in slots:
                        row = best.get(slot)
                        if row is None:
                            row = best[slot] = [0.0] * n
                        if credit > row[i]:
                            row[i] = credit
                else:
                    for slot in slots:
                        row = best.get(slot)
                        if row is None:
                            row = best[slot] = [0.0] * n
                        for i, credit in scaled:
                            if credit > row[i]:
                                row[i] = credit
            for slot, level, unknown in postings.get(held, ()):
                row = best.get(slot)
                if row is None:
                    row = best[slot] = [0.0] * n
                for i, credit in entries:
                    if levels[i] is not None:
                        credit *= _factor(level, unknown, levels[i], params)
                    if credit > row[i]:
                        row[i] = credit
        coefficients = [a.coefficient for a in atoms]
        return {
            slot: finish(sum(c * x for c, x in zip(coefficients, row, strict=True)))
            for slot, row in best.items()
        }

    # ------------------------------------------------------------------ jobs

    def add_job(self, job: Job) -> CompiledJob:
        """Compile and index an open job (re-adding replaces it)."""
        self.remove_job(job.id)
        compiled = self.compile(job)
        self._jobs[job.id] = compiled
        self._job_order.append(job.id)
        for i, atom in enumerate(compiled.atoms):
            if atom.node not in self._atoms_of:
                self._atoms_of[atom.node] = []
                for held, source in self.tables.sources(atom.node).items():
                    self._inverse.setdefault(held, []).append((atom.node, source.credit))
            self._atoms_of[atom.node].append((job.id, i))
        return compiled

    def add_jobs(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self.add_job(job)

    def remove_job(self, job_id: str) -> None:
        compiled = self._jobs.pop(job_id, None)
        if compiled is None:
            return
        self._job_order.remove(job_id)
        for atom in {a.node for a in compiled.atoms}:
            self._atoms_of[atom] = [e for e in self._atoms_of[atom] if e[0] != job_id]

    @property
    def jobs(self) -> dict[str, CompiledJob]:
        return dict(self._jobs)

    def job_scores(self, holder: Holder) -> dict[str, float]:
        """``{job id: ranking score}`` through the inverted indexes (the hot path)."""
        params = self.params
        best: dict[tuple[str, int], float] = {}
        jobs = self._jobs
        for node, holdings in holder.by_node().items():
            known = [h.level for h in holdings if h.level is not None]
            level = max(known) if known else None
            unknown = any(h.level is None for h in holdings)
            for target, credit in self._inverse.get(node, ()):
                for job_id, i in self._atoms_of.get(target, ()):
                    expected = jobs[job_id].atoms[i].level
                    value = (
                        credit
                        if expected is None
                        else credit * _factor(level, unknown, expected, params)
                    )
                    key = (job_id, i)
                    if value > best.get(key, 0.0):
                        best[key] = value
        totals: dict[str, float] = {}
        for (job_id, i), value in best.items():
            totals[job_id] = totals.get(job_id, 0.0) + jobs[job_id].atoms[i].coefficient * value
        scores = {job_id: finish(total) for job_id, total in totals.items()}
        anchors = holder_anchors(self.tables, holder) if params.mobility_boost > 0 else set()
        if anchors:
            for job_id, compiled in jobs.items():
                if compiled.anchors and mobility_links(self.tables, anchors, compiled.anchors):
                    scores[job_id] = scores.get(job_id, 0.0) + params.mobility_boost
        return scores

    def jobs_for(self, holder: Holder, *, top: int | None = 10) -> list[Ranked]:
        """Open jobs ranked for ``holder``; jobs nothing they hold credits are not listed."""
        scores = self.job_scores(holder)
        order = sorted(scores.items(), key=lambda e: (-e[1], e[0]))
        chosen = order if top is None else order[:top]
        ranked: list[Ranked] = []
        for job_id, _ in chosen:
            result = score_holder(self._jobs[job_id], holder, self.tables)
            ranked.append(Ranked(job_id, result.components.ranking_score, result))
        return ranked
