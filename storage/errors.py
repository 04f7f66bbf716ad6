"""Storage errors and how to recognise the database errors callers must handle.

Callers react to three kinds of database failure differently:

- a unique violation is an answer, not an outage: a status index already taken (draw again), an
  idempotency key already used (return the existing batch), a credential id already stored;
- a transient failure (lost connection, serialization failure, deadlock, SQLite busy) is retried
  or answered 503, with nothing half-written (reliability-ux.md D8);
- anything else is a bug.
"""

from __future__ import annotations

from sqlalchemy import exc as sa_exc

NOT_MIGRATED_MESSAGE = "La base de données n'est pas à jour : lancez `atouts db upgrade`."
NEWER_DATABASE_MESSAGE = (
    "La base de données a été mise à jour par une version plus récente d'atouts "
    "(révision {current}) : installez cette version avant de démarrer."
)

# SQLSTATEs (PostgreSQL appendix A) that mean "try the transaction again".
_TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "57P01",  # admin_shutdown (pg_terminate_backend)
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now
        "08000",
        "08003",
        "08006",  # connection exceptions
    }
)


class StorageError(Exception):
    """Base class of the errors raised by :mod:`storage`."""


class DatabaseNotMigratedError(StorageError):
    """The database schema is older (or newer) than the code: the app must not start."""

    def __init__(
        self,
        message: str = NOT_MIGRATED_MESSAGE,
        *,
        current: str | None = None,
        expected: str | None = None,
    ) -> None:
        super().__init__(message)
        self.current = current
        self.expected = expected


class ImmutableRecordError(StorageError):
    """A write to a record that must not change (a published referential, signed bytes, the
    audit log) was refused before reaching the database."""


def _sqlstate(error: BaseException) -> str | None:
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_unique_violation(error: BaseException) -> bool:
    """True when ``error`` is a unique (or primary key) constraint violation, on either database."""
    if not isinstance(error, sa_exc.IntegrityError):
        return False
    state = _sqlstate(error)
    if state is not None:
        return state == "23505"
    message = str(getattr(error, "orig", error))
    # SQLite reports primary keys the same way: "UNIQUE constraint failed: table.column".
    return "UNIQUE constraint failed" in message


def is_transient(error: BaseException) -> bool:
    """True when retrying the whole transaction may succeed (see the module docstring)."""
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    state = _sqlstate(error)
    if state is not None:
        return state in _TRANSIENT_SQLSTATES or state.startswith("08")
    if isinstance(error, sa_exc.OperationalError):
        message = str(getattr(error, "orig", error)).lower()
        return "database is locked" in message or "database is busy" in message
    return False
