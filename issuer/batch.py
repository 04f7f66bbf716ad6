"""Bulk issuance: submit a file once, issue every row exactly once, resume after a crash.

reliability-ux.md D1, D2, B4; DESIGN.md §7.

- **Submit** (:func:`submit_batch`): the file is read streaming and every row checked; the batch
  and all its rows are stored in one transaction, rows already ``failed`` when invalid, the
  others ``pending`` with their cells. The batch is keyed by ``(organisation, idempotency key)``
  (unique): the same key with the same file (same SHA-256, same achievement and options) returns
  the stored batch; with another file it is refused (``idempotency_key_reused``, 422). Each row
  has its own key (column ``cle``, else its line number), unique within the batch; a ``cle``
  is also unique across the organisation's batches: a row whose key an earlier batch issued
  (or still has pending) fails with ``row_key_already_used`` instead of issuing twice. The
  table's unique constraint is per batch, so this is enforced by serialising an organisation's
  submissions (ADR 0003), not by a constraint.
- **Run / resume** (:func:`run_batch`): pending rows are taken in chunks; each chunk is one
  transaction holding, per row, the credential, its status index and the row's move from
  ``pending`` to ``issued`` (a conditional update), so after ``kill -9`` every row is in exactly
  one state and a resume issues only what is still pending — never twice. A row that fails is
  marked ``failed`` with its reason and the batch goes on. A running batch holds a lease
  (``started_at`` refreshed each chunk); another runner waits for it to lapse, or ``force``.
- Memory stays flat: rows are streamed in, chunks are read by keyset pagination, and each chunk's
  session is closed before the next.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from badges.proofs.data_integrity import RDFC
from issuer.audit import audit
from issuer.batch_input import RowError, file_sha256, iter_rows, row_spec
from issuer.bulk_sql import insert_many, update_many
from issuer.context import IssuerContext, IssuerError
from issuer.issuance import JWT_SUITE, SUITES, IssueSpec, achieved_level
from issuer.service import load_signer
from storage.engine import session_scope
from storage.errors import is_unique_violation
from storage.tables import (
    Achievement,
    BatchRowState,
    BatchState,
    IssuanceBatch,
    IssuanceBatchRow,
    Organisation,
    StatusPurpose,
)

__all__ = [
    "BatchProgress",
    "DryRunReport",
    "batch_status",
    "dry_run",
    "gc_paused",
    "result_rows",
    "run_batch",
    "submit_batch",
]

CHUNK = 1000
INSERT_CHUNK = 500
LEASE = timedelta(seconds=120)
# Below this many pending rows, signing in worker processes costs more than it saves.
PIPELINE_MIN_ROWS = 1_000
PIPELINE_MIN_CPUS = 4


_gc_lock = threading.Lock()
_gc_pauses = 0
_gc_resume = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off Python's cyclic garbage collector while one chunk is issued.

    A chunk keeps its thousand rows' objects (requests, documents, row values) alive until it
    commits, so the collector, triggered every 700 new objects, traverses them again and again
    and finds nothing: they are freed by reference counting when the chunk ends. That traversal
    cost about 55 µs a row (bench.issuance, 2,000 rows), a quarter of what issuing adds to
    signing. Collection resumes between chunks, so cyclic garbage never piles up past one
    chunk and memory stays flat. Thread-safe and nestable (the pipelined store thread pauses
    too); a collector the application turned off stays off."""
    global _gc_pauses, _gc_resume
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_resume = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_resume:
                gc.enable()


@dataclass(frozen=True, slots=True)
class DryRunReport:
    total: int
    ready: int
    errors: list[RowError]

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "ready": self.ready,
            "errors": [
                {"line": e.line, "column": e.column, "code": e.code, "message": str(e)}
                for e in self.errors
            ],
        }


@dataclass(frozen=True, slots=True)
class BatchProgress:
    batch_id: str
    state: str
    total: int
    issued: int
    failed: int
    pending: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.batch_id,
            "state": self.state,
            "total": self.total,
            "issued": self.issued,
            "failed": self.failed,
            "pending": self.pending,
        }


def _checked_rows(
    path: Path, *, suite: str, suspendable: bool, achievement: dict[str, Any] | None = None
) -> Iterator[tuple[int, str, dict[str, str], RowError | None]]:
    """(line, row key, cells, error or None) per data row, streaming; header errors are fatal
    only when the file is empty. With the ``achievement`` (its OB 3.0 document), levels are
    checked against its result descriptions too."""
    keys: set[str] = set()
    for item in iter_rows(path):
        if isinstance(item, RowError):
            if item.code == "empty_file":
                raise IssuerError(str(item), code="empty_file", column="")
            continue
        line, cells = item
        key = cells.get("cle") or f"ligne-{line}"
        error: RowError | None = None
        if key in keys:
            error = RowError(line, "cle", "duplicate_row_key", f"clé « {key} » déjà utilisée")
        else:
            keys.add(key)
            try:
                spec = row_spec(cells, suite=suite, suspendable=suspendable)
                if achievement is not None and spec.level:
                    achieved_level(achievement, spec.level)
            except IssuerError as exc:
                error = RowError(line, exc.column, exc.code, exc.message)
        yield line, key, cells, error


def _header_problems(path: Path) -> list[RowError]:
    return [item for item in iter_rows(path) if isinstance(item, RowError)]


def dry_run(
    path: Path,
    *,
    suite: str = RDFC,
    suspendable: bool = False,
    achievement: dict[str, Any] | None = None,
) -> DryRunReport:
    """Check every row without issuing anything (nor writing to the database).

    Given the ``achievement`` document (``Achievement.achievement``), a level it does not
    define is reported here, as issuing would refuse it, instead of failing only at issue
    time: « ligne 15, colonne « niveau » : niveau « N9 » inconnu pour ce badge (niveaux : …) »."""
    total = ready = 0
    errors: list[RowError] = [e for e in _header_problems(path) if e.code != "empty_file"]
    rows = _checked_rows(path, suite=suite, suspendable=suspendable, achievement=achievement)
    for _line, _key, _cells, error in rows:
        total += 1
        if error is None:
            ready += 1
        else:
            errors.append(error)
    return DryRunReport(total, ready, errors)


def _fingerprint(file_sha: str, achievement_id: str, suite: str, suspendable: bool) -> str:
    material = json.dumps([file_sha, achievement_id, suite, suspendable])
    return hashlib.sha256(material.encode()).hexdigest()


def submit_batch(
    ctx: IssuerContext,
    achievement_id: str,
    path: Path,
    *,
    idempotency_key: str | None = None,
    filename: str | None = None,
    suite: str = RDFC,
    suspendable: bool = False,
    created_by_user_id: str | None = None,
    actor: str | None = None,
) -> tuple[IssuanceBatch, bool]:
    """Store a batch and its rows (see the module docstring). Returns ``(batch, created)``."""
    if suite not in SUITES:
        raise IssuerError(f"suite « {suite} » inconnue", code="suite_unknown")
    file_sha = file_sha256(path)
    fingerprint = _fingerprint(file_sha, achievement_id, suite, suspendable)
    key = idempotency_key or f"sha256:{file_sha}"
    with session_scope(ctx.engine) as session:
        achievement = session.get(Achievement, achievement_id)
        if achievement is None:
            raise IssuerError(
                f"badge type « {achievement_id} » inconnu", code="achievement_not_found", status=404
            )
        # Submissions of one organisation are serialised (row lock; SQLite's BEGIN IMMEDIATE
        # already does), so two files cannot both claim the same row key (see _insert_chunk).
        organisations = Organisation.__table__  # type: ignore[attr-defined]
        session.execute(
            sa.select(organisations.c.id)
            .where(organisations.c.id == achievement.organisation_id)
            .with_for_update(key_share=True)
        )
        existing = _by_key(session, achievement.organisation_id, key)
        if existing is not None:
            return _same_or_refused(existing, fingerprint), False
        batch = IssuanceBatch(
            organisation_id=achievement.organisation_id,
            achievement_id=achievement_id,
            idempotency_key=key,
            input_sha256=fingerprint,
            filename=filename or path.name,
            options={"suite": suite, "suspendable": suspendable},
            created_by_user_id=created_by_user_id,
            created_at=ctx.now(),
        )
        try:
            with session.begin_nested():
                session.add(batch)
        except sa_exc.IntegrityError as error:
            if not is_unique_violation(error):
                raise
            raise IssuerError(
                "un envoi avec cette clé est en cours : réessayez dans un instant",
                code="batch_in_progress",
                status=409,
            ) from error
        total = _insert_rows(ctx, session, batch, path, suite=suite, suspendable=suspendable)
        batch.total_rows = total
        session.add(batch)
        audit(
            ctx,
            session,
            "batch.submit",
            "issuance_batch",
            batch.id,
            actor=actor,
            details={"rows": total},
        )
    return batch, True


def _by_key(session: Session, org_id: str, key: str) -> IssuanceBatch | None:
    return session.exec(
        select(IssuanceBatch)
        .where(IssuanceBatch.organisation_id == org_id)
        .where(IssuanceBatch.idempotency_key == key)
    ).first()


def _same_or_refused(existing: IssuanceBatch, fingerprint: str) -> IssuanceBatch:
    if existing.input_sha256 != fingerprint:
        raise IssuerError(
            "cette clé d'idempotence a déjà servi pour un autre fichier (ou un autre badge) : "
            "utilisez une nouvelle clé",
            code="idempotency_key_reused",
            status=422,
        )
    return existing


def _insert_rows(
    ctx: IssuerContext,
    session: Session,
    batch: IssuanceBatch,
    path: Path,
    *,
    suite: str,
    suspendable: bool,
) -> int:
    table = IssuanceBatchRow.__table__  # type: ignore[attr-defined]
    total = 0
    now = ctx.now()
    checked = _checked_rows(path, suite=suite, suspendable=suspendable)
    while True:
        with gc_paused():
            pending = _row_values(batch, islice(checked, INSERT_CHUNK), now)
            if not pending:
                return total
            total += len(pending)
            _insert_chunk(session, batch, pending, table)


# json.dumps(cells, sort_keys=True, ensure_ascii=False), without building an encoder per row.
_cells_json = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode


def _row_values(
    batch: IssuanceBatch,
    checked: Iterator[tuple[int, str, dict[str, str], RowError | None]],
    now: Any,
) -> list[dict[str, Any]]:
    pending: list[dict[str, Any]] = []
    for line, key, cells, error in checked:
        row_sha = hashlib.sha256(_cells_json(cells).encode()).hexdigest()
        pending.append(
            {
                "batch_id": batch.id,
                "row_number": line,
                "row_key": key[:200] if error is None else f"{key[:150]}#ligne-{line}",
                "row_sha256": row_sha,
                "data": None if error else cells,
                "state": BatchRowState.FAILED if error else BatchRowState.PENDING,
                "error_code": error.code if error else None,
                "error_column": error.column[:100] if error else None,
                "error_message": str(error) if error else None,
                "updated_at": now,
                "_explicit": error is None and bool(cells.get("cle")),
            }
        )
    return pending


def _insert_chunk(
    session: Session, batch: IssuanceBatch, pending: list[dict[str, Any]], table: Any
) -> None:
    """Insert rows; a row whose own key (column ``cle``) was already used by a row of an earlier
    batch of the organisation that was issued or is still pending is refused, not issued again
    (keys made from line numbers are per file and are not compared)."""
    explicit = [row["row_key"] for row in pending if row.pop("_explicit")]
    used = _keys_used_elsewhere(session, batch, explicit) if explicit else set()
    for row in pending:
        if row["row_key"] in used and row["state"] == BatchRowState.PENDING:
            line, key = row["row_number"], row["row_key"]
            error = RowError(
                line,
                "cle",
                "row_key_already_used",
                f"clé « {key} » déjà utilisée par un envoi précédent : ce badge a déjà été "
                "délivré (ou est en cours) — changez la clé pour en délivrer un autre",
            )
            row.update(
                row_key=f"{key[:150]}#ligne-{line}",
                data=None,
                state=BatchRowState.FAILED,
                error_code=error.code,
                error_column="cle",
                error_message=str(error),
            )
    insert_many(session, table, pending)


def _keys_used_elsewhere(session: Session, batch: IssuanceBatch, keys: list[str]) -> set[str]:
    rows = IssuanceBatchRow.__table__  # type: ignore[attr-defined]
    batches = IssuanceBatch.__table__  # type: ignore[attr-defined]
    earlier = sa.select(batches.c.id).where(
        batches.c.organisation_id == batch.organisation_id, batches.c.id != batch.id
    )
    statement = (
        sa.select(rows.c.row_key)
        .where(rows.c.batch_id.in_(earlier))
        .where(rows.c.row_key.in_(keys))
        .where(rows.c.state != BatchRowState.FAILED)
    )
    return set(session.execute(statement).scalars())


def batch_status(ctx: IssuerContext, batch_id: str) -> BatchProgress:
    with session_scope(ctx.engine, write=False) as session:
        return _progress(session, batch_id)


def _progress(session: Session, batch_id: str) -> BatchProgress:
    batch = session.get(IssuanceBatch, batch_id)
    if batch is None:
        raise IssuerError(f"envoi « {batch_id} » inconnu", code="batch_not_found", status=404)
    counts = dict(
        session.exec(
            select(IssuanceBatchRow.state, sa.func.count())
            .where(IssuanceBatchRow.batch_id == batch_id)
            .group_by(IssuanceBatchRow.state)
        ).all()
    )
    return BatchProgress(
        batch_id=batch_id,
        state=str(batch.state),
        total=batch.total_rows,
        issued=int(counts.get(BatchRowState.ISSUED, 0)),
        failed=int(counts.get(BatchRowState.FAILED, 0)),
        pending=int(counts.get(BatchRowState.PENDING, 0)),
    )


def _claim_run(ctx: IssuerContext, batch_id: str, *, force: bool) -> IssuanceBatch:
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        batch = session.get(IssuanceBatch, batch_id)
        if batch is None:
            raise IssuerError(f"envoi « {batch_id} » inconnu", code="batch_not_found", status=404)
        if batch.state == BatchState.COMPLETED:
            return batch
        lease_alive = batch.started_at is not None and batch.started_at + LEASE > now
        if batch.state == BatchState.RUNNING and lease_alive and not force:
            raise IssuerError(
                "cet envoi est déjà en cours de délivrance ; s'il a été interrompu, relancez "
                "`atouts issue-batch resume` dans deux minutes (ou avec --force)",
                code="batch_in_progress",
                status=409,
            )
        batch.state = BatchState.RUNNING
        batch.started_at = now
        session.add(batch)
        return batch


RowHook = Callable[[int], None]


def run_batch(
    ctx: IssuerContext,
    batch_id: str,
    *,
    progress: Callable[[BatchProgress], None] | None = None,
    force: bool = False,
    chunk: int = CHUNK,
    processes: int | None = None,
    pipeline: bool | None = None,
    _inside_transaction: RowHook | None = None,
) -> BatchProgress:
    """Issue every pending row (the same call resumes after a crash).

    ``pipeline`` stores a chunk in a helper thread while the next one is signed
    (``issuer.pipeline``; by default for large batches on PostgreSQL); ``processes`` > 1 also
    signs Data Integrity proofs in worker processes (by default with 4 CPUs or more).
    ``_inside_transaction`` is a test hook called for each row of a chunk after it is written,
    before the chunk commits."""
    batch = _claim_run(ctx, batch_id, force=force)
    if batch.state == BatchState.COMPLETED:
        return batch_status(ctx, batch_id)
    suite = str(batch.options.get("suite", RDFC))
    suspendable = bool(batch.options.get("suspendable", False))
    if processes is None:
        processes = default_processes(batch_status(ctx, batch_id).pending)
    if pipeline is None:
        # On PostgreSQL a store is mostly waiting for the server, which a signing thread can
        # use; on SQLite the gain was not measurable on two cores (bench.issuance).
        large = batch_status(ctx, batch_id).pending >= PIPELINE_MIN_ROWS
        pipeline = large and ctx.engine.dialect.name == "postgresql"
    if suite == JWT_SUITE:
        processes = 1  # worker processes sign Data Integrity proofs only
    if pipeline or processes > 1:
        from issuer.pipeline import run_pipelined

        run_pipelined(
            ctx,
            batch,
            _pending_chunks(ctx, batch_id, chunk),
            suite=suite,
            suspendable=suspendable,
            processes=processes,
            progress=(lambda: progress(batch_status(ctx, batch_id))) if progress else None,
            hook=_inside_transaction,
        )
    else:
        chunks = _pending_chunks(ctx, batch_id, chunk)
        while True:
            with gc_paused():
                rows = next(chunks, None)
                if rows is None:
                    break
                _issue_chunk(
                    ctx, batch, rows, suite=suite, suspendable=suspendable, hook=_inside_transaction
                )
            if progress is not None:
                progress(batch_status(ctx, batch_id))
    with session_scope(ctx.engine) as session:
        stored = session.get(IssuanceBatch, batch_id)
        assert stored is not None
        remaining = session.exec(
            select(sa.func.count())
            .select_from(IssuanceBatchRow)
            .where(IssuanceBatchRow.batch_id == batch_id)
            .where(IssuanceBatchRow.state == BatchRowState.PENDING)
        ).one()
        if remaining == 0:
            stored.state = BatchState.COMPLETED
            stored.finished_at = ctx.now()
            session.add(stored)
    # Lists opened by a rollover during the batch are signed and published once, here.
    from issuer.status import publish_pending

    publish_pending(ctx)
    return batch_status(ctx, batch_id)


def default_processes(pending: int) -> int:
    """Worker processes for signing: only for large batches on machines with spare cores (on
    two cores, pickling documents to a pool costs about what a second signer gains)."""
    cpus = os.cpu_count() or 1
    return cpus if pending >= PIPELINE_MIN_ROWS and cpus >= PIPELINE_MIN_CPUS else 1


ChunkRows = list[tuple[int, int, dict[str, Any]]]


def _pending_chunks(ctx: IssuerContext, batch_id: str, chunk: int) -> Iterator[ChunkRows]:
    """Pending rows by keyset pages (each page read in its own short transaction)."""
    table = IssuanceBatchRow.__table__  # type: ignore[attr-defined]
    last_id = 0
    while True:
        # Core, not ORM: the rows are only read, and the ORM's per-row work cost ~3 µs a row.
        with session_scope(ctx.engine, write=False) as session:
            rows = session.execute(
                sa.select(table.c.id, table.c.row_number, table.c.data)
                .where(table.c.batch_id == batch_id)
                .where(table.c.state == BatchRowState.PENDING)
                .where(table.c.id > last_id)
                .order_by(table.c.id)
                .limit(chunk)
            ).all()
        if not rows:
            return
        last_id = int(rows[-1][0])
        yield [(int(r[0]), r[1], dict(r[2] or {})) for r in rows]


def lock_pending(session: Session, row_ids: list[int]) -> set[int]:
    """The rows among ``row_ids`` still pending, locked until the transaction ends (``FOR
    UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers)."""
    table = IssuanceBatchRow.__table__  # type: ignore[attr-defined]
    return set(
        session.execute(
            sa.select(table.c.id)
            .where(table.c.id.in_(row_ids))
            .where(table.c.state == BatchRowState.PENDING)
            .with_for_update()
        ).scalars()
    )


def specs_for(
    rows: ChunkRows, *, suite: str, suspendable: bool, user_id: str | None, now: Any
) -> tuple[list[tuple[int, int, IssueSpec]], list[dict[str, Any]]]:
    """Issue requests of the rows, and the failed-row updates of those that are refused."""
    specs: list[tuple[int, int, IssueSpec]] = []
    failed: list[dict[str, Any]] = []
    for row_id, line, cells in rows:
        try:
            spec = row_spec(cells, suite=suite, suspendable=suspendable)
        except IssuerError as exc:
            failed.append(failed_values(row_id, line, exc, now))
            continue
        spec.created_by_user_id = user_id
        specs.append((row_id, line, spec))
    return specs, failed


def row_updates(
    specs: list[tuple[int, int, IssueSpec]], outcomes: list[Any], now: Any
) -> list[dict[str, Any]]:
    updates: list[dict[str, Any]] = []
    for (row_id, line, _), outcome in zip(specs, outcomes, strict=True):
        if outcome.error is not None:
            updates.append(failed_values(row_id, line, outcome.error, now))
            continue
        # The row's cells (personal data) are dropped once issued; only a claim code, needed
        # for the result file, is kept.
        updates.append(
            {
                "row_id": row_id,
                "state": BatchRowState.ISSUED,
                "credential_id": outcome.row_id,
                "data": {"code_reclamation": outcome.claim_code} if outcome.claim_code else None,
                "error_code": None,
                "error_column": None,
                "error_message": None,
                "updated_at": now,
            }
        )
    return updates


def write_row_updates(
    ctx: IssuerContext, session: Session, batch_id: str, updates: list[dict[str, Any]]
) -> None:
    """Move rows to their final state and refresh the batch's lease, in the caller's transaction."""
    table = IssuanceBatchRow.__table__  # type: ignore[attr-defined]
    update_many(session, table, updates, key="id", key_field="row_id")
    session.execute(
        sa.update(IssuanceBatch.__table__)  # type: ignore[attr-defined]
        .where(IssuanceBatch.__table__.c.id == batch_id)  # type: ignore[attr-defined]
        .values(started_at=ctx.now())
    )


def _issue_chunk(
    ctx: IssuerContext,
    batch: IssuanceBatch,
    rows: ChunkRows,
    *,
    suite: str,
    suspendable: bool,
    hook: RowHook | None,
) -> None:
    """One transaction for the chunk: the rows still pending are locked, issued as a group
    (``issuer.bulk.issue_group``) and moved to ``issued``/``failed`` with their credentials."""
    from issuer.bulk import issue_group
    from issuer.status import active_list

    now = ctx.now()
    with session_scope(ctx.engine) as session:
        still_pending = lock_pending(session, [row_id for row_id, _, _ in rows])
        todo = [row for row in rows if row[0] in still_pending]
        if not todo:
            return
        signer, achievement = load_signer(ctx, session, batch.achievement_id)
        lists = {p: active_list(ctx, session, signer.org, p) for p in StatusPurpose}
        specs, updates = specs_for(
            todo, suite=suite, suspendable=suspendable, user_id=batch.created_by_user_id, now=now
        )
        outcomes = issue_group(
            ctx,
            session,
            signer=signer,
            achievement=achievement,
            specs=[spec for _, _, spec in specs],
            lists=lists,
            now=now,
        )
        updates.extend(row_updates(specs, outcomes, now))
        write_row_updates(ctx, session, batch.id, updates)
        if hook is not None:
            for _, line, _ in todo:
                hook(line)


def failed_values(row_id: int, line: int, exc: IssuerError, now: Any) -> dict[str, Any]:
    return {
        "row_id": row_id,
        "state": BatchRowState.FAILED,
        "credential_id": None,
        "data": None,
        "error_code": exc.code,
        "error_column": exc.column[:100] or None,
        "error_message": str(RowError(line, exc.column, exc.code, exc.message)),
        "updated_at": now,
    }


_STATE_FR = {
    BatchRowState.ISSUED: "délivré",
    BatchRowState.FAILED: "erreur",
    BatchRowState.PENDING: "en attente",
}


def result_rows(ctx: IssuerContext, batch_id: str) -> Iterator[dict[str, str]]:
    """One result line per row (streamed in keyset pages)."""
    last = -1
    while True:
        with session_scope(ctx.engine, write=False) as session:
            rows = session.exec(
                select(IssuanceBatchRow)
                .where(IssuanceBatchRow.batch_id == batch_id)
                .where(col(IssuanceBatchRow.row_number) > last)
                .order_by(col(IssuanceBatchRow.row_number))
                .limit(INSERT_CHUNK)
            ).all()
        if not rows:
            return
        for row in rows:
            last = row.row_number
            url = ctx.urls.credential(row.credential_id) if row.credential_id else ""
            code = (row.data or {}).get("code_reclamation", "") if row.credential_id else ""
            yield {
                "ligne": str(row.row_number),
                "cle": row.row_key,
                "statut": _STATE_FR[row.state],
                "badge": url,
                "verification": ctx.urls.verification_page(url) if url else "",
                "code_reclamation": str(code or ""),
                "lien_reclamation": ctx.urls.claim(str(code)) if code else "",
                "erreur": row.error_message or "",
            }


def result_csv(ctx: IssuerContext, batch_id: str) -> Iterator[str]:
    """The result file as CSV text chunks (``;``, UTF-8 with BOM for Excel)."""
    header = [
        "ligne",
        "cle",
        "statut",
        "badge",
        "verification",
        "code_reclamation",
        "lien_reclamation",
        "erreur",
    ]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=";")
    writer.writeheader()
    yield "\ufeff" + out.getvalue()
    for row in result_rows(ctx, batch_id):
        out = io.StringIO()
        csv.DictWriter(out, fieldnames=header, delimiter=";").writerow(row)
        yield out.getvalue()
