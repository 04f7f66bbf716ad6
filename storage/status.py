"""Status-list bookkeeping that must be right under concurrency (reliability-ux.md D5, D6).

These are database mechanics, not issuing rules: drawing a random free index without ever
reusing one, recording a change of a bit without losing a concurrent one, and finding the lists
whose latest change is not published yet. Encoding and signing the list is the issuer's job.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.errors import StorageError
from storage.tables.base import utcnow
from storage.tables.issuing import StatusAllocation, StatusList

DEFAULT_MAX_ATTEMPTS = 64
# Lists are closed at half full: random allocation then costs at most ~2 draws per index.
DEFAULT_FILL_LIMIT = 0.5
# A list past the limit (concurrent allocators) still answers in a few rounds: 0.5**16 per index.
ROLLING_MAX_ROUNDS = 16


class StatusListFullError(StorageError):
    """No free index was found in ``max_attempts`` random draws: open a new list."""


@dataclass(frozen=True, slots=True)
class Allocated:
    """An index given by :func:`allocate_status_indexes` (the ``status_allocations`` row)."""

    id: int
    status_index: int


def _insert_ignoring_taken(session: Session) -> Callable[..., Any]:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise StorageError(f"unsupported database for status allocation: {dialect}")


def allocate_status_indexes(
    session: Session,
    status_list: StatusList,
    count: int,
    *,
    draw: Callable[[int], int] = secrets.randbelow,
    max_rounds: int = DEFAULT_MAX_ATTEMPTS,
) -> list[Allocated]:
    """Reserve ``count`` random, never used indexes of ``status_list`` in the caller's
    transaction, in one statement per round (bulk issuance signs a group of credentials at once).

    The unique ``(status_list_id, status_index)`` constraint is the arbiter: indexes are inserted
    with ``ON CONFLICT DO NOTHING ... RETURNING``, so an index already taken (committed, or by a
    concurrent transaction that commits first) simply does not come back and is drawn again in
    the next round; the transaction is never aborted by a collision. Random indexes keep
    neighbouring credentials from being correlated (Bitstring Status List §6).

    On PostgreSQL a draw that collides with a concurrent, uncommitted allocation waits for it.
    Two transactions that collide crosswise over several rounds can then deadlock; PostgreSQL
    aborts one (``40P01``, :func:`storage.errors.is_transient`) and the caller retries the
    transaction (:func:`storage.engine.transaction` does). With 131,072 entries this is rare.

    The rows are created with ``credential_id`` null; :func:`link_allocations` fills it once the
    credentials exist. Everything commits or rolls back with the caller's transaction.
    Issuers use :func:`allocate_rolling`, which opens a new list instead of failing.
    """
    allocated, _ = _draw_and_insert(session, status_list, count, draw=draw, max_rounds=max_rounds)
    if len(allocated) < count:
        raise StatusListFullError(
            f"La liste de statut {status_list.id} n'a plus d'index libre : ouvrez-en une nouvelle."
        )
    return allocated


def _draw_and_insert(
    session: Session,
    status_list: StatusList,
    count: int,
    *,
    draw: Callable[[int], int],
    max_rounds: int,
) -> tuple[list[Allocated], bool]:
    """Up to ``count`` indexes in at most ``max_rounds`` rounds (fewer if the list is too full),
    and whether any draw hit a taken index (the cheap sign that the list is filling up)."""
    if count <= 0:
        return [], False
    _insert_ignoring_taken(session)  # refuses an unsupported database
    allocated: list[Allocated] = []
    taken: set[int] = set()
    collided = False
    for _ in range(max_rounds):
        need = count - len(allocated)
        wanted: set[int] = set()
        for _ in range(need * 4):
            index = draw(status_list.length)
            if index not in taken:
                wanted.add(index)
            else:
                collided = True
            if len(wanted) == need:
                break
        if wanted:
            # Ascending order: two transactions drawing overlapping sets in one round wait for
            # each other in the same order, never crosswise (no deadlock).
            rows = _insert_indexes(session, status_list.id, sorted(wanted))
            allocated.extend(Allocated(id=row_id, status_index=index) for row_id, index in rows)
            collided = collided or len(rows) < len(wanted)
            taken.update(wanted)
        if len(allocated) == count:
            break
    return allocated, collided


_ROWS_PER_STATEMENT = 1000


def _insert_indexes(
    session: Session, status_list_id: str, indexes: list[int]
) -> list[tuple[int, int]]:
    """Insert ``indexes`` (ascending) with ``INSERT ... VALUES (...), (...) ON CONFLICT DO
    NOTHING RETURNING``; ``(id, index)`` of the rows inserted, the taken ones skipped.

    Written for the driver directly: SQLAlchemy's "insertmanyvalues" did the same statement but
    spent ~10 µs a row converting parameters in Python (bench.issuance). The columns it filled
    from their defaults are given here, converted by the same type processors: ``value`` false,
    ``allocated_at`` the time of the statement."""
    connection = session.connection()
    dialect = connection.dialect
    table = StatusAllocation.__table__  # type: ignore[attr-defined]
    constants: list[Any] = [status_list_id, False, utcnow()]
    for i, name in enumerate(("status_list_id", "value", "allocated_at")):
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            constants[i] = process(constants[i])
    list_id, value, at = constants
    if dialect.name == "postgresql":
        # One array parameter instead of four parameters a row; ORDER BY keeps the ascending
        # insertion order that avoids deadlocks (see allocate_status_indexes).
        result = connection.exec_driver_sql(
            "INSERT INTO status_allocations (status_list_id, status_index, value, allocated_at) "
            "SELECT %s, i, %s, %s FROM unnest(CAST(%s AS INTEGER[])) AS u (i) ORDER BY i "
            "ON CONFLICT (status_list_id, status_index) DO NOTHING RETURNING id, status_index",
            (list_id, value, at, indexes),
        )
        return [(int(r[0]), int(r[1])) for r in result]
    out: list[tuple[int, int]] = []
    for start in range(0, len(indexes), _ROWS_PER_STATEMENT):
        part = indexes[start : start + _ROWS_PER_STATEMENT]
        # Only placeholders are repeated into the text; every value is a parameter.
        rows = ", ".join(["(?, ?, ?, ?)"] * len(part))
        sql = (
            "INSERT INTO status_allocations (status_list_id, status_index, value, allocated_at) "  # noqa: S608
            f"VALUES {rows} "
            "ON CONFLICT (status_list_id, status_index) DO NOTHING RETURNING id, status_index"
        )
        params: list[Any] = []
        for index in part:
            params += (list_id, index, value, at)
        result = connection.exec_driver_sql(sql, tuple(params))
        out.extend((int(r[0]), int(r[1])) for r in result)
    return out


def allocated_count(session: Session, status_list_id: str) -> int:
    """How many indexes of a list are given (an index-only count on the unique constraint)."""
    table = StatusAllocation.__table__  # type: ignore[attr-defined]
    statement = (
        sa.select(sa.func.count())
        .select_from(table)
        .where(table.c.status_list_id == status_list_id)
    )
    return int(session.execute(statement).scalar_one())


def allocate_rolling(
    session: Session,
    status_list: StatusList,
    count: int,
    *,
    open_next: Callable[[], StatusList],
    fill_limit: float = DEFAULT_FILL_LIMIT,
    draw: Callable[[int], int] = secrets.randbelow,
    max_rounds: int = ROLLING_MAX_ROUNDS,
) -> tuple[list[tuple[StatusList, Allocated]], StatusList]:
    """``count`` random, never used indexes, opening a new list of the same organisation and
    purpose when ``status_list`` is filled past ``fill_limit`` (a fraction of its length).

    Random allocation on a list filled to ``f`` costs ``1 / (1 - f)`` draws per index on
    average, so lists are closed at half full (2 draws) and allocation stays O(1) expected;
    ``max_rounds`` bounds the work even when concurrent allocators pushed a list beyond that.
    The fill is counted only when a draw collided (probability ``f`` per draw): a list far
    from full costs no count at all, one near the limit is noticed within a few allocations.

    Returns ``(list, allocation)`` pairs — a group can straddle the old and the new list — and
    the list to allocate from next (the new one after a rollover). The
    closing of the full list (``accepting`` false) and the new list are written in the caller's
    transaction, together with the allocations — all or nothing (see :func:`roll_over`).
    Indexes already given on the closed list stay valid; it keeps being published.
    """
    out: list[tuple[StatusList, Allocated]] = []
    current = status_list
    for _ in range(4):
        need = count - len(out)
        if need <= 0:
            break
        allocated, collided = _draw_and_insert(
            session, current, need, draw=draw, max_rounds=max_rounds
        )
        out.extend((current, a) for a in allocated)
        short = len(allocated) < need
        if short or (
            collided and allocated_count(session, current.id) >= fill_limit * current.length
        ):
            current = roll_over(session, current, open_next)
    if len(out) < count:
        raise StatusListFullError(
            f"Impossible de trouver {count} index libres après l'ouverture de nouvelles listes."
        )
    return out, current


def roll_over(
    session: Session, full: StatusList, open_next: Callable[[], StatusList]
) -> StatusList:
    """Close ``full`` to new allocations and return the list that replaces it.

    Exactly one of several concurrent allocators opens the new list: the full list's row is
    locked (``FOR NO KEY UPDATE`` on PostgreSQL — it does not conflict with the key-share locks
    that the allocations' foreign keys take, so allocators on that list are not blocked; SQLite's
    ``BEGIN IMMEDIATE`` already serialises writers) and ``accepting`` re-read under the lock:
    if another transaction closed it first, the list it opened is returned instead.
    """
    table = StatusList.__table__  # type: ignore[attr-defined]
    still_accepting = session.execute(
        sa.select(table.c.accepting).where(table.c.id == full.id).with_for_update(key_share=True)
    ).scalar_one()
    if still_accepting:
        session.execute(sa.update(table).where(table.c.id == full.id).values(accepting=False))
        opened = open_next()
        session.add(opened)
        session.flush()
        return opened
    successor = session.exec(
        select(StatusList)
        .where(StatusList.organisation_id == full.organisation_id)
        .where(StatusList.purpose == full.purpose)
        .where(col(StatusList.accepting).is_(True))
        .order_by(col(StatusList.created_at))
        .execution_options(populate_existing=True)
    ).first()
    if successor is None:  # closed by hand: open one
        successor = open_next()
        session.add(successor)
        session.flush()
    return successor


def allocate_status_index(
    session: Session,
    status_list: StatusList,
    *,
    credential_id: str | None = None,
    draw: Callable[[int], int] = secrets.randbelow,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> StatusAllocation:
    """One random, never used index of ``status_list`` (see :func:`allocate_status_indexes`),
    as an ORM row; ``credential_id`` may be given when that credential row already exists."""
    (allocated,) = allocate_status_indexes(
        session, status_list, 1, draw=draw, max_rounds=max_attempts
    )
    allocation = session.get_one(StatusAllocation, allocated.id)
    if credential_id is not None:
        allocation.credential_id = credential_id
    return allocation


def link_allocations(session: Session, links: Iterable[tuple[int, str]]) -> None:
    """Record which credential each allocation went to: ``(allocation id, credential row id)``
    pairs, in one executemany statement (the credentials must be inserted first)."""
    rows = [
        {"id": allocation_id, "credential_id": credential} for allocation_id, credential in links
    ]
    if rows:
        session.execute(sa.update(StatusAllocation), rows)


def set_status_bit(
    session: Session, allocation: StatusAllocation, value: bool, *, when: datetime
) -> bool:
    """Set the bit of ``allocation`` and, if it changed, bump its list's version atomically.

    Returns True when the bit changed. The version is incremented in SQL
    (``version = version + 1``), never read-modify-written in Python, so two concurrent
    revocations on one list both count and the list is republished after both.
    """
    if allocation.value == value:
        return False
    allocation.value = value
    allocation.changed_at = when
    session.add(allocation)
    session.execute(
        sa.update(StatusList)
        .where(col(StatusList.id) == allocation.status_list_id)
        .values(version=col(StatusList.version) + 1)
    )
    return True


def lists_to_publish(session: Session) -> Sequence[StatusList]:
    """Status lists changed since they were last published (or never published): what the
    start-up reconciler and the publisher must (re)sign and publish."""
    statement = select(StatusList).where(
        col(StatusList.version) > col(StatusList.published_version)
    )
    return session.exec(statement).all()


def set_bits(session: Session, status_list_id: str) -> list[int]:
    """The indexes whose bit is set in a list, ascending: the source of truth to encode."""
    statement = (
        select(StatusAllocation.status_index)
        .where(col(StatusAllocation.status_list_id) == status_list_id)
        .where(col(StatusAllocation.value).is_(True))
        .order_by(col(StatusAllocation.status_index))
    )
    return list(session.exec(statement).all())


def mark_published(
    session: Session,
    status_list_id: str,
    *,
    version: int,
    encoded_list: str,
    published_text: str,
    when: datetime,
) -> bool:
    """Record that ``version`` of a list was signed and published.

    Conditional on ``published_version < version``: a slower publisher of an older version
    cannot overwrite a newer publication. Returns True when the row was updated.
    """
    result = session.execute(
        sa.update(StatusList)
        .where(col(StatusList.id) == status_list_id)
        .where(col(StatusList.published_version) < version)
        .values(
            published_version=version,
            encoded_list=encoded_list,
            published_text=published_text,
            published_at=when,
        )
    )
    return bool(getattr(result, "rowcount", 0))
