"""Referentials as published, the achievements built from them, and endorsements.

A published referential is immutable: its ``(slug, version)`` is cited by every credential's
alignments (``targetUrl`` = ``{base}/referentials/{slug}/{version}/competences/{code}``), so a
change must be a new version. :mod:`storage.guards` refuses, at flush time, any update to a
published row other than retiring it, and any delete.
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
    created_field,
    fk_field,
    id_field,
    json_field,
    text_field,
    when_field,
)
from storage.types import EnumText


class ReferentialStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"  # still resolvable (credentials cite it), no longer offered for new badges


class DocumentFormat(StrEnum):
    YAML = "yaml"
    JSON = "json"


class Referential(SQLModel, table=True):
    """One version of a competence referential, as its canonical document (YAML or JSON text).

    The graph, item pages and CASE export are derived from ``document``; ``document_sha256`` lets
    a reader check they were derived from these exact bytes.
    """

    __tablename__ = "referentials"
    __table_args__ = (sa.UniqueConstraint("slug", "version"),)

    id: str = id_field()
    slug: str = Field(max_length=100, index=True)
    version: str = Field(max_length=50)
    title: str = Field(max_length=NAME_LENGTH)
    status: ReferentialStatus = Field(
        default=ReferentialStatus.DRAFT, sa_type=EnumText(ReferentialStatus, 16), nullable=False
    )
    document_format: DocumentFormat = Field(sa_type=EnumText(DocumentFormat, 8), nullable=False)
    document: str = text_field()
    document_sha256: str = Field(max_length=HASH_LENGTH)
    organisation_id: str | None = fk_field("organisations.id", nullable=True, ondelete="SET NULL")
    created_at: datetime = created_field()
    published_at: datetime | None = when_field()
    retired_at: datetime | None = when_field()


class Achievement(SQLModel, table=True):
    """An OB 3.0 ``Achievement`` an organisation issues, built from items of one published
    referential version (``items``: the item codes; a block stands for its mandatory
    competences). ``achievement`` is the JSON object embedded in credentials.
    """

    __tablename__ = "achievements"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["referential_slug", "referential_version"],
            ["referentials.slug", "referentials.version"],
            ondelete="RESTRICT",
        ),
        sa.Index("ix_achievements_referential", "referential_slug", "referential_version"),
    )

    id: str = id_field()
    organisation_id: str = fk_field("organisations.id", ondelete="RESTRICT")
    name: str = Field(max_length=NAME_LENGTH)
    referential_slug: str = Field(max_length=100)
    referential_version: str = Field(max_length=50)
    items: list[str] = json_field(default_factory=list)
    achievement: dict[str, Any] = json_field()
    created_at: datetime = created_field()
    updated_at: datetime | None = when_field()
    archived_at: datetime | None = when_field()


class Endorsement(SQLModel, table=True):
    """An employer's signed ``EndorsementCredential`` of an achievement or of a referential,
    kept as its exact signed text."""

    __tablename__ = "endorsements"
    __table_args__ = (
        sa.CheckConstraint(
            "(achievement_id IS NOT NULL) OR (referential_id IS NOT NULL)", name="has_subject"
        ),
    )

    id: str = id_field()
    endorser_organisation_id: str = fk_field("organisations.id", ondelete="RESTRICT")
    achievement_id: str | None = fk_field("achievements.id", nullable=True, ondelete="CASCADE")
    referential_id: str | None = fk_field("referentials.id", nullable=True, ondelete="RESTRICT")
    credential_id: str = Field(max_length=500, unique=True)
    signed_text: str = text_field()
    comment: str | None = text_field(nullable=True)
    created_at: datetime = created_field()
