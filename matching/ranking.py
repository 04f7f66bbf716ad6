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

import heapq
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from matching.compile import CompiledJob, compile_job, plan_of
from matching.credit import CreditTables
from matching.holders import disclosed
from matching.model import Holder, Job, MatchResult
from matching.params import DEFAULT_PARAMETERS, MatchParameters
from matching.score import finish, holder_anchors, mobility_links, score_holder
from referentials.graph import SkillsGraph

__all__ = ["Matcher", "Ranked"]

_Posting = tuple[int, int | None, bool]  # (holder slot, best known level, has a level-less badge)
_SLACK = 1e-9  # scores closer than this may round to the same 12 decimals
_ATOM_BITS = 20  # (job slot << 20) | atom index: a job has fewer than a million atoms


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
        self._plain: dict[str, array[int]] = {}  # holdings without a level (int32 slots)
        self._removed: set[int] = set()
        self._jobs: dict[str, tuple[int, CompiledJob]] = {}
        self._job_slots: list[CompiledJob | None] = []
        self._inverse: dict[str, list[tuple[str, float]]] = {}
        self._atoms_of: dict[str, list[tuple[int, int | None]]] = {}

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
                    plain = self._plain[node] = array("i")
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
            self._removed.add(slot)

    @property
    def holder_count(self) -> int:
        return len(self._slot)

    def candidates(self, job: Job | CompiledJob, *, top: int | None = 10) -> list[Ranked]:
        """Holders ranked for ``job``; holders no held item credits are not listed."""
        compiled = job if isinstance(job, CompiledJob) else self.compile(job)
        totals = self._candidate_totals(compiled)
        live = np.flatnonzero(totals > 0)
        if top is not None and len(live) > top:
            # Only the top N are ordered: keep every holder within rounding of the N-th score,
            # then order those exactly (rounded score, then id) in Python.
            kth = np.partition(totals[live], len(live) - top)[len(live) - top]
            live = live[totals[live] >= kth - _SLACK]
        holders = self._holders
        entries = []
        for slot in live.tolist():
            holder = holders[slot]
            if holder is not None:
                entries.append((finish(float(totals[slot])), holder.id, slot))
        entries.sort(key=lambda e: (-e[0], e[1]))
        chosen = entries if top is None else entries[:top]
        ranked: list[Ranked] = []
        for _, holder_id, slot in chosen:
            holder = holders[slot]
            assert holder is not None
            result = score_holder(compiled, holder, self.tables)
            ranked.append(Ranked(holder_id, result.components.ranking_score, result))
        return ranked

    def candidate_scores(self, compiled: CompiledJob) -> dict[int, float]:
        """``{holder slot: score}`` for every holder something credits."""
        totals = self._candidate_totals(compiled)
        holders = self._holders
        return {
            slot: finish(float(totals[slot]))
            for slot in np.flatnonzero(totals > 0).tolist()
            if holders[slot] is not None
        }

    def _candidate_totals(self, compiled: CompiledJob) -> npt.NDArray[np.float64]:
        """Unrounded scores of every holder slot (the hot path: vector operations over the
        inverted index; the same products and additions, in the same order, as
        :func:`matching.score.score_holder`)."""
        atoms = compiled.atoms
        levels = [a.level for a in atoms]
        params = self.params
        unknown_factor = params.unknown_level_factor
        size = len(self._holders)
        plain = self._plain
        postings = self._postings
        by_atom: list[dict[float, list[npt.NDArray[np.int32]]]] = [{} for _ in atoms]
        levelled: list[list[tuple[int, float, int | None, bool]]] = [[] for _ in atoms]
        for held, entries in plan_of(compiled, self.tables).items():
            slots = plain.get(held)
            if slots:
                view = np.frombuffer(slots, dtype=np.int32).copy()
                for i, credit in entries:
                    value = credit * unknown_factor if levels[i] is not None else credit
                    if value > 0:
                        by_atom[i].setdefault(value, []).append(view)
            for slot, level, unknown in postings.get(held, ()):
                for i, credit in entries:
                    levelled[i].append((slot, credit, level, unknown))
        totals = np.zeros(size, dtype=np.float64)
        best = np.zeros(size, dtype=np.float64)
        for i, atom in enumerate(atoms):
            groups = by_atom[i]
            if not groups and not levelled[i]:
                continue
            best.fill(0.0)
            for value in sorted(groups):  # ascending: a higher credit overwrites a lower one
                best[np.concatenate(groups[value])] = value
            expected = levels[i]
            for slot, credit, level, unknown in levelled[i]:
                value = (
                    credit
                    if expected is None
                    else credit * _factor(level, unknown, expected, params)
                )
                if value > best[slot]:
                    best[slot] = value
            totals += atom.coefficient * best
        if self._removed:
            totals[np.fromiter(self._removed, dtype=np.int64)] = 0.0
        return totals

    # ------------------------------------------------------------------ jobs

    def add_job(self, job: Job) -> CompiledJob:
        """Compile and index an open job (re-adding replaces it)."""
        self.remove_job(job.id)
        compiled = self.compile(job)
        slot = len(self._job_slots)
        self._job_slots.append(compiled)
        self._jobs[job.id] = (slot, compiled)
        for i, atom in enumerate(compiled.atoms):
            if atom.node not in self._atoms_of:
                self._atoms_of[atom.node] = []
                for held, source in self.tables.sources(atom.node).items():
                    self._inverse.setdefault(held, []).append((atom.node, source.credit))
            # One integer per (job, atom): sorting the keys orders atoms as score_holder does.
            self._atoms_of[atom.node].append(((slot << _ATOM_BITS) | i, atom.level))
        return compiled

    def add_jobs(self, jobs: Iterable[Job]) -> None:
        for job in jobs:
            self.add_job(job)

    def remove_job(self, job_id: str) -> None:
        entry = self._jobs.pop(job_id, None)
        if entry is None:
            return
        slot, compiled = entry
        self._job_slots[slot] = None
        for atom in {a.node for a in compiled.atoms}:
            self._atoms_of[atom] = [e for e in self._atoms_of[atom] if e[0] >> _ATOM_BITS != slot]

    @property
    def jobs(self) -> dict[str, CompiledJob]:
        return {job_id: compiled for job_id, (_, compiled) in self._jobs.items()}

    def job_scores(self, holder: Holder) -> dict[str, float]:
        """``{job id: ranking score}`` through the inverted indexes (the hot path)."""
        params = self.params
        best: dict[int, float] = {}
        atoms_of = self._atoms_of
        for node, holdings in holder.by_node().items():
            known = [h.level for h in holdings if h.level is not None]
            level = max(known) if known else None
            unknown = len(known) < len(holdings)
            for target, credit in self._inverse.get(node, ()):
                for key, expected in atoms_of.get(target, ()):
                    value = (
                        credit
                        if expected is None
                        else credit * _factor(level, unknown, expected, params)
                    )
                    if value > best.get(key, 0.0):
                        best[key] = value
        totals: dict[int, float] = {}
        slots = self._job_slots
        mask = (1 << _ATOM_BITS) - 1
        for key in sorted(best):  # job by job, atoms in order: the sums score_holder makes
            slot = key >> _ATOM_BITS
            compiled = slots[slot]
            if compiled is None:
                continue
            term = compiled.atoms[key & mask].coefficient * best[key]
            totals[slot] = totals[slot] + term if slot in totals else 0 + term
        scores: dict[str, float] = {}
        for slot, total in totals.items():
            compiled = slots[slot]
            assert compiled is not None
            scores[compiled.job.id] = finish(total)
        anchors = holder_anchors(self.tables, holder) if params.mobility_boost > 0 else set()
        if anchors:
            for job_id, (_, compiled) in self._jobs.items():
                if compiled.anchors and mobility_links(self.tables, anchors, compiled.anchors):
                    scores[job_id] = scores.get(job_id, 0.0) + params.mobility_boost
        return scores

    def jobs_for(self, holder: Holder, *, top: int | None = 10) -> list[Ranked]:
        """Open jobs ranked for ``holder``; jobs nothing they hold credits are not listed."""
        scores = self.job_scores(holder)
        if top is None:
            chosen = sorted(scores.items(), key=lambda e: (-e[1], e[0]))
        else:
            chosen = heapq.nsmallest(top, scores.items(), key=lambda e: (-e[1], e[0]))
        ranked: list[Ranked] = []
        for job_id, _ in chosen:
            result = score_holder(self._jobs[job_id][1], holder, self.tables)
            ranked.append(Ranked(job_id, result.components.ranking_score, result))
        return ranked
