"""Wallet competences (matching's inverted index), OpenID4VCI credential offers, API
idempotency records, and the URL a status list was issued under.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 03:46:46.569834
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("request_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("response_body", sa.JSON(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_records")),
        sa.UniqueConstraint("scope", "key", name=op.f("uq_idempotency_records_scope_key")),
    )
    op.create_index(
        op.f("ix_idempotency_records_expires_at"),
        "idempotency_records",
        ["expires_at"],
        unique=False,
    )

    op.create_table(
        "credential_offers",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("wallet_item_id", sa.String(length=36), nullable=False),
        sa.Column("pre_authorized_code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("access_token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["wallet_item_id"],
            ["wallet_items.id"],
            name=op.f("fk_credential_offers_wallet_item_id_wallet_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credential_offers")),
        sa.UniqueConstraint(
            "access_token_hash", name=op.f("uq_credential_offers_access_token_hash")
        ),
        sa.UniqueConstraint(
            "pre_authorized_code_hash", name=op.f("uq_credential_offers_pre_authorized_code_hash")
        ),
    )
    op.create_index(
        op.f("ix_credential_offers_wallet_item_id"),
        "credential_offers",
        ["wallet_item_id"],
        unique=False,
    )

    op.create_table(
        "wallet_competences",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("wallet_id", sa.String(length=36), nullable=False),
        sa.Column("wallet_item_id", sa.String(length=36), nullable=False),
        sa.Column("node_id", sa.String(length=500), nullable=False),
        sa.Column("level", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["wallet_id"],
            ["wallets.id"],
            name=op.f("fk_wallet_competences_wallet_id_wallets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wallet_item_id"],
            ["wallet_items.id"],
            name=op.f("fk_wallet_competences_wallet_item_id_wallet_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_competences")),
        sa.UniqueConstraint(
            "wallet_item_id", "node_id", name=op.f("uq_wallet_competences_wallet_item_id_node_id")
        ),
    )
    op.create_index(
        op.f("ix_wallet_competences_node_wallet"),
        "wallet_competences",
        ["node_id", "wallet_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_wallet_competences_wallet_id"), "wallet_competences", ["wallet_id"], unique=False
    )

    op.add_column("status_lists", sa.Column("url", sa.String(length=500), nullable=True))
    op.create_index(op.f("ix_status_lists_url"), "status_lists", ["url"], unique=True)


def downgrade() -> None:
    # SQLite cannot drop a column in place: batch mode rebuilds the table (foreign keys are
    # switched off around migrations by storage.migrate, so the rebuild cascades nothing).
    op.drop_index(op.f("ix_status_lists_url"), table_name="status_lists")
    with op.batch_alter_table("status_lists") as batch_op:
        batch_op.drop_column("url")
    op.drop_table("wallet_competences")
    op.drop_table("credential_offers")
    op.drop_table("idempotency_records")
