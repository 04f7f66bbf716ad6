"""Benchmark: how much of bulk issuance is the database's own work (issue 4's 30 % budget).

``bench.issuance`` judges the target: a batch end to end against bare signing. This one splits
that end-to-end time into the database's own work and the rest (Python's bookkeeping), so that
the next optimisation goes where the time is — and so that a reader can see how much of the
30 % budget SQLite alone takes.

Method (SQLite file, WAL, ``synchronous=FULL``, the application's own pragmas): a real batch of
N rows (the ``bench.issuance`` workload: ``issuer.batch.submit_batch`` + ``run_batch``) runs
while every statement the driver receives is recorded — SQL text, parameters, ``executemany``
or not — with each commit and rollback (SQLAlchemy's ``before_cursor_execute``, ``commit`` and
``rollback`` events). The database as it was before the batch was copied (``sqlite3`` backup);
the recording is then replayed on that copy through the bare ``sqlite3`` module: the same
statements with the same parameters, reads fetched, the same commits. The replay's time is
SQLite's work plus the C driver's binding, with no Python bookkeeping in between.

Reported per credential, round by round (each round: bare signing, an end-to-end batch, the
recorded batch, its replay): CPU and wall time of bare signing, of the batch, of the database's
replay, the replay as a ratio to signing, and the replay's CPU time by kind of statement. No
verdict: this is a breakdown, the verdict is ``bench.issuance``'s. PostgreSQL is not replayed:
its rows go through ``COPY`` on the driver's own cursor, not seen by the events, and its work
happens in the server's processes, which ``bench.issuance``'s CPU ratio does not count.

Usage: ``python -m bench.storage [--rows N] [--rounds R] [--quick]``.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bench.issuance import (
    Measure,
    _csv,
    _database,
    _measured,
    _setup,
    bare_signing,
    end_to_end,
    signing_workload,
)

# One recorded operation: ("sql", text, parameters, many) or ("commit",) / ("rollback",).
Operation = tuple[Any, ...]


@dataclass(slots=True)
class Recording:
    """What the driver was asked to do, in order."""

    operations: list[Operation] = field(default_factory=list)

    @property
    def statements(self) -> int:
        return sum(1 for op in self.operations if op[0] == "sql")

    @property
    def commits(self) -> int:
        return sum(1 for op in self.operations if op[0] == "commit")


@contextmanager
def recording(engine: Engine) -> Iterator[Recording]:
    """Record every statement and transaction end on ``engine`` while the block runs."""
    record = Recording()

    def on_execute(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, many: bool
    ) -> None:
        # Parameters are copied: a caller could reuse its list after the call.
        params = [tuple(p) for p in parameters] if many else tuple(parameters or ())
        record.operations.append(("sql", statement, params, many))

    def on_commit(_conn: Any) -> None:
        record.operations.append(("commit",))

    def on_rollback(_conn: Any) -> None:
        record.operations.append(("rollback",))

    listeners = (
        ("before_cursor_execute", on_execute),
        ("commit", on_commit),
        ("rollback", on_rollback),
    )
    for name, listener in listeners:
        sa.event.listen(engine, name, listener)
    try:
        yield record
    finally:
        for name, listener in listeners:
            sa.event.remove(engine, name, listener)


def snapshot(source: Path, target: Path) -> None:
    """A consistent copy of the database file (its WAL included) through SQLite's backup."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def replay(
    database: Path,
    record: Recording,
    out: list[Measure],
    count: int,
    by_kind: defaultdict[str, float],
) -> None:
    """Run the recording on ``database`` with the application's pragmas, timed as a whole and
    per kind of statement (its first words: ``INSERT INTO credentials``, ``COMMIT``...)."""
    connection = sqlite3.connect(database, isolation_level=None)
    clock = time.process_time
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA foreign_keys=ON")
        cursor = connection.cursor()
        with _measured(count, out):
            for op in record.operations:
                started = clock()
                if op[0] == "sql":
                    _, statement, params, many = op
                    if many:
                        cursor.executemany(statement, params)
                    else:
                        cursor.execute(statement, params)
                        cursor.fetchall()
                    by_kind[_kind(statement)] += clock() - started
                elif connection.in_transaction:
                    connection.execute("COMMIT" if op[0] == "commit" else "ROLLBACK")
                    by_kind[op[0].upper()] += clock() - started
    finally:
        connection.close()


def _kind(statement: str) -> str:
    words = statement.split()
    if words[0] in ("INSERT", "DELETE") and len(words) > 2:
        return " ".join(words[:3])
    if words[0] == "UPDATE" and len(words) > 1:
        return " ".join(words[:2])
    if words[0] == "SELECT" and "FROM" in words:
        return f"SELECT FROM {words[words.index('FROM') + 1]}"
    return words[0]


def _us(seconds: float, count: int) -> float:
    return 1e6 * seconds / count


def run(rows: int, rounds: int, bare_count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, _database("sqlite", Path(tmp)) as engine:
        assert engine is not None
        workdir = Path(tmp)
        database = Path(str(engine.url.database))
        ctx, achievement_id = _setup(engine)
        pair, documents, options = signing_workload(ctx, achievement_id, min(rows, bare_count))
        bare_signing(pair, documents[:200], options, 1, [])  # warm the context memo
        bare: list[Measure] = []
        batch: list[Measure] = []
        database_work: list[Measure] = []
        by_kind: defaultdict[str, float] = defaultdict(float)
        statements = commits = 0
        for round_no in range(rounds):
            bare_signing(pair, documents, options, 1, bare)
            source = _csv(workdir / f"e{round_no}.csv", rows, f"e{round_no}")
            end_to_end(ctx, achievement_id, source, rows, batch)
            copy = workdir / f"replay{round_no}.db"
            engine.dispose()  # nothing cached across the copy
            snapshot(database, copy)
            path = _csv(workdir / f"r{round_no}.csv", rows, f"r{round_no}")
            with recording(engine) as record:
                end_to_end(ctx, achievement_id, path, rows, [])
            replay(copy, record, database_work, rows, by_kind)
            statements, commits = record.statements, record.commits
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)

        def median_us(measures: list[Measure], attr: str) -> float:
            return statistics.median(_us(getattr(m, attr), m.count) for m in measures)

        sign_cpu, sign_wall = median_us(bare, "cpu"), median_us(bare, "wall")
        batch_cpu, batch_wall = median_us(batch, "cpu"), median_us(batch, "wall")
        db_cpu, db_wall = median_us(database_work, "cpu"), median_us(database_work, "wall")
        share = statistics.median(
            (d.cpu / d.count) / (b.cpu / b.count) for d, b in zip(database_work, bare, strict=True)
        )
        rest = batch_cpu - sign_cpu - db_cpu
        print(
            f"sqlite: {rows} rows x {rounds} rounds (medians, per credential, CPU / wall):\n"
            f"  bare signing            {sign_cpu:6.1f} / {sign_wall:6.1f} µs\n"
            f"  batch end to end        {batch_cpu:6.1f} / {batch_wall:6.1f} µs "
            f"({batch_cpu / sign_cpu:.2f}x signing in CPU)\n"
            f"  database's own work     {db_cpu:6.1f} / {db_wall:6.1f} µs "
            f"({share:.2f}x signing: {statements} statements, {commits} commits replayed)\n"
            f"  the rest (Python's bookkeeping) {rest:6.1f} µs CPU "
            f"({rest / sign_cpu:.2f}x signing)\n"
            f"  the 30 % budget is {0.3 * sign_cpu:.1f} µs CPU per credential\n"
            f"  the database's work by statement (CPU µs per credential, mean of the rounds):",
            flush=True,
        )
        for kind, seconds in sorted(by_kind.items(), key=lambda kv: -kv[1])[:10]:
            print(f"    {_us(seconds, rows * rounds):6.1f}  {kind}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.storage")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bare", type=int, default=2_500, help="documents per bare signing run")
    parser.add_argument("--quick", action="store_true", help="2,000 rows, 2 rounds (smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.rounds, args.bare = 2_000, 2, 1_000
    run(args.rows, args.rounds, args.bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
