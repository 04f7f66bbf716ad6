"""What an organisation issued, searched the same way by the trainer's page « Badges délivrés »
(``api.trainer_badges``) and by the JSON API (``GET /api/issuer/credentials``), so the two never
disagree on which badges a filter finds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import col, or_, select

from storage.engine import session_scope
from storage.tables import Achievement, Credential, CredentialRecipient

__all__ = ["STATES", "IssuedFilter", "issued_rows"]

STATES = ("active", "suspended", "revoked")


@dataclass(frozen=True, slots=True)
class IssuedFilter:
    query: str = ""  # words of the person's name or contact, or of the badge's name
    state: str = ""  # one of STATES, or anything else for every state
    achievement_id: str = ""


def issued_rows(
    engine: Engine,
    organisation_ids: list[str],
    wanted: IssuedFilter,
    *,
    offset: int,
    limit: int,
) -> list[tuple[Credential, Achievement, CredentialRecipient | None]]:
    """Newest first (then by id, so pages never overlap)."""
    statement = (
        select(Credential, Achievement, CredentialRecipient)
        .join(Achievement, col(Achievement.id) == col(Credential.achievement_id))
        .join(
            CredentialRecipient,
            col(CredentialRecipient.credential_id) == col(Credential.id),
            isouter=True,
        )
        .where(col(Credential.organisation_id).in_(organisation_ids or [""]))
    )
    if wanted.state in STATES:
        statement = statement.where(col(Credential.state) == wanted.state)
    if wanted.achievement_id:
        statement = statement.where(col(Credential.achievement_id) == wanted.achievement_id)
    if wanted.query:
        like = f"%{wanted.query.lower()}%"
        statement = statement.where(
            or_(
                col(CredentialRecipient.display_name).ilike(like),
                col(CredentialRecipient.contact).ilike(like),
                col(Achievement.name).ilike(like),
            )
        )
    statement = statement.order_by(col(Credential.issued_at).desc(), col(Credential.id))
    with session_scope(engine, write=False) as session:
        return list(session.exec(statement.offset(offset).limit(limit)).all())
