"""Pipelined bulk issuance: while chunk *k* is signed, chunk *k-1* is stored (issue 4 benchmark).

Signing is CPU-bound Python; storing is mostly waiting on the database (SQLite's C code and
fsync, PostgreSQL round trips), which releases the GIL. So the calling thread prepares a chunk
(its status indexes reserved in a short transaction, ``issuer.bulk.prepare_group``) and signs
it — in this process, or in worker processes (``badges.proofs.bulk.BulkSigner``) when
``processes`` > 1 — while a helper thread stores the previous chunk: credentials, recipients,
claims, outbox messages, allocation links and the rows' move out of ``pending`` in one
transaction (``issuer.bulk.store_group``). Nothing is handed out before that commit.

Order per step: sign *k* (the helper stores *k-1* meanwhile) → wait for *k-1* → prepare *k+1*
→ hand *k* to the helper; so a preparation never waits behind a store for SQLite's write lock.

A crash between preparing and storing leaves that chunk's reserved indexes unused (never
reused, harmless) and its rows pending: ``resume`` issues them once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from badges.proofs.bulk import BulkSigner
from issuer.batch import (
    ChunkRows,
    RowHook,
    gc_paused,
    lock_pending,
    row_updates,
    specs_for,
    write_row_updates,
)
from issuer.bulk import Draft, prepare_group, set_signed, sign_drafts, store_group
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
    source: Iterator[ChunkRows] = iter(chunks)

    def prepare_next() -> _Prepared | None:
        rows = next(source, None)
        if rows is None:
            return None
        return _prepare(ctx, batch, rows, signer, achievement, lists, suite, suspendable)

    with ExitStack() as stack:
        pool: BulkSigner | None = None
        if processes > 1:
            pool = stack.enter_context(
                BulkSigner(
                    signer.pair,
                    processes=processes,
                    cryptosuite=suite,
                    verification_method=signer.key_row.verification_method,
                    created=created,
                )
            )
        helper = stack.enter_context(
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="atouts-store")
        )
        storing: Future[None] | None = None
        with gc_paused():
            current = prepare_next()
        while current is not None:
            with gc_paused():
                _sign(current, signer, pool, created)
            if storing is not None:
                storing.result()
                if progress is not None:
                    progress()
            with gc_paused():
                following = prepare_next()
            storing = helper.submit(_store, ctx, batch, current, signer, achievement, hook)
            current = following
        if storing is not None:
            storing.result()
            if progress is not None:
                progress()


def _signable(drafts: list[Draft]) -> list[Draft]:
    return [d for d in drafts if d.error is None and d.document is not None]


def _sign(prepared: _Prepared, signer: Signer, pool: BulkSigner | None, created: str) -> None:
    if pool is None:
        sign_drafts(signer, prepared.drafts, created)
        return
    todo = _signable(prepared.drafts)
    results = pool.sign_all([d.document for d in todo if d.document is not None])
    for draft, result in zip(todo, results, strict=True):
        set_signed(draft, result.signed, result.error_code, result.error_message)


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
    return _Prepared(rows, specs, failed, drafts)


def _store(
    ctx: IssuerContext,
    batch: IssuanceBatch,
    prepared: _Prepared,
    signer: Signer,
    achievement: Achievement,
    hook: RowHook | None,
) -> None:
    now = ctx.now()
    with gc_paused(), session_scope(ctx.engine) as session:
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
