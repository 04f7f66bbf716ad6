"""Bulk issuance's bookkeeping shortcuts keep what is stored and what runs around them intact:
the garbage collector is only held off during a chunk, timestamps written in bulk read the same
as before, and a signed credential's text is its plain JSON."""

from __future__ import annotations

import copy
import gc
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine
from sqlmodel import select

from badges.keys import Ed25519KeyPair
from issuer.batch import gc_paused, run_batch, submit_batch
from issuer.bulk_sql import insert_many, insert_rows, update_many, update_rows
from issuer.context import IssuerContext
from issuer.issuance import Signer
from storage.engine import session_scope
from storage.errors import is_unique_violation
from storage.tables import Credential, IssuanceBatchRow
from storage.types import UtcDateTime
from tests.issuer.conftest import Clock

HEADER = "email;nom;niveau;preuve\n"


def _csv(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "lot.csv"
    lines = "".join(f"p{i}@example.org;P {i};N1;Vu\n" for i in range(rows))
    path.write_text(HEADER + lines, encoding="utf-8")
    return path


def test_the_collector_is_held_off_inside_a_chunk_and_runs_again_after(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    batch, _ = submit_batch(ctx, achievement_id, _csv(tmp_path, 5))
    seen: list[bool] = []
    progress = run_batch(
        ctx, batch.id, chunk=2, _inside_transaction=lambda _line: seen.append(gc.isenabled())
    )
    assert progress.issued == 5
    assert seen == [False] * 5
    assert gc.isenabled()


def test_a_collector_the_application_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_pauses_of_two_threads_resume_collection_when_the_last_ends() -> None:
    inside = threading.Event()
    release = threading.Event()

    def store_thread() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    helper = threading.Thread(target=store_thread)
    with gc_paused():
        helper.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other thread is still inside its chunk
    release.set()
    helper.join(5)
    assert gc.isenabled()


def test_timestamps_written_in_bulk_read_back_as_the_instant_given(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path, clock: Clock
) -> None:
    batch, _ = submit_batch(ctx, achievement_id, _csv(tmp_path, 3))
    clock.now = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    run_batch(ctx, batch.id)
    with session_scope(ctx.engine, write=False) as session:
        issued = session.exec(select(Credential.issued_at, Credential.valid_from)).all()
        rows = session.exec(select(IssuanceBatchRow.updated_at)).all()
        raw = session.connection().exec_driver_sql("SELECT issued_at FROM credentials").scalars()
        texts = list(raw)
    assert set(issued) == {(clock.now, clock.now)}
    assert set(rows) == {clock.now}
    if ctx.engine.dialect.name == "sqlite":
        # The text the sqlite3 driver's own adapter writes (what bulk rows always held).
        assert set(texts) == {"2026-03-02 09:00:05"}


def _document(achievement: dict[str, Any], issuer: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "name": name,
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": achievement},
    }


def test_a_signed_credential_text_is_its_plain_json_whatever_the_shared_objects_hold() -> None:
    pair = Ed25519KeyPair.generate()
    signer = Signer(org=None, key_row=None, pair=pair)  # type: ignore[arg-type]
    achievement = {"id": "urn:uuid:1", "name": "Être ponctuel « assidu »", "level": [1, 2.5, None]}
    issuer = {"id": "did:example:1", "type": ["Profile"]}

    def check_text(name: str) -> None:
        document = _document(achievement, issuer, name)
        signed = {**copy.deepcopy(document), "proof": {"proofValue": "z1"}}
        expected = json.dumps(signed, ensure_ascii=False, separators=(",", ":"))
        assert signer.signed_json(document, signed) == expected

    check_text("premier")
    check_text('deuxième, avec \x00 et des guillemets "')
    achievement["name"] = "changé sur place"  # the text serialised first must not be reused
    check_text("troisième")
    issuer["type"] = ["Profile", "Issuer"]
    check_text("quatrième")


# What COPY's text format must escape, and what it must not mangle.
ODD_TEXT = "tab\tand\nnewline \\N \\ « é »"
_scratch = sa.MetaData()
_notes = sa.Table(
    "bulk_sql_scratch_notes",
    _scratch,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("body", sa.String(50), nullable=False),
    sa.Column("payload", sa.JSON, nullable=True),
    sa.Column("at", UtcDateTime(), nullable=False),
)


@pytest.fixture
def notes(db_engine: Engine) -> Iterator[Engine]:
    _scratch.create_all(db_engine)
    try:
        yield db_engine
    finally:
        _scratch.drop_all(db_engine)


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    with session_scope(engine, write=False) as session:
        rows = session.execute(sa.select(_notes).order_by(_notes.c.id)).all()
    return [tuple(row) for row in rows]


def test_bulk_rows_are_stored_with_their_values_and_updated_by_key(notes: Engine) -> None:
    at = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    with session_scope(notes) as session:
        insert_many(
            session,
            _notes,
            [
                {"id": 1, "body": ODD_TEXT, "payload": {"k": [1, None]}, "at": at},
                {"id": 2, "body": "two", "payload": None, "at": at},
            ],
        )
    with session_scope(notes) as session:
        update_many(session, _notes, [{"id": 2, "body": "deux", "payload": {"x": "y"}}])
    assert _stored(notes) == [
        (1, ODD_TEXT, {"k": [1, None]}, at),
        (2, "deux", {"x": "y"}, at),
    ]
    # The same key twice: applied in order, the last one wins (as one UPDATE per row would).
    with session_scope(notes) as session:
        update_many(session, _notes, [{"id": 1, "body": "a"}, {"id": 1, "body": "b"}])
    assert _stored(notes)[0][1] == "b"


def test_bulk_rows_given_as_tuples_are_stored_as_the_same_rows_given_as_dicts(
    notes: Engine,
) -> None:
    at = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    names = ("id", "body", "payload", "at")
    with session_scope(notes) as session:
        insert_rows(session, _notes, names, [(1, ODD_TEXT, {"k": [1, None]}, at)])
        insert_many(
            session, _notes, [{"id": 2, "body": ODD_TEXT, "payload": {"k": [1, None]}, "at": at}]
        )
    first, second = _stored(notes)
    assert first[1:] == second[1:] == (ODD_TEXT, {"k": [1, None]}, at)
    # One column set by key: the value, then the key.
    with session_scope(notes) as session:
        update_rows(session, _notes, ("body",), [("un", 1), ("deux", 2)])
    assert [row[1] for row in _stored(notes)] == ["un", "deux"]
    with pytest.raises(ValueError, match="body"), session_scope(notes) as session:
        insert_rows(session, _notes, ("id",), [(3,)])


def test_a_bulk_insert_that_breaks_a_unique_key_fails_as_a_unique_violation(
    notes: Engine,
) -> None:
    at = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    row = {"id": 1, "body": "un", "payload": None, "at": at}
    with session_scope(notes) as session:
        insert_many(session, _notes, [row])
    with pytest.raises(sa_exc.IntegrityError) as caught, session_scope(notes) as session:
        insert_many(session, _notes, [{**row, "id": 2}, row])
    assert is_unique_violation(caught.value)
    assert _stored(notes) == [(1, "un", None, at)]  # the failed group left nothing behind
