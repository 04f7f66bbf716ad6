"""A half-full status list is closed and a new one opened, transparently, never twice, never
reusing an index (issue 4; ADR 0003). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import select

from issuer.batch import run_batch, submit_batch
from issuer.context import IssuerContext
from issuer.issuance import IssueSpec
from issuer.recipients import parse_recipient
from issuer.service import issue
from issuer.status import change_status
from storage.engine import session_scope
from storage.status import allocate_rolling
from storage.tables import Organisation, StatusAllocation, StatusList, StatusPurpose
from tests.issuer.conftest import check
from verifier import Verdict


def _lists(ctx: IssuerContext, purpose: StatusPurpose) -> list[StatusList]:
    with session_scope(ctx.engine, write=False) as session:
        return list(
            session.exec(
                select(StatusList)
                .where(StatusList.purpose == purpose)
                .order_by(sa.asc(StatusList.created_at))  # type: ignore[arg-type]
            ).all()
        )


def _accepting(ctx: IssuerContext, purpose: StatusPurpose) -> StatusList:
    (found,) = [s for s in _lists(ctx, purpose) if s.accepting]
    return found


def _prefill(ctx: IssuerContext, list_id: str, stop: int, step: int = 1) -> None:
    """Give the indexes ``0, step, 2*step, ... < stop`` in one statement (no Python loop)."""
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        if ctx.engine.dialect.name == "postgresql":
            sql = (
                "INSERT INTO status_allocations (status_list_id, status_index, value, allocated_at)"
                " SELECT :list, i, false, :now FROM generate_series(0, :stop - 1, :step) AS i"
            )
        else:
            sql = (
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + :step FROM n"
                " WHERE i + :step < :stop)"
                " INSERT INTO status_allocations (status_list_id, status_index, value,"
                " allocated_at) SELECT :list, i, 0, :now FROM n"
            )
        session.execute(sa.text(sql), {"list": list_id, "stop": stop, "step": step, "now": now})


def _opener(ctx: IssuerContext, full: StatusList) -> Callable[[], StatusList]:
    def open_next() -> StatusList:
        opened = StatusList(organisation_id=full.organisation_id, purpose=full.purpose)
        opened.url = ctx.urls.status_list(opened.id)
        return opened

    return open_next


def _draws(*first: int) -> Callable[[int], int]:
    """Draw ``first`` in order, then at random."""
    queue: Iterator[int] = iter(first)

    def draw(n: int) -> int:
        chosen = next(queue, None)
        return secrets.randbelow(n) if chosen is None else chosen

    return draw


def test_allocation_opens_a_new_list_with_a_new_url_once_the_list_is_half_full(
    ctx: IssuerContext, org: Organisation
) -> None:
    full = _accepting(ctx, StatusPurpose.REVOCATION)
    _prefill(ctx, full.id, 20)
    with session_scope(ctx.engine) as session:
        pairs, following = allocate_rolling(
            session,
            full,
            3,
            open_next=_opener(ctx, full),
            fill_limit=20 / full.length,
            draw=_draws(5, 7),  # taken: the collision makes the allocator count the fill
        )
    assert [p[0].id for p in pairs] == [full.id] * 3  # the group was served by the old list
    lists = _lists(ctx, StatusPurpose.REVOCATION)
    assert [s.id for s in lists] == [full.id, following.id]
    assert [s.accepting for s in lists] == [False, True]
    assert following.url
    assert following.url != full.url
    assert following.url == ctx.urls.status_list(following.id)


def test_a_list_with_no_free_index_rolls_over_instead_of_failing(
    ctx: IssuerContext, org: Organisation
) -> None:
    full = _accepting(ctx, StatusPurpose.REVOCATION)
    _prefill(ctx, full.id, 1)
    with session_scope(ctx.engine) as session:
        pairs, following = allocate_rolling(
            session,
            full,
            1,
            open_next=_opener(ctx, full),
            draw=lambda _n: 0,  # every draw hits the taken index 0 of the full list
            max_rounds=3,
        )
    ((status_list, allocated),) = pairs
    assert status_list.id == following.id != full.id
    assert allocated.status_index == 0  # index 0 of the *new* list


def test_a_rollover_rolled_back_leaves_the_old_list_open_and_no_new_list(
    ctx: IssuerContext, org: Organisation
) -> None:
    full = _accepting(ctx, StatusPurpose.REVOCATION)
    _prefill(ctx, full.id, 20)

    def failing_issuance() -> None:
        with session_scope(ctx.engine) as session:
            allocate_rolling(
                session, full, 1, open_next=_opener(ctx, full), fill_limit=1e-6, draw=_draws(3)
            )
            raise RuntimeError("the issuance failed after allocating")

    with pytest.raises(RuntimeError):
        failing_issuance()
    lists = _lists(ctx, StatusPurpose.REVOCATION)
    assert [(s.id, s.accepting) for s in lists] == [(full.id, True)]
    with session_scope(ctx.engine, write=False) as session:
        assert session.exec(select(sa.func.count()).select_from(StatusAllocation)).one() == 20


def test_two_allocators_racing_at_the_rollover_open_one_list_and_reuse_no_index(
    ctx: IssuerContext, org: Organisation
) -> None:
    full = _accepting(ctx, StatusPurpose.REVOCATION)
    _prefill(ctx, full.id, 100)
    # On PostgreSQL both transactions allocate on the full list before either rolls it over;
    # SQLite's BEGIN IMMEDIATE runs them one after the other (a barrier would wait forever).
    barrier = threading.Barrier(2) if ctx.engine.dialect.name == "postgresql" else None
    results: list[tuple[list[tuple[str, int]], str]] = []
    errors: list[BaseException] = []

    def allocator(taken: int) -> None:
        first_draw = True

        def draw(n: int) -> int:
            nonlocal first_draw
            if first_draw:  # a taken index: the collision makes the allocator count the fill
                first_draw = False
                return taken
            if barrier is not None:
                barrier.wait(timeout=30)
                barrier.reset()
            return 200 + secrets.randbelow(n - 200)

        try:
            with session_scope(ctx.engine) as session:
                stale = session.get(StatusList, full.id)
                assert stale is not None
                pairs, following = allocate_rolling(
                    session,
                    stale,
                    2,
                    open_next=_opener(ctx, full),
                    fill_limit=50 / full.length,
                    draw=draw,
                )
                results.append(([(s.id, a.status_index) for s, a in pairs], following.id))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=allocator, args=(i,)) for i in (3, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    lists = _lists(ctx, StatusPurpose.REVOCATION)
    assert len(lists) == 2  # exactly one new list
    opened = lists[1]
    assert (lists[0].accepting, opened.accepting) == (False, True)
    assert {following for _, following in results} == {opened.id}
    with session_scope(ctx.engine, write=False) as session:
        pairs = session.exec(
            select(StatusAllocation.status_list_id, StatusAllocation.status_index)
        ).all()
    assert len(pairs) == len(set(pairs)) == 100 + 4


def _half_full(ctx: IssuerContext, purpose: StatusPurpose) -> StatusList:
    """The accepting list with every even index given: exactly at the 50 % limit."""
    status_list = _accepting(ctx, purpose)
    _prefill(ctx, status_list.id, status_list.length, step=2)
    return status_list


def test_issuing_on_a_half_full_list_moves_to_a_new_published_list_and_both_verify(
    ctx: IssuerContext, achievement_id: str
) -> None:
    old = _half_full(ctx, StatusPurpose.REVOCATION)
    issued = []
    # Each draw hits a taken index with probability 1/2: the rollover is noticed within a few
    # issuances (the bound makes a miss 2**-40 unlikely, not a timing assumption).
    for i in range(40):
        issued.append(issue(ctx, achievement_id, IssueSpec(parse_recipient(f"p{i}@example.org"))))
        if issued[-1].opened_status_list:
            break
    assert issued[-1].opened_status_list
    new = _accepting(ctx, StatusPurpose.REVOCATION)
    assert new.id != old.id
    assert new.published_text
    after = issue(ctx, achievement_id, IssueSpec(parse_recipient("apres@example.org")))
    assert not after.opened_status_list
    assert new.url
    assert new.url in after.signed_text
    assert old.url
    assert old.url in issued[0].signed_text
    for credential in (issued[0], after):
        assert check(ctx, credential.signed_text).verdict == Verdict.VERIFIED
    change_status(ctx, after.row_id, action="revoke")
    change_status(ctx, issued[0].row_id, action="revoke")
    for credential in (issued[0], after):
        report = check(ctx, credential.signed_text)
        assert report.verdict != Verdict.VERIFIED
        assert "revoked" in report.codes()


def test_a_batch_crossing_the_limit_continues_on_the_new_list(
    ctx: IssuerContext, achievement_id: str, tmp_path: object
) -> None:
    from pathlib import Path

    old = _half_full(ctx, StatusPurpose.REVOCATION)
    path = Path(str(tmp_path)) / "lot.csv"
    path.write_text(
        "email;nom\n" + "".join(f"p{i}@example.org;P {i}\n" for i in range(30)), "utf-8"
    )
    batch, _ = submit_batch(ctx, achievement_id, path)
    progress = run_batch(ctx, batch.id, chunk=10, pipeline=False, processes=1)
    assert (progress.issued, progress.failed) == (30, 0)
    new = _accepting(ctx, StatusPurpose.REVOCATION)
    assert new.id != old.id
    assert new.published_text
    with session_scope(ctx.engine, write=False) as session:
        per_list = dict(
            session.exec(
                select(StatusAllocation.status_list_id, sa.func.count())
                .where(StatusAllocation.credential_id.is_not(None))  # type: ignore[union-attr]
                .group_by(StatusAllocation.status_list_id)
            ).all()
        )
    assert per_list[new.id] >= 20  # the first chunk notices the fill, the others use the new list
    assert sum(per_list.values()) == 30


def test_publication_after_rollover_is_repaired_at_start_up_if_it_did_not_happen(
    ctx: IssuerContext, org: Organisation
) -> None:
    from issuer.startup import reconcile

    full = _accepting(ctx, StatusPurpose.SUSPENSION)
    with session_scope(ctx.engine) as session:
        allocate_rolling(session, full, 1, open_next=_opener(ctx, full), draw=lambda _n: 0)
        allocate_rolling(
            session, full, 1, open_next=_opener(ctx, full), draw=lambda _n: 0, max_rounds=2
        )
    new = _accepting(ctx, StatusPurpose.SUSPENSION)
    assert new.id != full.id
    assert new.published_text is None
    reconcile(ctx)
    assert _accepting(ctx, StatusPurpose.SUSPENSION).published_text
