"""Benchmark: ranking candidates for a job and jobs for a person at scale (issue 7).

Data (generated, deterministic seed): an ESCO-sized skills referential — 4 pillars, 40 + 600
skill groups, 13,900 skills (15 % with a second broader group, 10 % narrower skills of another
skill, 1,500 ``isRelatedTo`` links) — 100,000 wallets of 5–40 competences each and 10,000 jobs
of 5–20 requirements (70 % mandatory), drawn with a mild popularity skew. The real ESCO extract
in ../shared/data has only 918 skills, so the graph is always generated at ESCO's size.

Reported, each as a ratio to one pass over the same number of Python dict lookups measured in
the same run (so the machine does not matter):

* ranking the candidates for one job (``Matcher.candidates(job, top=10)``, explained top 10):
  p50 and p95 over a sample of jobs; the p95 must stay under 100 ms (``P95_TARGET_MS``);
* ranking the jobs for one wallet (``Matcher.jobs_for(holder, top=10)``): p50 and p95;
* growth: the same jobs ranked with 25,000, 50,000 and 100,000 wallets indexed; the time per
  posting visited (a wallet holding a relevant competence) must not grow by more than 1.5x
  (``LINEAR_TARGET``) — i.e. ranking grows no faster than linearly with those wallets.

Usage: ``python -m bench.matching [--wallets N] [--jobs N] [--sample N]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import sys
import time
from itertools import accumulate
from pathlib import Path
from typing import Any

from matching.compile import plan_of
from matching.model import Holder, Holding, Job, Requirement
from matching.ranking import Matcher
from referentials.graph import SkillsGraph, build_graph
from referentials.model import (
    CompetenceType,
    Item,
    ItemKind,
    Referential,
    Relation,
    RelationType,
    Status,
)

P95_TARGET_MS = 100.0
LINEAR_TARGET = 1.5
SEED = 20251126
URI = "urn:bench:esco:"


def synthetic_graph(rng: random.Random, skills: int = 13_900) -> tuple[SkillsGraph, list[str]]:
    items: list[Item] = []
    relations: list[Relation] = []
    pillars = [f"P{i}" for i in range(4)]
    level1 = [f"G{i}" for i in range(40)]
    level2 = [f"H{i}" for i in range(600)]
    for code in pillars + level1 + level2:
        items.append(Item(code, ItemKind.GROUP, {"fr": f"groupe {code}"}, uri=URI + code))
    for i, code in enumerate(level1):
        relations.append(Relation(RelationType.BROADER, code, pillars[i % 4]))
    for i, code in enumerate(level2):
        relations.append(Relation(RelationType.BROADER, code, level1[i % 40]))
    codes = [f"S{i}" for i in range(skills)]
    for i, code in enumerate(codes):
        items.append(
            Item(
                code,
                ItemKind.COMPETENCE,
                {"fr": f"compétence {i}", "en": f"skill {i}"},
                competence_type=CompetenceType.SAVOIR_FAIRE,
                uri=URI + code,
            )
        )
        if i > 100 and rng.random() < 0.10:
            relations.append(Relation(RelationType.BROADER, code, codes[rng.randrange(i)]))
            continue
        group = rng.randrange(600)
        relations.append(Relation(RelationType.BROADER, code, level2[group]))
        if rng.random() < 0.15:
            other = (group + 40 * rng.randrange(1, 15)) % 600  # same pillar (i % 4 pattern)
            relations.append(Relation(RelationType.BROADER, code, level2[other]))
    for _ in range(1500):
        a, b = rng.sample(codes, 2)
        relations.append(Relation(RelationType.IS_RELATED_TO, a, b))
    referential = Referential(
        "esco-synthetique",
        "1",
        {"fr": "ESCO synthétique"},
        status=Status.PUBLISHED,
        items=tuple(items),
        relations=tuple(relations),
    )
    return build_graph([referential]), [URI + c for c in codes]


def _draw(rng: random.Random, nodes: list[str], cumulative: list[float], k: int) -> list[str]:
    return list(dict.fromkeys(rng.choices(nodes, cum_weights=cumulative, k=k)))


def _dict_baseline(lookups: int) -> float:
    """Seconds for one pass of ``lookups`` dict lookups over int keys (best of 3)."""
    table = {i: i for i in range(100_000)}
    keys = [i % 100_000 for i in range(max(1, lookups))]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for key in keys:
            table[key]
        best = min(best, time.perf_counter() - start)
    return best


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run(wallets: int, jobs: int, sample: int) -> dict[str, Any]:
    rng = random.Random(SEED)
    started = time.perf_counter()
    graph, skills = synthetic_graph(rng)
    weights = [1.0 / (1.0 + rank / 400.0) for rank in range(len(skills))]
    popularity = skills[:]
    rng.shuffle(popularity)
    cumulative = list(accumulate(weights))
    shared = {node: Holding(node) for node in skills}  # level-less badges, shared objects
    holders = [
        Holder(
            f"w{i:06d}",
            tuple(shared[n] for n in _draw(rng, popularity, cumulative, rng.randint(5, 40))),
        )
        for i in range(wallets)
    ]
    offers = []
    for j in range(jobs):
        picked = _draw(rng, popularity, cumulative, rng.randint(5, 20))
        offers.append(
            Job(
                f"j{j:05d}", f"offre {j}", tuple(Requirement(n, rng.random() < 0.7) for n in picked)
            )
        )
    built = time.perf_counter()
    matcher = Matcher(graph)
    matcher.add_jobs(offers)
    indexed_jobs = time.perf_counter()
    sample_jobs = [matcher.jobs[o.id] for o in rng.sample(offers, sample)]

    growth: list[dict[str, Any]] = []
    sizes = [wallets // 4, wallets // 2, wallets]
    added = 0
    candidate_times: list[float] = []
    visited_at_full: list[int] = []
    gc.disable()
    try:
        for size in sizes:
            matcher.add_holders(holders[added:size])
            added = size
            times: list[float] = []
            visited = 0
            for compiled in sample_jobs:
                postings = sum(
                    len(matcher._plain.get(h, ())) + len(matcher._postings.get(h, ()))
                    for h in plan_of(compiled, matcher.tables)
                )
                start = time.perf_counter()
                matcher.candidates(compiled, top=10)
                times.append(time.perf_counter() - start)
                visited += postings
                if size == wallets:
                    visited_at_full.append(postings)
            growth.append(
                {
                    "wallets": size,
                    "postings_visited": visited,
                    "seconds": sum(times),
                    "microseconds_per_posting": 1e6 * sum(times) / max(1, visited),
                }
            )
            candidate_times = times
        job_times: list[float] = []
        lookups_jobs: list[int] = []
        for holder in rng.sample(holders, sample):
            entries = sum(
                len(matcher._atoms_of.get(t, ()))
                for node in {h.node for h in holder.holdings}
                for t, _ in matcher._inverse.get(node, ())
            )
            start = time.perf_counter()
            matcher.jobs_for(holder, top=10)
            job_times.append(time.perf_counter() - start)
            lookups_jobs.append(entries)
    finally:
        gc.enable()
    mean_postings = statistics.mean(visited_at_full)
    baseline_candidates = _dict_baseline(int(mean_postings))
    baseline_jobs = _dict_baseline(int(statistics.mean(lookups_jobs)))
    p95_candidates = _percentile(candidate_times, 0.95)
    per_posting = [g["microseconds_per_posting"] for g in growth]
    linear_ratio = per_posting[-1] / per_posting[0]
    result = {
        "wallets": wallets,
        "jobs": jobs,
        "sample": sample,
        "graph_nodes": graph.graph.number_of_nodes(),
        "setup_seconds": {
            "data": round(built - started, 2),
            "index_jobs": round(indexed_jobs - built, 2),
        },
        "candidates_for_one_job": {
            "p50_ms": round(1000 * statistics.median(candidate_times), 2),
            "p95_ms": round(1000 * p95_candidates, 2),
            "mean_postings_visited": round(mean_postings),
            "ratio_to_dict_lookups": round(
                statistics.mean(candidate_times) / baseline_candidates, 1
            ),
            "target_p95_ms": P95_TARGET_MS,
        },
        "jobs_for_one_wallet": {
            "p50_ms": round(1000 * statistics.median(job_times), 2),
            "p95_ms": round(1000 * _percentile(job_times, 0.95), 2),
            "mean_index_entries": round(statistics.mean(lookups_jobs)),
            "ratio_to_dict_lookups": round(statistics.mean(job_times) / baseline_jobs, 1),
        },
        "growth": growth,
        "time_per_posting_ratio_largest_to_smallest": round(linear_ratio, 2),
        "linear_target": LINEAR_TARGET,
        "max_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    result["passed"] = p95_candidates * 1000 < P95_TARGET_MS and linear_ratio <= LINEAR_TARGET
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.matching", description=__doc__)
    parser.add_argument("--wallets", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=200)
    args = parser.parse_args(argv)
    result = run(args.wallets, args.jobs, args.sample)
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = Path(__file__).resolve().parent / "results" / "matching.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
