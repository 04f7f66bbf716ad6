"""What every table module shares: the metadata's naming convention, ids and timestamps.

Constraint and index names follow one convention so that Alembic migrations name them the same
way on SQLite and PostgreSQL (SQLite's batch migrations can only drop a constraint by name).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlmodel import Field, SQLModel

from storage.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLModel keeps one MetaData for every table model; the convention must be set before the
# first table class is defined, which importing this module guarantees.
SQLModel.metadata.naming_convention = NAMING_CONVENTION

metadata = SQLModel.metadata

# Lengths chosen once so that every table agrees.
ID_LENGTH = 36  # str(uuid4())
URL_LENGTH = 500  # credential ids, verification methods, graph node ids (IRIs)
HASH_LENGTH = 64  # hex SHA-256 / HMAC-SHA-256
NAME_LENGTH = 200


def new_id() -> str:
    """A random identifier (UUID 4): unguessable, so it can appear in public URLs."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """Default for ``created_at`` columns; business timestamps come from an injected clock."""
    return datetime.now(UTC)


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True, max_length=ID_LENGTH)


def created_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UtcDateTime(), nullable=False)


def at_field(*, index: bool = False) -> Any:
    """A required aware timestamp set by the caller (expiry, issuance time...)."""
    return Field(sa_type=UtcDateTime(), nullable=False, index=index)


def when_field(*, index: bool = False) -> Any:
    """An optional aware timestamp (``None`` until the event happens)."""
    return Field(default=None, sa_type=UtcDateTime(), nullable=True, index=index)


def json_field(*, nullable: bool = False, default_factory: Any = dict) -> Any:
    """A JSON document column (``JSON`` on both databases; exact bytes live in text columns).

    Wrapped as mutable so that changing a key or appending in place (``org.profile["name"] =
    ...``) is saved; changes *nested* deeper than the first level are not seen: assign a new
    value instead.
    """
    mutable = MutableList if default_factory is list else MutableDict
    if nullable:
        # None is SQL NULL (not the JSON text "null"), so "IS NULL" finds a cleared value.
        column_type = mutable.as_mutable(sa.JSON(none_as_null=True))
        return Field(default=None, sa_type=column_type, nullable=True)
    column_type = mutable.as_mutable(sa.JSON())
    return Field(default_factory=default_factory, sa_type=column_type, nullable=False)


def text_field(*, nullable: bool = False) -> Any:
    if nullable:
        return Field(default=None, sa_type=sa.Text(), nullable=True)
    return Field(sa_type=sa.Text(), nullable=False)


OnDelete = Literal["CASCADE", "SET NULL", "RESTRICT"]


def fk_field(
    target: str, *, nullable: bool = False, ondelete: OnDelete = "RESTRICT", index: bool = True
) -> Any:
    """A foreign key to ``target`` ("table.column"); indexed because every FK is joined or
    cascaded on."""
    return Field(
        default=None if nullable else ...,  # Ellipsis: required
        foreign_key=target,
        ondelete=ondelete,
        nullable=nullable,
        index=index,
        max_length=ID_LENGTH,
    )
