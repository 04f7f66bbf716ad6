"""Audit events of issuing actions (reliability-ux.md A7): who (a pseudonymous actor id such as
``user:<id>``, ``token:<id>`` or ``cli``), did what, to which object, written in the same
transaction as the action itself. Never personal data: ids only."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from issuer.context import IssuerContext
from storage.tables import AuditEvent, AuditOutcome

__all__ = ["audit"]


def audit(
    ctx: IssuerContext,
    session: Session,
    action: str,
    object_type: str,
    object_id: str | None,
    *,
    actor: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            occurred_at=ctx.now(),
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            outcome=AuditOutcome.SUCCESS,
            details=details or {},
        )
    )
