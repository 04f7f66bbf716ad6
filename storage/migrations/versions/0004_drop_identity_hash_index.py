"""Drop the index on credentials.recipient_identity_hash: no query can use it.

The identity hash is salted per credential (OB 3.0 ``IdentityObject``), so it cannot be looked
up; recipients are found by ``credential_recipients.lookup_hmac``. Its random keys cost every
issued badge an index insertion on a random page (``bench.storage``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_credentials_recipient_identity_hash"), table_name="credentials")


def downgrade() -> None:
    op.create_index(
        op.f("ix_credentials_recipient_identity_hash"),
        "credentials",
        ["recipient_identity_hash"],
        unique=False,
    )
