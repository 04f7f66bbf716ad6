"""Benchmark: bulk issuance end to end (validation, signing, storage, status allocation).

A CSV of N rows (10,000 by default) is submitted and issued with ``issuer.batch`` on SQLite
(file, WAL, synchronous=FULL) and, when ``ATOUTS_TEST_DATABASE_URL`` is set, on PostgreSQL.
Reported as credentials per second and as a ratio to the **bare signing rate** of the same
suite (eddsa-rdfc-2022, same credential shape, same key) measured in the same run.

Large batches sign in worker processes while the previous chunk is stored (``issuer.pipeline``),
so the baseline signs the same credentials with the same worker pool. Target: storage and
bookkeeping cost at most 30 % on top of signing (end-to-end time ≤ 1.3 x the bare signing time).

Measuring on a shared machine: ``--rounds`` rounds each measure bare signing and the batch back
to back (alternating which goes first); the ratio reported is the median of the per-round
ratios, both in wall time and in this process's CPU time (``time.process_time``: every thread,
the pipelined store thread included; worker processes are not counted). The target is met
only when both are. Memory: the Python heap peak (tracemalloc)
while issuing N/4 rows and N rows
must stay flat (peak(N) ≤ 1.5 x peak(N/4)), since rows are streamed and chunks released.

Usage: ``python -m bench.issuance [--rows N] [--memory-rows M]``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from badges.keys import Ed25519KeyPair
from badges.proofs.bulk import BulkSigner
from badges.proofs.data_integrity import create_proof
from issuer.achievements import create_achievement
from issuer.batch import default_processes, run_batch, submit_batch
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from issuer.issuance import IssueSpec, build_credential, evidence_item
from issuer.keyring import current_key_row, signing_key
from issuer.orgs import create_organisation
from issuer.recipients import parse_recipient
from referentials.bundled import load_bundled
from storage.engine import create_engine, session_scope
from storage.migrate import upgrade
from storage.tables import Achievement, Organisation

TARGET_OVERHEAD = 1.30
TARGET_MEMORY = 1.5
BASE = "https://formation.example"


def _csv(path: Path, rows: int, tag: str = "") -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("email;nom;niveau;preuve\n")
        for i in range(rows):
            handle.write(
                f"personne{i}{tag}@example.org;Personne {i};N2;Accueil observé en atelier\n"
            )
    return path


@contextmanager
def _database(kind: str, workdir: Path) -> Iterator[Engine | None]:
    if kind == "sqlite":
        engine = create_engine(f"sqlite+pysqlite:///{workdir / 'bench.db'}")
        upgrade(engine)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    admin_url = os.environ.get("ATOUTS_TEST_DATABASE_URL")
    if not admin_url:
        yield None
        return
    from tests.dbfixtures import postgres_schema_url

    schema = f"bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = create_engine(postgres_schema_url(admin_url, schema))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def _setup(engine: Engine) -> tuple[IssuerContext, str]:
    ctx = IssuerContext(engine=engine, custody=KeyCustody([secrets.token_bytes(32)]), base_url=BASE)
    create_organisation(ctx, slug="bench", name="Organisme de banc d'essai")
    ref = next(r for r in load_bundled() if r.slug == "attitude-pro-reunion")
    achievement = create_achievement(ctx, "bench", ref, ["SE01"])
    return ctx, achievement.id


@dataclass(frozen=True, slots=True)
class Measure:
    """``count`` credentials in ``wall`` seconds of elapsed time and ``cpu`` seconds of this
    process's CPU time (every thread: the pipelined store thread included)."""

    count: int
    wall: float
    cpu: float

    @property
    def rate(self) -> float:
        return self.count / self.wall

    @property
    def cpu_rate(self) -> float:
        return self.count / self.cpu


@contextmanager
def _measured(count: int, out: list[Measure]) -> Iterator[None]:
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    out.append(Measure(count, time.perf_counter() - wall, time.process_time() - cpu))


def signing_workload(
    ctx: IssuerContext, achievement_id: str, count: int
) -> tuple[Ed25519KeyPair, list[dict[str, Any]], dict[str, str]]:
    """The same credentials as the CSV rows (level, evidence, name, status entry), unsigned,
    with ids of the same size as issued ones (UUIDs, a random index in a list's UUID URL), so
    that the baseline canonicalises and hashes the same amount of text."""
    with session_scope(ctx.engine, write=False) as session:
        achievement = session.get(Achievement, achievement_id)
        assert achievement is not None
        org = session.get(Organisation, achievement.organisation_id)
        assert org is not None
        key_row = current_key_row(session, org)
    pair = signing_key(ctx, key_row)
    status_list = f"{BASE}/status/{uuid.uuid4()}"
    documents = []
    for i in range(count):
        index = secrets.randbelow(131_072)
        status = {
            "id": f"{status_list}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": status_list,
        }
        spec = IssueSpec(
            recipient=parse_recipient(f"personne{i}@example.org", name=f"Personne {i}"),
            level="N2",
            evidence=[evidence_item(narrative="Accueil observé en atelier")],
        )
        documents.append(
            build_credential(
                credential_url=f"{BASE}/credentials/{uuid.uuid4()}",
                org=org,
                achievement=achievement.achievement,
                identity=spec.recipient.identity(),
                spec=spec,
                valid_from=datetime(2026, 1, 1, tzinfo=UTC),
                status=status,
            )
        )
    options = {
        "verification_method": key_row.verification_method,
        "created": "2026-01-01T00:00:00Z",
    }
    return pair, documents, options


def bare_signing(
    pair: Ed25519KeyPair,
    documents: list[dict[str, Any]],
    options: dict[str, str],
    processes: int,
    out: list[Measure],
) -> None:
    """Sign the documents and nothing else: in this process, or with the worker pool the
    batch uses (``processes`` > 1; the workers' CPU time is then not in ``cpu``)."""
    if processes > 1:
        with BulkSigner(pair, processes=processes, **options) as bulk:
            bulk.sign_all(documents[:64])  # start the workers outside the measure
            with _measured(len(documents), out):
                bulk.sign_all(documents)
        return
    with _measured(len(documents), out):
        for document in documents:
            create_proof(document, pair, **options)  # type: ignore[arg-type]


def end_to_end(
    ctx: IssuerContext,
    achievement_id: str,
    path: Path,
    rows: int,
    out: list[Measure],
    processes: int | None = None,
) -> None:
    """Submit (read, validate, store the rows) and run the batch to completion."""
    with _measured(rows, out):
        batch, _ = submit_batch(ctx, achievement_id, path)
        progress = run_batch(ctx, batch.id, processes=processes)
    assert progress.issued == rows, progress


def heap_peak(ctx: IssuerContext, achievement_id: str, path: Path) -> int:
    tracemalloc.start()
    try:
        batch, _ = submit_batch(ctx, achievement_id, path)
        run_batch(ctx, batch.id)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _ratios(bare: list[Measure], batch: list[Measure], cpu: bool) -> float:
    """Median over rounds of (bare signing rate / end-to-end rate): each round's two
    measurements are taken back to back, so a burst of load on the shared machine skews one
    round, not the median."""
    if cpu:
        return statistics.median(b.cpu_rate / e.cpu_rate for b, e in zip(bare, batch, strict=True))
    return statistics.median(b.rate / e.rate for b, e in zip(bare, batch, strict=True))


def _both_cores(
    kind: str, ctx: IssuerContext, achievement_id: str, workdir: Path, rows: int, rounds: int
) -> None:
    """The same batch signed by one process and by a pool using every core, interleaved: the
    wall-time speed-up is reported (issue 9), not judged — on a shared two-core machine the
    second core is often busy with someone else's work."""
    cores = os.cpu_count() or 1
    if cores < 2:
        print(f"{kind}: both cores: skipped (one CPU)", flush=True)
        return
    single: list[Measure] = []
    pooled: list[Measure] = []
    for round_no in range(rounds):
        for processes, out in ((1, single), (cores, pooled))[:: 1 if round_no % 2 == 0 else -1]:
            tag = f"c{round_no}-{processes}"
            path = _csv(workdir / f"{tag}.csv", rows, tag)
            end_to_end(ctx, achievement_id, path, rows, out, processes=processes)
            path.unlink()
    one = statistics.median(m.rate for m in single)
    many = statistics.median(m.rate for m in pooled)
    print(
        f"{kind}: both cores: end to end {one:.0f}/s with 1 signing process, {many:.0f}/s with "
        f"{cores} (wall-time speed-up {many / one:.2f}x, median of {rounds} rounds)",
        flush=True,
    )


def _one(kind: str, rows: int, memory_rows: int, rounds: int, bare_count: int) -> bool | None:
    with tempfile.TemporaryDirectory() as tmp, _database(kind, Path(tmp)) as engine:
        if engine is None:
            print(f"{kind}: skipped (set ATOUTS_TEST_DATABASE_URL)")
            return None
        workdir = Path(tmp)
        ctx, achievement_id = _setup(engine)
        processes = default_processes(rows)
        pair, documents, options = signing_workload(ctx, achievement_id, min(rows, bare_count))
        bare_signing(pair, documents[:200], options, 1, [])  # warm the context memo
        bare: list[Measure] = []
        batch: list[Measure] = []
        for round_no in range(rounds):
            # A new file per round (new recipients): each round is a new batch, not a replay.
            path = _csv(workdir / f"big{round_no}.csv", rows, tag=f"r{round_no}")
            # Interleaved, alternating which goes first, so slow drift affects both alike.
            steps = [
                lambda: bare_signing(pair, documents, options, processes, bare),
                lambda: end_to_end(ctx, achievement_id, path, rows, batch),  # noqa: B023
            ]
            for step in steps if round_no % 2 == 0 else steps[::-1]:
                step()
            path.unlink()
        wall_ratio = _ratios(bare, batch, cpu=False)
        cpu_ratio = _ratios(bare, batch, cpu=True)
        # Both must hold: wall time sees SQLite's fsync waits, CPU time is not inflated by the
        # other processes of a shared machine.
        ok = max(wall_ratio, cpu_ratio) <= TARGET_OVERHEAD
        rate = statistics.median(m.rate for m in batch)
        per_round = ", ".join(f"{b.rate / e.rate:.2f}" for b, e in zip(bare, batch, strict=True))
        bare_rate = statistics.median(m.rate for m in bare)
        print(
            f"{kind}: {rows} rows x {rounds} rounds, {processes} signing process(es); "
            f"end to end {rate:.0f} credentials/s (median; CPU "
            f"{statistics.median(m.cpu_rate for m in batch):.0f}/s), bare signing "
            f"{bare_rate:.0f}/s (CPU {statistics.median(m.cpu_rate for m in bare):.0f}/s); "
            f"end-to-end time / bare signing time: wall {wall_ratio:.2f}x, CPU {cpu_ratio:.2f}x "
            f"(rounds: {per_round}; target <= {TARGET_OVERHEAD}x) {'OK' if ok else 'MISSED'}",
            flush=True,
        )
        _both_cores(kind, ctx, achievement_id, workdir, rows, rounds)
        if memory_rows <= 0:
            return ok
        small = heap_peak(ctx, achievement_id, _csv(workdir / "m1.csv", memory_rows // 4, "m1"))
        large = heap_peak(ctx, achievement_id, _csv(workdir / "m4.csv", memory_rows, "m4"))
        flat = large <= TARGET_MEMORY * small
        print(
            f"{kind}: heap peak {small / 1e6:.1f} MB for {memory_rows // 4} rows, "
            f"{large / 1e6:.1f} MB for {memory_rows} rows ({large / small:.2f}x, target <= "
            f"{TARGET_MEMORY}x) {'OK' if flat else 'MISSED'}",
            flush=True,
        )
        return ok and flat


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.issuance")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--memory-rows", type=int, default=8_000, help="0: skip the memory check")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bare", type=int, default=2_500, help="documents per bare signing run")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    results = [_one(kind, args.rows, args.memory_rows, args.rounds, args.bare) for kind in kinds]
    return 0 if all(r is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
