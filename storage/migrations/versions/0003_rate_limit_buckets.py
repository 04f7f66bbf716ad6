"""Rate-limit counters in the database, shared by every web worker.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 06:07:10.037610
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_limit_buckets",
        sa.Column("bucket", sa.String(length=50), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("window_end", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "bucket", "client_key", "window_start", name=op.f("pk_rate_limit_buckets")
        ),
    )
    op.create_index(
        op.f("ix_rate_limit_buckets_window_end"), "rate_limit_buckets", ["window_end"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_limit_buckets_window_end"), table_name="rate_limit_buckets")
    op.drop_table("rate_limit_buckets")
