"""Jobs (or placements, apprenticeship offers), their requirements, and who may be found.

A requirement names a node of the skills graph (a referential item URL, an ESCO URI or a ROME
fiche code) as ``node_id``; the graph itself is derived from the referentials, not stored here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from storage.tables.base import (
    NAME_LENGTH,
    URL_LENGTH,
    created_field,
    fk_field,
    id_field,
    json_field,
    text_field,
    when_field,
)
from storage.types import EnumText


class JobKind(StrEnum):
    JOB = "job"
    PLACEMENT = "placement"
    APPRENTICESHIP = "apprenticeship"


class JobStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"


class Job(SQLModel, table=True):
    """A job described by the competences it needs. ``source`` keeps the authored form (the
    YAML document or the API payload) for display and re-editing."""

    __tablename__ = "jobs"

    id: str = id_field()
    organisation_id: str | None = fk_field("organisations.id", nullable=True, ondelete="CASCADE")
    title: str = Field(max_length=NAME_LENGTH)
    description: str | None = text_field(nullable=True)
    kind: JobKind = Field(default=JobKind.JOB, sa_type=EnumText(JobKind, 16), nullable=False)
    status: JobStatus = Field(
        default=JobStatus.DRAFT, sa_type=EnumText(JobStatus, 16), nullable=False, index=True
    )
    location: str | None = Field(default=None, max_length=NAME_LENGTH, nullable=True)
    source: dict[str, Any] = json_field()
    created_at: datetime = created_field()
    updated_at: datetime | None = when_field()


class JobRequirement(SQLModel, table=True):
    """One requirement: a graph node, mandatory or optional, with an expected level."""

    __tablename__ = "job_requirements"
    __table_args__ = (sa.UniqueConstraint("job_id", "node_id"),)

    id: str = id_field()
    job_id: str = fk_field("jobs.id", ondelete="CASCADE", index=False)
    position: int = Field(default=0)
    node_id: str = Field(max_length=URL_LENGTH, index=True)
    node_kind: str = Field(max_length=32)
    label: str = Field(max_length=500)
    mandatory: bool = Field(default=True)
    expected_level: str | None = Field(default=None, max_length=50, nullable=True)


class MatchingOptIn(SQLModel, table=True):
    """A wallet whose holder agreed to be found by employers. Withdrawing deletes the row.
    ``disclosure`` says what they agreed to show (e.g. which referentials, a first name)."""

    __tablename__ = "matching_optins"

    wallet_id: str = Field(
        primary_key=True, foreign_key="wallets.id", ondelete="CASCADE", max_length=36
    )
    disclosure: dict[str, Any] = json_field()
    opted_in_at: datetime = created_field()
