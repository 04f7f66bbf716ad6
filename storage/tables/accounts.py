"""People, organisations, their roles, issuer keys and the credentials used to log in.

Accounts are passwordless (issue 6): people get in with a magic link or a personal link plus a
short code, and stay in with a session. Every secret that lets someone in (link token, code,
session, API token) is stored only as a SHA-256 hash: a copy of the database opens nothing.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import (
    HASH_LENGTH,
    NAME_LENGTH,
    URL_LENGTH,
    at_field,
    created_field,
    fk_field,
    id_field,
    json_field,
    when_field,
)
from storage.types import EnumText


class MemberRole(StrEnum):
    ADMIN = "admin"  # manages the organisation, its members and keys
    ISSUER = "issuer"  # issues, revokes, suspends
    REVIEWER = "reviewer"  # reads what was issued


class LoginPurpose(StrEnum):
    MAGIC_LINK = "magic_link"  # e-mailed link, single use
    PERSONAL_LINK = "personal_link"  # personal link + short code, for people without e-mail


class User(SQLModel, table=True):
    """A person with an account: trainer, counsellor, employer or beneficiary.

    E-mail and phone are optional (many beneficiaries have neither); both are stored normalised
    (lower-case e-mail, E.164 phone) so the unique constraints mean something.
    """

    __tablename__ = "users"

    id: str = id_field()
    display_name: str = Field(max_length=NAME_LENGTH)
    email: str | None = Field(default=None, max_length=320, unique=True, nullable=True)
    phone: str | None = Field(default=None, max_length=32, nullable=True)
    locale: str = Field(default="fr", max_length=16)
    created_at: datetime = created_field()
    last_login_at: datetime | None = when_field()


class Organisation(SQLModel, table=True):
    """A training or inclusion structure, an employer, or a network of them (``parent_id``).

    ``profile`` is the OB 3.0 ``Profile`` published as the issuer; ``issuer_id`` is its public
    identifier (did:web / https URL / did:key), unique because credentials are compared by it.
    """

    __tablename__ = "organisations"

    id: str = id_field()
    slug: str = Field(max_length=100, unique=True)
    name: str = Field(max_length=NAME_LENGTH)
    parent_id: str | None = fk_field("organisations.id", nullable=True)
    issuer_id: str | None = Field(default=None, max_length=URL_LENGTH, unique=True, nullable=True)
    profile: dict[str, Any] = json_field()
    created_at: datetime = created_field()
    updated_at: datetime | None = when_field()


class Member(SQLModel, table=True):
    """A role of a user in an organisation (one row per role)."""

    __tablename__ = "members"
    __table_args__ = (sa.UniqueConstraint("organisation_id", "user_id", "role"),)

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id", ondelete="CASCADE")
    user_id: str = fk_field("users.id", ondelete="CASCADE")
    role: MemberRole = Field(sa_type=EnumText(MemberRole, 16), nullable=False)
    created_at: datetime = created_field()


class IssuerKey(SQLModel, table=True):
    """An Ed25519 signing key of an organisation.

    The private key is stored only encrypted (``encrypted_secret``) with a key-encryption key
    that lives outside the database (``ATOUTS_SECRET_KEY`` or a key file); ``kek_id`` names which
    one, so a rotated KEK can still open old rows. Rotation sets ``retired_at``: a retired key no
    longer signs but stays published for verification of what it signed. A public-only row
    (``encrypted_secret`` null) is a key kept only for verification.
    """

    __tablename__ = "issuer_keys"

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id", ondelete="RESTRICT")
    verification_method: str = Field(max_length=URL_LENGTH, unique=True)
    public_key_multibase: str = Field(max_length=100)
    algorithm: str = Field(default="Ed25519", max_length=32)
    encrypted_secret: bytes | None = Field(default=None, sa_type=sa.LargeBinary(), nullable=True)
    kek_id: str | None = Field(default=None, max_length=HASH_LENGTH, nullable=True)
    created_at: datetime = created_field()
    retired_at: datetime | None = when_field()


class ApiToken(SQLModel, table=True):
    """A bearer token for the JSON API, stored hashed, with explicit scopes."""

    __tablename__ = "api_tokens"

    id: str = id_field()
    token_hash: str = Field(max_length=HASH_LENGTH, unique=True)
    name: str = Field(max_length=NAME_LENGTH)
    user_id: str | None = fk_field("users.id", nullable=True, ondelete="CASCADE")
    organisation_id: str | None = fk_field("organisations.id", nullable=True, ondelete="CASCADE")
    scopes: list[str] = json_field(default_factory=list)
    created_at: datetime = created_field()
    expires_at: datetime | None = when_field()
    last_used_at: datetime | None = when_field()
    revoked_at: datetime | None = when_field()


class LoginToken(SQLModel, table=True):
    """A magic link or a personal link (+ short code): hashed, expiring, single use.

    ``used_at`` is set in the transaction that opens the session, with a conditional update
    (``WHERE used_at IS NULL``), so a link clicked twice opens one session. ``attempts`` counts
    wrong short codes so the code can be locked after a few tries.
    """

    __tablename__ = "login_tokens"

    id: str = id_field()
    token_hash: str = Field(max_length=HASH_LENGTH, unique=True)
    code_hash: str | None = Field(default=None, max_length=HASH_LENGTH, nullable=True)
    purpose: LoginPurpose = Field(sa_type=EnumText(LoginPurpose, 16), nullable=False)
    user_id: str = fk_field("users.id", ondelete="CASCADE")
    created_at: datetime = created_field()
    expires_at: datetime = at_field()
    used_at: datetime | None = when_field()
    attempts: int = Field(default=0)


class WebSession(SQLModel, table=True):
    """A logged-in browser session (cookie value stored hashed)."""

    __tablename__ = "web_sessions"

    id: str = id_field()
    token_hash: str = Field(max_length=HASH_LENGTH, unique=True)
    user_id: str = fk_field("users.id", ondelete="CASCADE")
    created_at: datetime = created_field()
    expires_at: datetime = at_field()
    last_seen_at: datetime | None = when_field()
    revoked_at: datetime | None = when_field()
