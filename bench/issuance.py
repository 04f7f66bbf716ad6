"""Benchmark: bulk issuance end to end (validation, signing, storage, status allocation).

A CSV of N rows (10,000 by default) is submitted and issued with ``issuer.batch`` on SQLite
(file, WAL, synchronous=FULL) and, when ``ATOUTS_TEST_DATABASE_URL`` is set, on PostgreSQL.
Reported as credentials per second and as a ratio to the **bare signing rate** of the same
suite (eddsa-rdfc-2022, same credential shape, same key) measured in the same run.

Large batches sign in worker processes while the previous chunk is stored (``issuer.pipeline``),
so the baseline signs the same credentials with the same worker pool (and the one-process rate
is printed too). Target: storage and bookkeeping cost at most 30 % on top of signing
(end-to-end time ≤ 1.3 x the bare signing time). Memory: the Python heap peak (tracemalloc)
while issuing N/4 rows and N rows
must stay flat (peak(N) ≤ 1.5 x peak(N/4)), since rows are streamed and chunks released.

Usage: ``python -m bench.issuance [--rows N] [--memory-rows M]``.
"""

from __future__ import annotations

import argparse
import copy
import os
import secrets
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import Engine

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


def _csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("email;nom;niveau;preuve\n")
        for i in range(rows):
            handle.write(f"personne{i}@example.org;Personne {i};N2;Accueil observé en atelier\n")
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


def bare_signing_rate(
    ctx: IssuerContext, achievement_id: str, count: int, processes: int = 1
) -> float:
    """Credentials per second signing the same credentials, nothing else: in this process, or
    with the same worker pool the pipelined batch uses (``processes`` > 1)."""
    with session_scope(ctx.engine, write=False) as session:
        achievement = session.get(Achievement, achievement_id)
        assert achievement is not None
        org = session.get(Organisation, achievement.organisation_id)
        assert org is not None
        key_row = current_key_row(session, org)
    pair = signing_key(ctx, key_row)
    status = {
        "id": f"{BASE}/status/x#1",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "1",
        "statusListCredential": f"{BASE}/status/x",
    }
    documents = []
    for i in range(count):
        # The same content as a CSV row of the end-to-end run (level, evidence, name).
        spec = IssueSpec(
            recipient=parse_recipient(f"personne{i}@example.org", name=f"Personne {i}"),
            level="N2",
            evidence=[evidence_item(narrative="Accueil observé en atelier")],
        )
        documents.append(
            build_credential(
                credential_url=f"{BASE}/credentials/{i}",
                org=org,
                achievement=achievement.achievement,
                identity=spec.recipient.identity(),
                spec=spec,
                valid_from=datetime(2026, 1, 1, tzinfo=UTC),
                status=copy.deepcopy(status),
            )
        )
    options = {
        "verification_method": key_row.verification_method,
        "created": "2026-01-01T00:00:00Z",
    }
    if processes > 1:
        with BulkSigner(pair, processes=processes, **options) as bulk:
            bulk.sign_all(documents[:64])  # start the workers outside the measure
            start = time.perf_counter()
            bulk.sign_all(documents)
            return count / (time.perf_counter() - start)
    start = time.perf_counter()
    for document in documents:
        create_proof(document, pair, **options)  # type: ignore[arg-type]
    return count / (time.perf_counter() - start)


def end_to_end_rate(ctx: IssuerContext, achievement_id: str, path: Path, rows: int) -> float:
    start = time.perf_counter()
    batch, _ = submit_batch(ctx, achievement_id, path)
    progress = run_batch(ctx, batch.id)
    elapsed = time.perf_counter() - start
    assert progress.issued == rows, progress
    return rows / elapsed


def heap_peak(ctx: IssuerContext, achievement_id: str, path: Path) -> int:
    tracemalloc.start()
    try:
        batch, _ = submit_batch(ctx, achievement_id, path)
        run_batch(ctx, batch.id)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _one(kind: str, rows: int, memory_rows: int) -> bool | None:
    with tempfile.TemporaryDirectory() as tmp, _database(kind, Path(tmp)) as engine:
        if engine is None:
            print(f"{kind}: skipped (set ATOUTS_TEST_DATABASE_URL)")
            return None
        workdir = Path(tmp)
        ctx, achievement_id = _setup(engine)
        processes = default_processes(rows)
        single = bare_signing_rate(ctx, achievement_id, min(rows, 2000))
        pooled = bare_signing_rate(ctx, achievement_id, min(rows, 4000), processes)
        rate = end_to_end_rate(ctx, achievement_id, _csv(workdir / "big.csv", rows), rows)
        overhead = pooled / rate
        ok = overhead <= TARGET_OVERHEAD
        print(
            f"{kind}: {rows} rows, {rate:.0f} credentials/s end to end; bare signing of the "
            f"same credentials {pooled:.0f}/s with {processes} signing process(es) as the batch "
            f"uses ({single:.0f}/s in one process); end-to-end time {overhead:.2f}x bare "
            f"signing (target <= {TARGET_OVERHEAD}x) {'OK' if ok else 'MISSED'}",
            flush=True,
        )
        small = heap_peak(ctx, achievement_id, _csv(workdir / "m1.csv", memory_rows // 4))
        large = heap_peak(ctx, achievement_id, _csv(workdir / "m4.csv", memory_rows))
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
    parser.add_argument("--memory-rows", type=int, default=2_000)
    args = parser.parse_args()
    results = [_one(kind, args.rows, args.memory_rows) for kind in ("sqlite", "postgresql")]
    return 0 if all(r is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
