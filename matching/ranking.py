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
        self._atoms_of: dict[str, list[int]] = {}  # required node -> global atom ids
        self._atom_cache: dict[str, npt.NDArray[np.int64]] = {}
        self._atom_job: array[int] = array("q")  # per global atom id: job slot,
        self._atom_coef: array[float] = array("d")  # its share of the score,
        self._atom_level: array[int] = array("q")  # the expected level (0: none)
        self._arrays: (
            tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.int64]] | None
        ) = None
        self._anchored: list[int] = []  # job slots with an occupation (mobility links)

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

    @property
    def stale_slots(self) -> int:
        """Slots of removed or replaced holders still in the postings (rebuild when large)."""
        return len(self._removed)

    def holder(self, holder_id: str) -> Holder | None:
        """The indexed holder, as they agreed to be shown."""
        slot = self._slot.get(holder_id)
        return None if slot is None else self._holders[slot]

    def compiled_job(self, job_id: str) -> CompiledJob | None:
        entry = self._jobs.get(job_id)
        return None if entry is None else entry[1]

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
        if compiled.anchors:
            self._anchored.append(slot)
        for atom in compiled.atoms:
            if atom.node not in self._atoms_of:
                self._atoms_of[atom.node] = []
                for held, source in self.tables.sources(atom.node).items():
                    self._inverse.setdefault(held, []).append((atom.node, source.credit))
            # Global atom ids follow job then atom order, so sorting them orders each job's
            # atoms as score_holder adds them.
            self._atoms_of[atom.node].append(len(self._atom_job))
            self._atom_cache.pop(atom.node, None)
            self._atom_job.append(slot)
            self._atom_coef.append(atom.coefficient)
            self._atom_level.append(atom.level or 0)
        self._arrays = None
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
        if slot in self._anchored:
            self._anchored.remove(slot)
        job_of = self._atom_job
        for node in {a.node for a in compiled.atoms}:
            self._atoms_of[node] = [g for g in self._atoms_of[node] if job_of[g] != slot]
            self._atom_cache.pop(node, None)

    @property
    def jobs(self) -> dict[str, CompiledJob]:
        return {job_id: compiled for job_id, (_, compiled) in self._jobs.items()}

    def _atom_ids(self, node: str) -> npt.NDArray[np.int64]:
        cached = self._atom_cache.get(node)
        if cached is None:
            cached = np.asarray(self._atoms_of.get(node, ()), dtype=np.int64)
            self._atom_cache[node] = cached
        return cached

    def _job_totals(
        self, holder: Holder
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Raw totals per job slot, and the best credit per global atom id (sorted ids)."""
        if self._arrays is None:
            # Copies (np.array), not views: a view would pin the growable arrays, and adding
            # a job to a live index must still be able to append to them.
            self._arrays = (
                np.array(self._atom_job, dtype=np.int64),
                np.array(self._atom_coef, dtype=np.float64),
                np.array(self._atom_level, dtype=np.int64),
            )
        job_of, coef, expected_of = self._arrays
        params = self.params
        ids: list[npt.NDArray[np.int64]] = []
        credits: list[float] = []
        held_levels: list[int] = []
        held_unknown: list[bool] = []
        for node, holdings in holder.by_node().items():
            known = [h.level for h in holdings if h.level is not None]
            level = max(known) if known else 0
            unknown = len(known) < len(holdings)
            for target, credit in self._inverse.get(node, ()):
                found = self._atom_ids(target)
                if found.size:
                    ids.append(found)
                    credits.append(credit)
                    held_levels.append(level)
                    held_unknown.append(unknown)
        totals = np.zeros(len(self._job_slots), dtype=np.float64)
        if not ids:
            return totals, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        sizes = [found.size for found in ids]
        gid = np.concatenate(ids)
        value = np.repeat(np.asarray(credits, dtype=np.float64), sizes)
        expected = expected_of[gid]
        if expected.any():
            # min(1, held / expected), or unknown_level_factor for a level-less badge.
            held = np.repeat(np.asarray(held_levels, dtype=np.int64), sizes)
            safe = np.where(expected > 0, expected, 1)
            by_level = np.where(held > 0, np.minimum(1.0, held / safe), 0.0)
            unknown_arr = np.repeat(np.asarray(held_unknown, dtype=np.bool_), sizes)
            factor = np.maximum(by_level, np.where(unknown_arr, params.unknown_level_factor, 0.0))
            value = value * np.where(expected > 0, factor, 1.0)
        order = np.lexsort((value, gid))  # by atom id, best credit last
        gid, value = gid[order], value[order]
        last = np.flatnonzero(np.append(gid[1:] != gid[:-1], True))
        gid, value = gid[last], value[last]
        np.add.at(totals, job_of[gid], coef[gid] * value)
        return totals, gid, value

    def _exact_scores(
        self,
        slots: list[int],
        gid: npt.NDArray[np.int64],
        value: npt.NDArray[np.float64],
        anchors: set[str],
    ) -> dict[str, float]:
        """Ranking scores of ``slots`` summed exactly as score_holder sums them."""
        assert self._arrays is not None
        job_of, coef, _ = self._arrays
        jobs_sorted = job_of[gid]
        terms = coef[gid] * value
        scores: dict[str, float] = {}
        for slot in slots:
            compiled = self._job_slots[slot]
            if compiled is None:
                continue
            lo, hi = np.searchsorted(jobs_sorted, [slot, slot + 1])
            total = 0.0
            for term in terms[lo:hi].tolist():
                total += term
            score = finish(total)
            if (
                anchors
                and compiled.anchors
                and mobility_links(self.tables, anchors, compiled.anchors)
            ):
                score += self.params.mobility_boost
            scores[compiled.job.id] = score
        return scores

    def job_scores(self, holder: Holder) -> dict[str, float]:
        """``{job id: ranking score}`` for every open job something the holder has credits."""
        return self._ranked_job_scores(holder, None)

    def _ranked_job_scores(self, holder: Holder, top: int | None) -> dict[str, float]:
        totals, gid, value = self._job_totals(holder)
        params = self.params
        anchors = holder_anchors(self.tables, holder) if params.mobility_boost > 0 else set()
        if anchors:
            for slot in self._anchored:
                compiled = self._job_slots[slot]
                if compiled is not None and mobility_links(self.tables, anchors, compiled.anchors):
                    totals[slot] += params.mobility_boost
        live = np.flatnonzero(totals > 0)
        if top is not None and len(live) > top:
            kth = np.partition(totals[live], len(live) - top)[len(live) - top]
            live = live[totals[live] >= kth - _SLACK]
        return self._exact_scores(live.tolist(), gid, value, anchors)

    def jobs_for(self, holder: Holder, *, top: int | None = 10) -> list[Ranked]:
        """Open jobs ranked for ``holder``; jobs nothing they hold credits are not listed."""
        scores = self._ranked_job_scores(holder, top)
        chosen = sorted(scores.items(), key=lambda e: (-e[1], e[0]))
        if top is not None:
            chosen = chosen[:top]
        ranked: list[Ranked] = []
        for job_id, _ in chosen:
            result = score_holder(self._jobs[job_id][1], holder, self.tables)
            ranked.append(Ranked(job_id, result.components.ranking_score, result))
        return ranked
