"""Holders' wallets, the credentials they keep, their share links and counsellor custody.

Erasure (issue 6): deleting a wallet deletes (``ON DELETE CASCADE``) its items, shares, share
items, access logs, consents and matching opt-in; issued credentials stay the issuer's record.
Withdrawing a share is a hard delete of the share row (and, by cascade, of its access log).
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
    text_field,
    when_field,
)
from storage.types import BigIntId, EnumText


class WalletItemSource(StrEnum):
    CLAIM = "claim"  # redeemed claim code/link/QR of a credential issued here
    IMPORT = "import"  # a file or text the holder brought (JSON, JWT, baked PNG/SVG, OB 2.0)
    OFFER = "offer"  # received through a credential offer


class ShareAudience(StrEnum):
    NAMED = "named"  # one named employer
    ANYONE = "anyone"  # anyone with the link


class ShareAccessKind(StrEnum):
    VIEW = "view"
    PRINT = "print"
    DOWNLOAD = "download"


class ConsentScope(StrEnum):
    CUSTODY = "custody"  # a counsellor opens and manages the wallet on the holder's behalf
    PRESENTATION = "presentation"  # the service signs presentations on the holder's behalf


class Wallet(SQLModel, table=True):
    """A holder's wallet. ``holder_user_id`` is null while a counsellor keeps it in custody for
    someone without an account yet; ``taken_over_at`` records when the holder took it over."""

    __tablename__ = "wallets"

    id: str = id_field()
    holder_user_id: str | None = Field(
        default=None,
        foreign_key="users.id",
        ondelete="SET NULL",
        nullable=True,
        unique=True,
        max_length=36,
    )
    display_name: str = Field(max_length=NAME_LENGTH)
    created_at: datetime = created_field()
    taken_over_at: datetime | None = when_field()


class WalletItem(SQLModel, table=True):
    """A credential kept in a wallet: the exact bytes received, and the verifier's report.

    ``(wallet_id, issuer_id, credential_id)`` is unique: the OB equality rule (same issuer id and
    credential id = same credential; the one with the newer ``validFrom`` replaces the other).
    ``summary`` holds display data extracted from the credential (names, alignments) so a wallet
    page does not re-parse every credential.
    """

    __tablename__ = "wallet_items"
    __table_args__ = (sa.UniqueConstraint("wallet_id", "issuer_id", "credential_id"),)

    id: str = id_field()
    wallet_id: str = fk_field("wallets.id", ondelete="CASCADE", index=False)
    original_bytes: bytes = Field(sa_type=sa.LargeBinary(), nullable=False)
    media_type: str = Field(max_length=100)
    content_sha256: str = Field(max_length=HASH_LENGTH)
    issuer_id: str = Field(max_length=URL_LENGTH)
    credential_id: str = Field(max_length=URL_LENGTH)
    valid_from: datetime | None = when_field()
    verdict: str = Field(max_length=20, index=True)
    verification_report: dict[str, Any] = json_field()
    verified_at: datetime = at_field()
    summary: dict[str, Any] = json_field()
    source: WalletItemSource = Field(sa_type=EnumText(WalletItemSource, 16), nullable=False)
    issued_credential_id: str | None = fk_field(
        "credentials.id", nullable=True, ondelete="SET NULL"
    )
    added_at: datetime = created_field()
    updated_at: datetime | None = when_field()


class Share(SQLModel, table=True):
    """A share link for one audience, for some badges, until ``expires_at``.

    Only the hash of the link token (>= 128 random bits) is stored; withdrawal deletes the row.
    """

    __tablename__ = "shares"

    id: str = id_field()
    wallet_id: str = fk_field("wallets.id", ondelete="CASCADE")
    token_hash: str = Field(max_length=HASH_LENGTH, unique=True)
    audience: ShareAudience = Field(sa_type=EnumText(ShareAudience, 16), nullable=False)
    audience_name: str | None = Field(default=None, max_length=NAME_LENGTH, nullable=True)
    created_at: datetime = created_field()
    expires_at: datetime = at_field(index=True)


class ShareItem(SQLModel, table=True):
    """Which wallet items a share shows."""

    __tablename__ = "share_items"

    share_id: str = Field(
        primary_key=True, foreign_key="shares.id", ondelete="CASCADE", max_length=36
    )
    wallet_item_id: str = Field(
        primary_key=True,
        foreign_key="wallet_items.id",
        ondelete="CASCADE",
        max_length=36,
        index=True,
    )
    position: int = Field(default=0)


class ShareAccess(SQLModel, table=True):
    """When a share was opened, for the holder to read. No IP address, no user agent."""

    __tablename__ = "share_accesses"

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntId)
    share_id: str = fk_field("shares.id", ondelete="CASCADE")
    accessed_at: datetime = at_field()
    kind: ShareAccessKind = Field(
        default=ShareAccessKind.VIEW, sa_type=EnumText(ShareAccessKind, 16), nullable=False
    )


class Consent(SQLModel, table=True):
    """A holder's recorded consent: a counsellor's custody of the wallet, or presentations
    signed on their behalf. Visible to the holder; ``ended_at`` when they take over or withdraw.
    ``wording`` is the exact text the holder agreed to."""

    __tablename__ = "consents"

    id: str = id_field()
    wallet_id: str = fk_field("wallets.id", ondelete="CASCADE")
    scope: ConsentScope = Field(sa_type=EnumText(ConsentScope, 16), nullable=False)
    counsellor_user_id: str | None = fk_field("users.id", nullable=True, ondelete="SET NULL")
    organisation_id: str | None = fk_field("organisations.id", nullable=True, ondelete="SET NULL")
    wording: str = text_field()
    recorded_at: datetime = at_field()
    ended_at: datetime | None = when_field()
    end_reason: str | None = Field(default=None, max_length=100, nullable=True)


class WalletCompetence(SQLModel, table=True):
    """A competence a wallet's **verified** badge asserts: the inverted index node -> holders
    that matching ranks candidates with, without walking the graph per wallet (issue 7).

    Rebuilt for a wallet item when it is added, re-verified or removed (cascade).
    """

    __tablename__ = "wallet_competences"
    __table_args__ = (
        sa.UniqueConstraint("wallet_item_id", "node_id"),
        sa.Index("ix_wallet_competences_node_wallet", "node_id", "wallet_id"),
    )

    id: int | None = Field(default=None, primary_key=True, sa_type=BigIntId)
    wallet_id: str = fk_field("wallets.id", ondelete="CASCADE")
    wallet_item_id: str = fk_field("wallet_items.id", ondelete="CASCADE", index=False)
    node_id: str = Field(max_length=URL_LENGTH)
    level: str | None = Field(default=None, max_length=50, nullable=True)


class CredentialOffer(SQLModel, table=True):
    """An OpenID4VCI credential offer (pre-authorized code flow) so a holder can take a badge
    into another wallet app. Codes and tokens are stored hashed; single use."""

    __tablename__ = "credential_offers"

    id: str = id_field()
    wallet_item_id: str = fk_field("wallet_items.id", ondelete="CASCADE")
    pre_authorized_code_hash: str = Field(max_length=HASH_LENGTH, unique=True)
    tx_code_hash: str | None = Field(default=None, max_length=HASH_LENGTH, nullable=True)
    access_token_hash: str | None = Field(
        default=None, max_length=HASH_LENGTH, unique=True, nullable=True
    )
    created_at: datetime = created_field()
    expires_at: datetime = at_field()
    redeemed_at: datetime | None = when_field()
