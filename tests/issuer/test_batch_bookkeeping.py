"""Bulk issuance's bookkeeping shortcuts keep what is stored and what runs around them intact:
the garbage collector is only held off during a chunk, timestamps written in bulk read the same
as before, and a signed credential's text is its plain JSON."""

from __future__ import annotations

import copy
import gc
import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import select

from badges.keys import Ed25519KeyPair
from issuer.batch import gc_paused, run_batch, submit_batch
from issuer.context import IssuerContext
from issuer.issuance import Signer
from storage.engine import session_scope
from storage.tables import Credential, IssuanceBatchRow
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
