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
    "AUDITED_ROUTES",
    "NOT_AUDITED",
    "SELF_AUDITED",
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

# (method, route template, action, object type). Keys are the routes' own templates, so a test
# (tests/api/test_webapp_audit.py) can hold every unsafe route of the application against
# AUDITED, SELF_AUDITED and NOT_AUDITED: a new route that changes something and is in none of
# them fails it, and so does an entry whose route is gone. The first path parameter is the
# object id: a random id (credential row, batch, share, job, wallet), never a share token,
# claim code or anything personal; routes whose parameter is a secret have no ``{...}`` here.
_AUDITED_ROUTES: tuple[tuple[str, str, str, str], ...] = (
    # issuing, revoking
    ("POST", "/api/issuer/credentials", "credential.issued", "credential"),
    (
        "POST",
        "/api/issuer/credentials/{credential}/revoke",
        "credential.status_changed",
        "credential",
    ),
    (
        "POST",
        "/api/issuer/credentials/{credential}/reinstate",
        "credential.reinstated",
        "credential",
    ),
    ("POST", "/api/issuer/batches", "batch.submitted", "batch"),
    ("POST", "/api/issuer/batches/{batch_id}/resume", "batch.resumed", "batch"),
    ("POST", "/api/issuer/achievements", "achievement.created", "achievement"),
    ("POST", "/api/issuer/endorsements", "endorsement.created", "endorsement"),
    ("POST", "/api/issuer/organisations", "organisation.created", "organisation"),
    ("POST", "/formateur/observer/{achievement_id}", "credential.issued", "achievement"),
    ("POST", "/formateur/badges/{row_id}/statut", "credential.status_changed", "credential"),
    ("POST", "/formateur/serie/delivrer", "batch.submitted", "batch"),
    ("POST", "/formateur/serie/{batch_id}/reprendre", "batch.resumed", "batch"),
    ("POST", "/formateur/realisations", "achievement.created", "achievement"),
    ("POST", "/recommander", "endorsement.created", "endorsement"),
    # sharing, sending a badge elsewhere, consent
    ("POST", "/api/wallet/shares", "share.created", "share"),
    ("DELETE", "/api/wallet/shares/{share_id}", "share.withdrawn", "share"),
    ("POST", "/portefeuille/partager", "share.created", "share"),
    ("POST", "/portefeuille/partages/{share_id}/retirer", "share.withdrawn", "share"),
    ("POST", "/api/wallet/presentations", "presentation.created", "wallet"),
    ("POST", "/api/wallet/offers", "credential.offered", "wallet_item"),
    (
        "POST",
        "/portefeuille/badges/{item_id}/vers-une-application",
        "credential.offered",
        "wallet_item",
    ),
    ("POST", "/oid4vci/credential", "credential.transferred", "wallet_item"),
    ("PUT", "/api/wallet/consents/presentation", "consent.given", "wallet"),
    ("DELETE", "/api/wallet/consents/presentation", "consent.withdrawn", "wallet"),
    ("POST", "/portefeuille/accord-presentations", "consent.changed", "wallet"),
    # the wallet's content and its custody (a counsellor acting for someone)
    ("POST", "/api/wallet/claim", "claim.redeemed", "wallet_item"),
    ("POST", "/api/wallet/badges", "wallet_item.imported", "wallet_item"),
    ("POST", "/portefeuille/importer", "wallet_item.imported", "wallet_item"),
    ("DELETE", "/api/wallet", "wallet.erased", "wallet"),
    ("POST", "/api/wallet/custody", "custody.opened", "wallet"),
    ("POST", "/api/wallet/custody/hand-over", "custody.ended", "wallet"),
    ("POST", "/portefeuille/accompagnement", "custody.opened", "wallet"),
    ("POST", "/portefeuille/accompagnement/{wallet_id}/agir", "custody.acting", "wallet"),
    ("POST", "/portefeuille/accompagnement/{wallet_id}/rendre", "custody.ended", "wallet"),
    ("POST", "/portefeuille/accompagnement/quitter", "custody.stopped_acting", "wallet"),
    # sign-ins of the wallet API and pages that do not write their own row
    ("POST", "/api/wallet/login", "sign_in", "session"),
    ("POST", "/api/wallet/login/magic-link", "sign_in.link_requested", "login"),
    ("POST", "/portefeuille/lien-magique", "sign_in.link_requested", "login"),
    ("POST", "/portefeuille/sortir", "sign_out", "session"),
    # employers' job descriptions
    ("POST", "/jobs", "job.created", "job"),
    ("PUT", "/jobs/{job_id}", "job.updated", "job"),
    ("DELETE", "/jobs/{job_id}", "job.deleted", "job"),
    ("POST", "/employeur/postes", "job.created", "job"),
    ("POST", "/employeur/postes/{job_id}/exigences", "job.updated", "job"),
    ("POST", "/employeur/postes/{job_id}/exigences/{position}", "job.updated", "job"),
    ("POST", "/employeur/postes/{job_id}/statut", "job.status_changed", "job"),
)

# Routes that write their own, more precise row (outcome known inside, e.g. a refused code).
SELF_AUDITED: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/connexion"),
        ("POST", "/connexion/code/{token}"),
        ("POST", "/connexion/lien/{token}"),
        ("POST", "/deconnexion"),
        ("POST", "/api/tokens"),
        ("DELETE", "/api/tokens/{token_id}"),
        ("POST", "/demo/connexion/{who}"),
        ("POST", "/portefeuille/entrer/{token}"),
        ("POST", "/portefeuille/lien/{token}"),
        ("POST", "/portefeuille/supprimer"),
        ("POST", "/reclamer"),
        ("POST", "/metiers-proches/visibilite"),
        ("PUT", "/wallets/{wallet_id}/visibility"),
        ("DELETE", "/wallets/{wallet_id}/visibility"),
        ("POST", "/api/referentials/{slug}/{version}/drafts"),
        ("POST", "/api/referentials/{slug}/{version}/items"),
        ("POST", "/api/referentials/{slug}/{version}/organisations"),
        ("POST", "/api/referentials/{slug}/{version}/publish"),
        ("POST", "/referentials/{slug}/{version}/brouillon"),
        ("POST", "/referentials/{slug}/{version}/elements"),
        ("POST", "/referentials/{slug}/{version}/organisations"),
        ("POST", "/referentials/{slug}/{version}/publication"),
    }
)

# Unsafe methods that change nothing anyone would need to account for, with the reason.
NOT_AUDITED: dict[tuple[str, str], str] = {
    ("POST", "/verify"): "checks a credential; stores nothing (rate limited)",
    ("POST", "/verifier"): "checks a credential; stores nothing (rate limited)",
    ("POST", "/match"): "computes a ranking; stores nothing",
    ("POST", "/match/proposals"): "computes proposals; stores nothing",
    ("POST", "/formateur/serie/verifier"): "dry run of a bulk file; issues nothing",
    ("POST", "/formateur/reception/imprimer"): "renders a printable receipt; changes nothing",
    ("POST", "/portefeuille/partager/apercu"): "previews a share before it is created",
    ("POST", "/oid4vci/token"): "spends a pre-authorised code; /oid4vci/credential is audited",
}


def _compile(template: str) -> re.Pattern[str]:
    # "{name}" matches one path segment; the first one is captured as the object id.
    parts = re.split(r"(\{[^}]+\})", template)
    pattern, captured = "", False
    for part in parts:
        if part.startswith("{"):
            pattern += "[^/]+" if captured else "([^/]+)"
            captured = True
        else:
            pattern += re.escape(part)
    return re.compile(f"^{pattern}$")


AUDITED: tuple[tuple[str, re.Pattern[str], str, str], ...] = tuple(
    (method, _compile(template), action, object_type)
    for method, template, action, object_type in _AUDITED_ROUTES
)
AUDITED_ROUTES: frozenset[tuple[str, str]] = frozenset((m, t) for m, t, _, _ in _AUDITED_ROUTES)


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
