"""bench.storage's breakdown is only worth reading if its replay does what the batch did."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

from bench.issuance import Measure, _csv, _database, _setup, end_to_end
from bench.storage import recording, replay, snapshot


def _table(database: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchall()


def test_replaying_a_recorded_batch_on_a_copy_writes_the_same_rows(tmp_path: Path) -> None:
    with _database("sqlite", tmp_path) as engine:
        assert engine is not None
        ctx, achievement_id = _setup(engine)
        database = Path(str(engine.url.database))
        engine.dispose()
        copy = tmp_path / "copy.db"
        snapshot(database, copy)
        with recording(engine) as record:
            end_to_end(ctx, achievement_id, _csv(tmp_path / "rows.csv", 25), 25, [])
        engine.dispose()
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
        original = _table(database, sql)
        assert original, sql
        assert _table(copy, sql) == original, sql


def test_a_snapshot_does_not_see_what_is_written_after_it(tmp_path: Path) -> None:
    with _database("sqlite", tmp_path) as engine:
        assert engine is not None
        ctx, achievement_id = _setup(engine)
        database = Path(str(engine.url.database))
        engine.dispose()
        snapshot(database, tmp_path / "before.db")
        end_to_end(ctx, achievement_id, _csv(tmp_path / "rows.csv", 3), 3, [])
        engine.dispose()
    assert _table(database, "SELECT count(*) FROM credentials") == [(3,)]
    assert _table(tmp_path / "before.db", "SELECT count(*) FROM credentials") == [(0,)]
