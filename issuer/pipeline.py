"""Pipelined bulk issuance: chunk *k* is signed in worker processes while chunk *k-1* is
stored and chunk *k+1* prepared (issue 4 benchmark; ``badges.proofs.bulk.BulkSigner``).

Data Integrity signing is CPU-bound Python, so one process cannot sign and keep the database
busy at the same time. Here the calling thread prepares a chunk (its status indexes reserved in
a short transaction, ``issuer.bulk.prepare_group``), hands the unsigned documents to a
:class:`~badges.proofs.bulk.BulkSigner` from a helper thread (which only waits on the pool's
pipes, so the GIL stays with the caller), and meanwhile stores the previous chunk — credentials,
recipients, claims, allocation links and the rows' move out of ``pending`` in one transaction
(``issuer.bulk.store_group``). Nothing is handed out before that transaction commits.

A crash between preparing and storing leaves that chunk's reserved indexes unused (never
reused, harmless) and its rows pending: ``resume`` issues them once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from badges.proofs.bulk import BulkOutcome, BulkSigner
from issuer.batch import (
    ChunkRows,
    RowHook,
    lock_pending,
    row_updates,
    specs_for,
    write_row_updates,
)
from issuer.bulk import Draft, prepare_group, set_signed, store_group
from issuer.context import IssuerContext, iso
from issuer.issuance import IssueSpec, Signer
from issuer.service import load_signer
from issuer.status import active_list
from storage.engine import session_scope
from storage.tables import Achievement, IssuanceBatch, StatusList, StatusPurpose

__all__ = ["run_pipelined"]


@dataclass(slots=True)
class _Prepared:
    rows: ChunkRows
    specs: list[tuple[int, int, IssueSpec]]
    failed: list[dict[str, Any]]
    drafts: list[Draft]
    signing: Future[list[BulkOutcome]]


def run_pipelined(
    ctx: IssuerContext,
    batch: IssuanceBatch,
    chunks: Iterable[ChunkRows],
    *,
    suite: str,
    suspendable: bool,
    processes: int,
    progress: Callable[[], None] | None,
    hook: RowHook | None,
) -> None:
    with session_scope(ctx.engine) as session:
        signer, achievement = load_signer(ctx, session, batch.achievement_id)
        lists = {p: active_list(ctx, session, signer.org, p) for p in StatusPurpose}
    created = iso(ctx.now())
    bulk = BulkSigner(
        signer.pair,
        processes=processes,
        cryptosuite=suite,
        verification_method=signer.key_row.verification_method,
        created=created,
    )
    previous: _Prepared | None = None
    with bulk, ThreadPoolExecutor(max_workers=1, thread_name_prefix="atouts-sign") as thread:
        for rows in chunks:
            current = _prepare(ctx, batch, rows, signer, achievement, lists, suite, suspendable)
            documents = [d.document for d in _signable(current.drafts) if d.document is not None]
            current.signing = thread.submit(bulk.sign_all, documents)
            if previous is not None:
                _store(ctx, batch, previous, signer, achievement, hook)
                if progress is not None:
                    progress()
            previous = current
        if previous is not None:
            _store(ctx, batch, previous, signer, achievement, hook)
            if progress is not None:
                progress()


def _signable(drafts: list[Draft]) -> list[Draft]:
    return [d for d in drafts if d.error is None and d.document is not None]


def _prepare(
    ctx: IssuerContext,
    batch: IssuanceBatch,
    rows: ChunkRows,
    signer: Signer,
    achievement: Achievement,
    lists: dict[StatusPurpose, StatusList],
    suite: str,
    suspendable: bool,
) -> _Prepared:
    now = ctx.now()
    specs, failed = specs_for(
        rows, suite=suite, suspendable=suspendable, user_id=batch.created_by_user_id, now=now
    )
    with session_scope(ctx.engine) as session:
        drafts = prepare_group(
            ctx,
            session,
            signer=signer,
            achievement=achievement,
            specs=[spec for _, _, spec in specs],
            lists=lists,
            now=now,
        )
    done: Future[list[BulkOutcome]] = Future()
    return _Prepared(rows, specs, list(failed), drafts, done)


def _store(
    ctx: IssuerContext,
    batch: IssuanceBatch,
    prepared: _Prepared,
    signer: Signer,
    achievement: Achievement,
    hook: RowHook | None,
) -> None:
    results = prepared.signing.result()
    for draft, result in zip(_signable(prepared.drafts), results, strict=True):
        set_signed(draft, result.signed, result.error_code, result.error_message)
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        still_pending = lock_pending(session, [row_id for row_id, _, _ in prepared.rows])
        keep = [
            (spec, draft)
            for spec, draft in zip(prepared.specs, prepared.drafts, strict=True)
            if spec[0] in still_pending
        ]
        stored = store_group(
            ctx,
            session,
            signer=signer,
            achievement=achievement,
            drafts=[draft for _, draft in keep],
            now=now,
        )
        updates = [u for u in prepared.failed if u["row_id"] in still_pending]
        updates.extend(row_updates([spec for spec, _ in keep], stored, now))
        write_row_updates(ctx, session, batch.id, updates)
        if hook is not None:
            for row_id, line, _ in prepared.rows:
                if row_id in still_pending:
                    hook(line)
