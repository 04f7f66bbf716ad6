"""Single-use records under concurrency: a magic link, a claim code, a credential offer.

"Used once" is decided by the database with a conditional update
(``UPDATE ... SET used_at = :now WHERE <row> AND used_at IS NULL``): of two requests racing with
the same link, exactly one sees its update applied (row count 1) and the other sees 0, on SQLite
and PostgreSQL alike, without reading the row first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session


def mark_once(session: Session, column: Any, when: datetime, *criteria: Any) -> bool:
    """Set ``column`` (e.g. ``Claim.redeemed_at``) to ``when`` on the row matching ``criteria``
    if it is still null; True when this call did it, False when the row was already used (or
    does not match). Runs inside the caller's transaction."""
    table = column.class_
    statement = (
        sa.update(table)
        .where(*criteria)
        .where(column.is_(None))
        .values({column.key: when})
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement)
    return int(getattr(result, "rowcount", 0)) == 1
