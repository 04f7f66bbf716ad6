"""The audit log of the web side: sign-ins, issuing, revoking, sharing, refused access.

One append-only ``audit_events`` row per action (reliability-ux.md A7; ASVS 16.2.1–16.2.5,
16.3.1–16.3.3): UTC time, pseudonymous actor (``user:<random id>``, ``token:<id>``), action,
object type and id, outcome, request id. **No personal data**: no name, e-mail, phone, address,
IP or badge content may be passed in ``details``; :func:`record` drops any detail key outside a
short allow-list and any value that looks like an e-mail address, so a careless caller cannot
leak one. A failure to write the log never hides the action's own outcome: it is logged and the
request goes on (the action's own transaction has already committed or not).
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.engine import session_scope
from storage.tables import AuditEvent, AuditOutcome

__all__ = [
    "ALLOWED_DETAILS",
    "AuditMiddleware",
    "audit_request",
    "audited_action",
    "record",
    "record_in",
]

log = logging.getLogger("atouts.audit")

ALLOWED_DETAILS = frozenset(
    {
        "missing",
        "method",
        "purpose",
        "count",
        "issued",
        "failed",
        "reason_code",
        "scope",
        "state",
        "status",
        "achievement_id",
        "organisation_id",
        "wallet_id",
        "share_id",
        "batch_id",
        "referential",
        "version",
        "via",
        "kind",
        "audience",
    }
)
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _clean(details: dict[str, Any] | None) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for key, value in (details or {}).items():
        if key not in ALLOWED_DETAILS:
            continue
        if isinstance(value, str) and (_EMAIL.search(value) or len(value) > 200):
            continue
        if isinstance(value, str | int | float | bool) or value is None:
            cleaned[key] = value
    return cleaned


def _event(
    action: str,
    object_type: str,
    object_id: str | None,
    *,
    outcome: str,
    actor: str | None,
    request_id: str | None,
    details: dict[str, Any] | None,
    at: datetime | None,
) -> AuditEvent:
    return AuditEvent(
        occurred_at=(at or datetime.now(UTC)).astimezone(UTC),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=AuditOutcome(outcome),
        request_id=request_id,
        details=_clean(details),
    )


def record_in(
    session: Session,
    action: str,
    object_type: str,
    object_id: str | None = None,
    *,
    outcome: str = "success",
    actor: str | None = None,
    request_id: str | None = None,
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add the row to the caller's transaction (same commit as the action it records)."""
    session.add(
        _event(
            action,
            object_type,
            object_id,
            outcome=outcome,
            actor=actor,
            request_id=request_id,
            details=details,
            at=at,
        )
    )


def record(
    engine: Engine,
    action: str,
    object_type: str,
    object_id: str | None = None,
    **kwargs: Any,
) -> None:
    """Write the row in its own transaction; never raises (see the module docstring)."""
    try:
        with session_scope(engine) as session:
            record_in(session, action, object_type, object_id, **kwargs)
    except Exception:
        log.exception("audit row not written: %s %s", action, object_type)


def audit_request(
    request: Request,
    action: str,
    object_type: str,
    object_id: str | None = None,
    *,
    outcome: str = "success",
    actor: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """:func:`record` with the request's id, actor (the signed-in principal) and clock."""
    from api.database import app_engine

    if actor is None:
        principal = getattr(request.state, "principal", None)
        actor = getattr(principal, "actor", None) or "anonymous"
    clock = getattr(request.app.state, "clock", None)
    try:
        engine = app_engine(request.app)
    except Exception:
        log.exception("audit row not written: no database")
        return
    record(
        engine,
        action,
        object_type,
        object_id,
        outcome=outcome,
        actor=actor,
        request_id=getattr(request.state, "request_id", None),
        details=details,
        at=clock() if clock else None,
    )


# -- actions audited from the outside of the routes --------------------------------------------

# (method, path pattern, action, object type): the issuing, revoking and sharing endpoints of
# the API and of the pages. The captured group is a random id (credential row, batch, share),
# never a share token or anything personal.
AUDITED: tuple[tuple[str, re.Pattern[str], str, str], ...] = tuple(
    (method, re.compile(pattern), action, object_type)
    for method, pattern, action, object_type in (
        ("POST", r"^/api/issuer/credentials$", "credential.issued", "credential"),
        (
            "POST",
            r"^/api/issuer/credentials/([^/]+)/revoke$",
            "credential.status_changed",
            "credential",
        ),
        (
            "POST",
            r"^/api/issuer/credentials/([^/]+)/reinstate$",
            "credential.reinstated",
            "credential",
        ),
        ("POST", r"^/api/issuer/batches$", "batch.submitted", "batch"),
        ("POST", r"^/api/issuer/batches/([^/]+)/resume$", "batch.resumed", "batch"),
        ("POST", r"^/formateur/observer/([^/]+)$", "credential.issued", "achievement"),
        ("POST", r"^/formateur/badges/([^/]+)/statut$", "credential.status_changed", "credential"),
        ("POST", r"^/formateur/serie/delivrer$", "batch.submitted", "batch"),
        ("POST", r"^/api/wallet/shares$", "share.created", "share"),
        ("DELETE", r"^/api/wallet/shares/([^/]+)$", "share.withdrawn", "share"),
        ("POST", r"^/portefeuille/partager$", "share.created", "share"),
        ("POST", r"^/portefeuille/partages/([^/]+)/retirer$", "share.withdrawn", "share"),
    )
)


def audited_action(method: str, path: str) -> tuple[str, str, str | None] | None:
    for wanted, pattern, action, object_type in AUDITED:
        if method == wanted:
            match = pattern.match(path)
            if match:
                return action, object_type, match.group(1) if match.groups() else None
    return None


class AuditMiddleware:
    """Records the audited actions (``AUDITED``) with their outcome once they have answered.

    Success is any answer below 400 (pages answer 303 after a form); 401/403 are refusals,
    recorded as ``denied``; the rest as ``failure``. Runs after the response is sent.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        found = audited_action(scope["method"], scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        status: list[int] = []

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, capture)
        code = status[0] if status else 500
        outcome = "success" if code < 400 else "denied" if code in (401, 403) else "failure"
        action, object_type, object_id = found
        request = Request(scope, receive)
        from anyio import to_thread

        await to_thread.run_sync(
            lambda: audit_request(
                request,
                action,
                object_type,
                object_id,
                outcome=outcome,
                actor=_actor_of(request),
                details={"status": code},
            )
        )


def _actor_of(request: Request) -> str:
    from api.auth import current_principal

    try:
        principal = current_principal(request)
    except Exception:  # an invalid token: the route already refused it
        return "anonymous"
    return principal.actor if principal is not None else "anonymous"
