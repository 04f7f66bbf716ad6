"""Durability drills D1, D2 (see test_batch), D4, D5, D6 of reliability-ux.md, on SQLite and
PostgreSQL, with real ``kill -9`` of a worker process where the drill says crash."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, func, select

from issuer.batch import run_batch, submit_batch
from issuer.context import IssuerContext
from issuer.issuance import IssueSpec
from issuer.recipients import parse_recipient
from issuer.service import issue
from issuer.startup import reconcile
from issuer.status import change_status
from storage.engine import session_scope
from storage.tables import (
    BatchRowState,
    Credential,
    IssuanceBatchRow,
    OutboxMessage,
    StatusAllocation,
    StatusList,
)
from tests.conftest import REPO
from tests.issuer.conftest import check
from verifier import Verdict


def _worker(
    mode: str, db_url: str, kek: bytes, arg: str, kill_at: int = 0
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.issuer.crash_worker",
            mode,
            db_url,
            kek.hex(),
            arg,
            str(kill_at),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _count(ctx: IssuerContext, table: type) -> int:
    with session_scope(ctx.engine, write=False) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def test_d1_killed_batch_leaves_each_row_in_one_state_and_resume_finishes_without_duplicates(
    ctx: IssuerContext, achievement_id: str, db_url: str, kek: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "lot.csv"
    rows = "".join(f"p{i}@example.org;N1\n" for i in range(200))
    path.write_text("email;niveau\n" + rows, encoding="utf-8")
    batch, _ = submit_batch(ctx, achievement_id, path)

    killed = _worker("batch", db_url, kek, batch.id, kill_at=105)
    assert killed.returncode == -9, killed.stderr

    with session_scope(ctx.engine, write=False) as session:
        states = dict(
            session.exec(
                select(IssuanceBatchRow.state, func.count())
                .where(IssuanceBatchRow.batch_id == batch.id)
                .group_by(IssuanceBatchRow.state)
            ).all()
        )
    assert sum(states.values()) == 200  # every row in exactly one state
    issued_before = states.get(BatchRowState.ISSUED, 0)
    assert 0 < issued_before < 200
    assert _count(ctx, Credential) == issued_before  # nothing half-issued

    progress = run_batch(ctx, batch.id, force=True)
    assert (progress.issued, progress.failed, progress.pending) == (200, 0, 0)
    with session_scope(ctx.engine, write=False) as session:
        ids = session.exec(select(Credential.credential_id)).all()
        linked = session.exec(
            select(IssuanceBatchRow.credential_id).where(IssuanceBatchRow.batch_id == batch.id)
        ).all()
    assert len(ids) == len(set(ids)) == 200
    assert len(set(linked)) == 200
    assert _count(ctx, OutboxMessage) == 200  # one message per badge, none for a lost chunk


def test_d4_killed_between_signing_and_commit_returns_and_keeps_nothing(
    ctx: IssuerContext, achievement_id: str, db_url: str, kek: bytes
) -> None:
    killed = _worker("issue", db_url, kek, achievement_id)
    assert killed.returncode == -9
    assert "SIGNED" in killed.stdout
    assert "RETURNED" not in killed.stdout
    assert _count(ctx, Credential) == 0
    assert _count(ctx, StatusAllocation) == 0
    assert _count(ctx, OutboxMessage) == 0


def test_d4_failed_commit_returns_no_badge_and_keeps_nothing(
    ctx: IssuerContext, achievement_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_commit(self: Session) -> None:
        raise sa.exc.OperationalError("COMMIT", {}, Exception("disk I/O error"))

    monkeypatch.setattr(Session, "commit", broken_commit)
    with pytest.raises(sa.exc.OperationalError):
        issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("a@example.org")))
    monkeypatch.undo()
    assert _count(ctx, Credential) == 0
    assert _count(ctx, StatusAllocation) == 0
    assert _count(ctx, OutboxMessage) == 0  # no message about a badge that does not exist
    issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("a@example.org")))
    assert _count(ctx, OutboxMessage) == 1  # written with the badge, in its transaction


def test_d5_parallel_issuances_on_one_list_get_unique_indexes(
    ctx: IssuerContext, achievement_id: str
) -> None:
    per_thread = int(os.environ.get("ATOUTS_DRILL_D5", "60"))
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for i in range(per_thread):
                spec = IssueSpec(
                    recipient=parse_recipient(f"t{threading.get_ident()}-{i}@example.org")
                )
                issue(ctx, achievement_id, spec)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with session_scope(ctx.engine, write=False) as session:
        pairs = session.exec(
            select(StatusAllocation.status_list_id, StatusAllocation.status_index)
        ).all()
        lists = {p[0] for p in pairs}
    assert len(pairs) == len(set(pairs)) == 2 * per_thread
    assert len(lists) == 1


def test_d6_revocation_committed_but_not_published_is_published_at_start_up(
    ctx: IssuerContext, achievement_id: str, db_url: str, kek: bytes
) -> None:
    issued = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("a@example.org")))
    killed = _worker("revoke", db_url, kek, issued.row_id)
    assert killed.returncode == -9, killed.stderr
    with session_scope(ctx.engine, write=False) as session:
        stale = session.exec(
            select(StatusList).where(StatusList.version > StatusList.published_version)
        ).all()
    assert len(stale) == 1  # the crash happened before publication
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED  # verifier sees old list

    assert reconcile(ctx) == 1
    report = check(ctx, issued.signed_text)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "revoked" in report.codes()
    assert reconcile(ctx) == 0


def test_reinstating_twice_changes_nothing_the_second_time(
    ctx: IssuerContext, achievement_id: str
) -> None:
    spec = IssueSpec(recipient=parse_recipient("a@example.org"), suspendable=True)
    issued = issue(ctx, achievement_id, spec)
    assert change_status(ctx, issued.row_id, action="suspend").changed
    assert change_status(ctx, issued.row_id, action="reinstate").changed
    assert not change_status(ctx, issued.row_id, action="reinstate").changed


def test_issuing_and_withdrawing_are_audited_without_personal_data(
    ctx: IssuerContext, achievement_id: str
) -> None:
    from storage.tables import AuditEvent

    spec = IssueSpec(recipient=parse_recipient("lea.martin@example.org"))
    issued = issue(ctx, achievement_id, spec, actor="user:42")
    change_status(ctx, issued.row_id, action="revoke", reason="erreur de nom", actor="user:42")
    with session_scope(ctx.engine, write=False) as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    actions = [(e.action, e.object_id, e.actor) for e in events if e.object_type == "credential"]
    assert actions == [
        ("credential.issue", issued.row_id, "user:42"),
        ("credential.revoke", issued.row_id, "user:42"),
    ]
    dumped = repr([(e.details, e.object_id) for e in events])
    assert "lea.martin" not in dumped
    assert "erreur de nom" not in dumped
