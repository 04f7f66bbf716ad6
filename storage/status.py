"""Status-list bookkeeping that must be right under concurrency (reliability-ux.md D5, D6).

These are database mechanics, not issuing rules: drawing a random free index without ever
reusing one, recording a change of a bit without losing a concurrent one, and finding the lists
whose latest change is not published yet. Encoding and signing the list is the issuer's job.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlmodel import Session, col, select

from storage.errors import StorageError, is_unique_violation
from storage.tables.issuing import StatusAllocation, StatusList

DEFAULT_MAX_ATTEMPTS = 64


class StatusListFullError(StorageError):
    """No free index was found in ``max_attempts`` random draws: open a new list."""


def allocate_status_index(
    session: Session,
    status_list: StatusList,
    *,
    credential_id: str | None = None,
    draw: Callable[[int], int] = secrets.randbelow,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
) -> StatusAllocation:
    """Reserve a random, never used index of ``status_list`` inside the caller's transaction.

    The unique ``(status_list_id, status_index)`` constraint is the arbiter: each draw is
    inserted in a savepoint, and a collision (with a committed row, or with a concurrent
    transaction that commits first) rolls back only that savepoint and draws again. Random
    indexes keep neighbouring credentials from being correlated (Bitstring Status List §6).

    The allocation commits or rolls back with the caller's transaction, together with the
    credential that carries the index.
    """
    # Flush the caller's pending rows first, so that a failure of *theirs* is not mistaken
    # for an index collision inside the savepoint.
    session.flush()
    for _ in range(max_attempts):
        index = draw(status_list.length)
        allocation = StatusAllocation(
            status_list_id=status_list.id, status_index=index, credential_id=credential_id
        )
        try:
            with session.begin_nested():
                session.add(allocation)
        except sa_exc.IntegrityError as error:
            if not is_unique_violation(error):
                raise
            continue
        return allocation
    raise StatusListFullError(
        f"La liste de statut {status_list.id} n'a plus d'index libre : ouvrez-en une nouvelle."
    )


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
