"""bench.storage's breakdown is only worth reading if its replay does what the batch did."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from bench.issuance import Measure, _csv, _database, _setup, end_to_end
from bench.storage import recording, replay, snapshot
from issuer.context import IssuerContext


@dataclass(frozen=True)
class Bench:
    engine: Engine
    ctx: IssuerContext
    achievement_id: str
    database: Path

    def batch(self, path: Path, rows: int) -> None:
        end_to_end(self.ctx, self.achievement_id, _csv(path, rows), rows, [])
        self.engine.dispose()  # every connection closed: the file is what a copy would read


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Bench]:
    with _database("sqlite", tmp_path) as engine:
        assert engine is not None
        ctx, achievement_id = _setup(engine)
        engine.dispose()
        yield Bench(engine, ctx, achievement_id, Path(str(engine.url.database)))


def _table(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def test_replaying_a_recorded_batch_on_a_copy_writes_the_same_rows(
    bench: Bench, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.db"
    snapshot(bench.database, copy)
    with recording(bench.engine) as record:
        bench.batch(tmp_path / "rows.csv", 25)
    out: list[Measure] = []
    by_kind: defaultdict[str, float] = defaultdict(float)
    replay(copy, record, out, 25, by_kind)

    assert record.commits >= 2  # the submission and the chunk commit on their own
    assert "INSERT INTO credentials" in by_kind
    assert "COMMIT" in by_kind
    assert out[0].count == 25
    for sql in (
        "SELECT id, signed_text, state FROM credentials ORDER BY id",
        "SELECT credential_id, contact, lookup_hmac FROM credential_recipients ORDER BY 1",
        "SELECT status_list_id, status_index, credential_id FROM status_allocations ORDER BY 1, 2",
        "SELECT row_number, state, credential_id FROM issuance_batch_rows ORDER BY 1",
        "SELECT recipient, body FROM outbox_messages ORDER BY id",
    ):
        original = _table(bench.database, sql)
        assert original, sql
        assert _table(copy, sql) == original, sql


def test_a_snapshot_does_not_see_what_is_written_after_it(bench: Bench, tmp_path: Path) -> None:
    snapshot(bench.database, tmp_path / "before.db")
    bench.batch(tmp_path / "rows.csv", 3)
    assert _table(bench.database, "SELECT count(*) FROM credentials") == [(3,)]
    assert _table(tmp_path / "before.db", "SELECT count(*) FROM credentials") == [(0,)]
