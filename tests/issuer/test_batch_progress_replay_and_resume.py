"""Bulk issuance as the issue states it, beyond tests/issuer/test_batch.py: progress says how
many are done and how many are left; a resubmitted file gives back the very same credentials;
a kill -9 on the pipelined path (the default for large batches on PostgreSQL) leaves every row
in exactly one state, and ``atouts issue-batch resume`` finishes it without a duplicate."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import func, select

from cli.main import main
from issuer.batch import BatchProgress, result_rows, run_batch, submit_batch
from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import (
    BatchRowState,
    Credential,
    IssuanceBatchRow,
    OutboxMessage,
    StatusAllocation,
)
from tests.conftest import REPO
from tests.issuer.conftest import BASE, check
from verifier import Verdict


def _csv(tmp_path: Path, rows: int, bad: tuple[int, ...] = (), name: str = "lot.csv") -> Path:
    lines = [
        ("pas-une-adresse" if i in bad else f"personne{i}@example.org") + ";N1" for i in range(rows)
    ]
    path = tmp_path / name
    path.write_text("email;niveau\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def result_rows_of(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.readline()
        handle.seek(0)
        return list(csv.DictReader(handle, delimiter=";" if ";" in sample else ","))


def _count(ctx: IssuerContext, table: type) -> int:
    with session_scope(ctx.engine, write=False) as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


@pytest.mark.parametrize("pipeline", [False, True])
def test_progress_says_how_many_are_done_and_how_many_are_left_after_each_chunk(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path, pipeline: bool
) -> None:
    batch, _ = submit_batch(ctx, achievement_id, _csv(tmp_path, 25, bad=(3, 17)))
    seen: list[BatchProgress] = []
    final = run_batch(ctx, batch.id, chunk=10, pipeline=pipeline, processes=1, progress=seen.append)
    # The two invalid rows fail when the file is stored; the chunks issue the others, ten by ten.
    assert [(p.issued, p.failed, p.pending) for p in seen] == [(10, 2, 13), (20, 2, 3), (23, 2, 0)]
    assert all(p.total == 25 for p in seen)
    assert (final.issued, final.failed, final.pending, final.state) == (23, 2, 0, "completed")


def test_the_command_line_prints_progress_as_done_and_left(
    ctx: IssuerContext,
    achievement_id: str,
    tmp_path: Path,
    db_url: str,
    kek: bytes,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ATOUTS_DATABASE_URL", db_url)
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATOUTS_BASE_URL", BASE)
    monkeypatch.setenv("ATOUTS_SECRET_KEY", kek.hex())
    path = _csv(tmp_path, 12, bad=(5,))
    result = tmp_path / "resultat.csv"
    code = main(
        ["issue-batch", str(path), "--achievement", achievement_id, "--result", str(result)]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "11 délivrés, 1 en erreur, 0 restants" in captured.err
    assert "Terminé : 11 badges délivrés, 1 lignes en erreur." in captured.out
    rows = list(result_rows_of(result))
    assert [r["statut"] for r in rows] == ["délivré"] * 5 + ["erreur"] + ["délivré"] * 6


def test_resubmitting_a_file_under_its_key_gives_back_the_same_credentials(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    path = _csv(tmp_path, 6, bad=(2,))
    first, created = submit_batch(ctx, achievement_id, path, idempotency_key="session-juin")
    assert created
    run_batch(ctx, first.id)
    before = list(result_rows(ctx, first.id))
    with session_scope(ctx.engine, write=False) as session:
        signed_before = sorted(session.exec(select(Credential.id, Credential.signed_text)).all())

    copy = tmp_path / "copie.csv"
    copy.write_bytes(path.read_bytes())  # the same bytes, sent again from another place
    again, created = submit_batch(ctx, achievement_id, copy, idempotency_key="session-juin")
    assert (again.id, created) == (first.id, False)
    assert run_batch(ctx, again.id).issued == 5
    assert list(result_rows(ctx, again.id)) == before
    with session_scope(ctx.engine, write=False) as session:
        signed_after = sorted(session.exec(select(Credential.id, Credential.signed_text)).all())
    assert signed_after == signed_before


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan waits for whoever adopts it to reap it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(FileNotFoundError):
        text = stat.read_bytes()
        return text[text.rfind(b")") + 2 :][:1] not in (b"Z", b"X")
    return not Path("/proc/self").is_dir()


def _kill_pipelined(
    db_url: str, kek: bytes, batch_id: str, kill_at: int, processes: int, logs: Path
) -> list[int]:
    """Run the worker until it SIGKILLs itself; return the pids of its signing processes.

    Its stdout is a pipe read to the end, as a supervisor would: it only ends once every
    process holding it (signing workers, forkserver) is gone, so leftovers make it hang — up to
    a generous bound, then they are killed (in the drill's own session) and the test fails."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with (logs / "worker.err").open("wb") as err:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.issuer.pipelined_kill_worker",
                db_url,
                kek.hex(),
                batch_id,
                str(kill_at),
                str(processes),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
        try:
            out, _ = worker.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.communicate()
            pytest.fail("processes left by the killed worker kept its output open")
    assert worker.returncode == -9, (logs / "worker.err").read_text(encoding="utf-8")
    line = next(x for x in out.decode().splitlines() if x.startswith("workers:"))
    return [int(pid) for pid in line.split()[1:]]


@pytest.mark.parametrize("processes", [1, 2])
def test_kill_9_on_the_pipelined_path_leaves_no_signing_worker_and_resume_issues_each_row_once(
    ctx: IssuerContext,
    achievement_id: str,
    db_url: str,
    kek: bytes,
    tmp_path: Path,
    processes: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows = 200
    batch, _ = submit_batch(ctx, achievement_id, _csv(tmp_path, rows, bad=(7, 150)))
    workers = _kill_pipelined(db_url, kek, batch.id, kill_at=95, processes=processes, logs=tmp_path)
    assert len(workers) == (processes if processes > 1 else 0)
    deadline = time.monotonic() + 60
    while any(_running(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [pid for pid in workers if _running(pid)]  # they died with the parent

    with session_scope(ctx.engine, write=False) as session:
        states = dict(
            session.exec(
                select(IssuanceBatchRow.state, func.count())
                .where(IssuanceBatchRow.batch_id == batch.id)
                .group_by(IssuanceBatchRow.state)
            ).all()
        )
    assert sum(states.values()) == rows  # every row in exactly one state
    done = states.get(BatchRowState.ISSUED, 0)
    assert 0 < done < rows - 2
    assert _count(ctx, Credential) == done  # the chunk being stored left nothing behind
    assert _count(ctx, OutboxMessage) == done

    monkeypatch.setenv("ATOUTS_DATABASE_URL", db_url)
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATOUTS_BASE_URL", BASE)
    monkeypatch.setenv("ATOUTS_SECRET_KEY", kek.hex())
    # The dead worker's lease still holds for two minutes: the command says so plainly.
    assert main(["issue-batch", "resume", batch.id]) == 1
    assert "--force" in capsys.readouterr().err
    result = tmp_path / "resultat.csv"
    code = main(["issue-batch", "resume", batch.id, "--force", "--json", "--result", str(result)])
    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (summary["issued"], summary["failed"], summary["pending"]) == (rows - 2, 2, 0)

    with session_scope(ctx.engine, write=False) as session:
        ids = session.exec(select(Credential.credential_id)).all()
        linked = session.exec(
            select(IssuanceBatchRow.credential_id).where(
                IssuanceBatchRow.state == BatchRowState.ISSUED
            )
        ).all()
        pairs = session.exec(
            select(StatusAllocation.status_list_id, StatusAllocation.status_index).where(
                StatusAllocation.credential_id.is_not(None)  # type: ignore[union-attr]
            )
        ).all()
        last = session.exec(select(Credential.signed_text)).all()[-1]
    assert len(ids) == len(set(ids)) == rows - 2
    assert len(set(linked)) == rows - 2
    assert len(pairs) == len(set(pairs)) == rows - 2  # indexes reserved by the dead chunk unused
    assert _count(ctx, OutboxMessage) == rows - 2
    assert result.read_text(encoding="utf-8-sig").count("délivré") == rows - 2
    # Worker and command line ran on the real clock, not the fixture's.
    report = check(ctx, last, now=datetime.now(UTC) + timedelta(minutes=5))
    assert report.verdict == Verdict.VERIFIED, report.codes()
