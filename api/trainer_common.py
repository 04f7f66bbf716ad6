"""What the trainer's pages share: who may do what, the issuer context, form errors, statuses.

Roles (issue 8): organisation admins and issuers act (define achievements, issue, revoke);
reviewers only read. Each action is also bound to the organisation of what it touches
(``Principal.in_organisation``), so a trainer of one organisation never acts on another's badges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import col, select

from api.auth import Principal, Role, require_roles
from api.i18n import gettext
from api.issuer_public import ctx_of
from api.problems import ApiProblem
from api.security import require_csrf
from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import Credential, CredentialRecipient, CredentialState, Organisation

__all__ = [
    "ACT",
    "ACTOR",
    "ACTORS",
    "READ",
    "READER",
    "READERS",
    "FormErrors",
    "credential_row",
    "ctx",
    "organisations_of",
    "recipient_of",
    "require_org",
    "status_view",
]

ACTORS = (Role.ISSUER, Role.ORG_ADMIN)
READERS = (*ACTORS, Role.REVIEWER)
# Dependencies of the routes: reading pages, and forms that change something (CSRF first, so a
# forged form is refused before anything else is looked at).
_READS = require_roles(*READERS)
_ACTS = require_roles(*ACTORS)


def _issuing_member(request: Request, principal: Principal, *, acting: bool) -> Principal:
    """The role alone is not enough: a member of an employer's organisation is also its
    ``org_admin``. Trainer pages need a role in an organisation that issues badges."""
    if not organisations_of(request, principal, acting=acting):
        raise ApiProblem(
            403, "forbidden", gettext("Ces pages sont réservées aux organismes qui délivrent.")
        )
    return principal


def READER(request: Request, principal: Annotated[Principal, Depends(_READS)]) -> Principal:
    """Dependency: a member (admin, issuer or reviewer) of an issuing organisation."""
    return _issuing_member(request, principal, acting=False)


def ACTOR(request: Request, principal: Annotated[Principal, Depends(_ACTS)]) -> Principal:
    """Dependency: an admin or issuer of an issuing organisation."""
    return _issuing_member(request, principal, acting=True)


READ = [Depends(READER)]
ACT = [Depends(require_csrf), Depends(ACTOR)]


def ctx(request: Request) -> IssuerContext:
    return ctx_of(request)


def organisations_of(
    request: Request, principal: Principal, *, acting: bool = True
) -> list[Organisation]:
    """The issuing organisations where ``principal`` may act (or read), by name."""
    roles = ACTORS if acting else READERS
    ids = set().union(*(principal.organisations.get(r, frozenset()) for r in roles))
    if not ids:
        return []
    with session_scope(ctx(request).engine, write=False) as session:
        rows = session.exec(
            select(Organisation)
            .where(col(Organisation.id).in_(sorted(ids)))
            .where(col(Organisation.issuer_id).is_not(None))
            .order_by(col(Organisation.name))
        ).all()
        return list(rows)


def require_org(principal: Principal, organisation_id: str, *, acting: bool = True) -> None:
    """403 unless the principal acts (or reads) for ``organisation_id``."""
    roles = ACTORS if acting else READERS
    if not principal.in_organisation(organisation_id, *roles):
        raise ApiProblem(
            403, "forbidden", gettext("Vous ne délivrez pas de badges pour cet organisme.")
        )


@dataclass
class FormErrors:
    """Errors of a form, in the order of the fields: shown next to each field and in the error
    summary at the top, with the same words (reliability-ux.md B4, GOV.UK error summary)."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, field_id: str, message: str) -> None:
        self.messages.setdefault(field_id, message)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def get(self, field_id: str) -> str | None:
        return self.messages.get(field_id)

    def items(self) -> list[tuple[str, str]]:
        return list(self.messages.items())


def status_view(
    state: str, *, valid_until: datetime | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Words and an icon for a badge's state (never colour alone: WCAG 1.4.1)."""
    if valid_until is not None and valid_until.tzinfo is None:
        valid_until = valid_until.replace(tzinfo=UTC)
    if state == CredentialState.ACTIVE and valid_until and now and valid_until <= now:
        return {"icon": "⌛", "words": gettext("Expiré"), "css": "etat-suspendu"}
    if state == CredentialState.REVOKED:
        return {"icon": "✖", "words": gettext("Retiré (révoqué)"), "css": "etat-retire"}
    if state == CredentialState.SUSPENDED:
        return {"icon": "⏸", "words": gettext("Suspendu"), "css": "etat-suspendu"}
    return {"icon": "✔", "words": gettext("Valable"), "css": "etat-valable"}


def credential_row(request: Request, principal: Principal, row_id: str) -> Credential:
    """A credential the principal may read (reviewers included)."""
    with session_scope(ctx(request).engine, write=False) as session:
        row = session.get(Credential, row_id)
    if row is None:
        raise ApiProblem(404, "credential_not_found", gettext("Ce badge n'existe pas."))
    require_org(principal, row.organisation_id, acting=False)
    return row


def recipient_of(request: Request, row_id: str) -> CredentialRecipient | None:
    with session_scope(ctx(request).engine, write=False) as session:
        return session.get(CredentialRecipient, row_id)
