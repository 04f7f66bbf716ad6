"""What every table module shares: the metadata's naming convention, ids and timestamps.

Constraint and index names follow one convention so that Alembic migrations name them the same
way on SQLite and PostgreSQL (SQLite's batch migrations can only drop a constraint by name).
"""

from __future__ import annotations

import secrets
import time
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
ID_LENGTH = 36  # str(UUID): 32 hex digits and 4 hyphens
URL_LENGTH = 500  # credential ids, verification methods, graph node ids (IRIs)
HASH_LENGTH = 64  # hex SHA-256 / HMAC-SHA-256
NAME_LENGTH = 200


def new_id() -> str:
    """A new identifier: a time-ordered UUID (version 7, RFC 9562 §5.7).

    Its first 48 bits are the creation time in milliseconds, the other 74 are random (from
    ``secrets``): still unguessable, so it can appear in public URLs, but ids created one after
    the other sort one after the other. Every index on an id (a primary key, a foreign key, a
    credential's URL) then grows at its end instead of at random: a batch of 10,000 credentials
    touches a few index pages per table instead of one per row, which halved SQLite's own work
    on a database already holding 40,000 credentials (``bench.storage``; ADR 0004)."""
    return uuid7(time.time_ns() // 1_000_000, secrets.token_bytes(10))


def uuid7(unix_ms: int, random: bytes) -> str:
    """The UUID 7 text for a Unix time in milliseconds and 10 random bytes (74 bits used)."""
    if len(random) != 10:
        raise ValueError("uuid7 needs 10 random bytes")
    bits = int.from_bytes(random, "big")
    value = (
        (unix_ms & 0xFFFF_FFFF_FFFF) << 80
        | 0x7 << 76  # version
        | ((bits >> 62) & 0xFFF) << 64  # rand_a: 12 bits
        | 0b10 << 62  # RFC 9562 variant
        | bits & ((1 << 62) - 1)  # rand_b: 62 bits
    )
    return str(uuid.UUID(int=value))


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
