"""Write rules enforced in the ORM before anything reaches the database.

- A published (or retired) referential cannot change, except to be retired; it cannot be
  deleted. Credentials cite its items by ``slug``/``version`` URL (DESIGN.md §3.1).
- A stored credential's signed text and identity columns never change: the exact bytes are the
  record (DESIGN.md §7).
- Audit events are append-only (reliability-ux.md A7).

The listener is registered on every SQLAlchemy ``Session`` when this module is imported (which
importing :mod:`storage.tables` does). Bulk ``UPDATE``/``DELETE`` statements bypass the ORM and so
these rules; code that writes such rows uses the ORM.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from storage.errors import ImmutableRecordError
from storage.tables.catalogue import Referential, ReferentialStatus
from storage.tables.issuing import Credential
from storage.tables.system import AuditEvent

_FROZEN_REFERENTIAL_STATES = (ReferentialStatus.PUBLISHED, ReferentialStatus.RETIRED)
# What may still change on a published referential: retiring it.
_REFERENTIAL_RETIREMENT_COLUMNS = frozenset({"status", "retired_at"})
_CREDENTIAL_FROZEN_COLUMNS = (
    "credential_id",
    "signed_text",
    "content_sha256",
    "format",
    "proof_suite",
    "organisation_id",
    "issuer_key_id",
    "achievement_id",
    "issued_at",
    "valid_from",
    "valid_until",
)


def _committed(obj: Any, name: str) -> Any:
    history = sa.inspect(obj).attrs[name].history
    committed = list(history.deleted) or list(history.unchanged)
    return committed[0] if committed else None


def _changed_columns(obj: Any) -> set[str]:
    state = sa.inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def _check_referential(obj: Referential, *, deleting: bool) -> None:
    was = _committed(obj, "status")
    if was not in _FROZEN_REFERENTIAL_STATES:
        return
    label = f"{obj.slug} {obj.version}"
    if deleting:
        raise ImmutableRecordError(
            f"Le référentiel {label} est publié : il ne peut pas être supprimé."
        )
    changed = _changed_columns(obj)
    if changed - _REFERENTIAL_RETIREMENT_COLUMNS or obj.status not in _FROZEN_REFERENTIAL_STATES:
        raise ImmutableRecordError(
            f"Le référentiel {label} est publié : il ne peut plus être modifié. "
            "Publiez une nouvelle version."
        )


def _check_credential(obj: Credential) -> None:
    changed = _changed_columns(obj).intersection(_CREDENTIAL_FROZEN_COLUMNS)
    if changed:
        raise ImmutableRecordError(
            "Un badge délivré ne peut pas être modifié "
            f"(colonnes {', '.join(sorted(changed))}) : délivrez-en un nouveau qui le remplace."
        )


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    for obj in session.dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        if isinstance(obj, Referential):
            _check_referential(obj, deleting=False)
        elif isinstance(obj, Credential):
            _check_credential(obj)
        elif isinstance(obj, AuditEvent):
            raise ImmutableRecordError("Le journal d'audit ne peut pas être modifié.")
    for obj in session.deleted:
        if isinstance(obj, Referential):
            _check_referential(obj, deleting=True)
        elif isinstance(obj, AuditEvent):
            raise ImmutableRecordError("Le journal d'audit ne peut pas être modifié.")


if not sa.event.contains(Session, "before_flush", _before_flush):
    sa.event.listen(Session, "before_flush", _before_flush)
