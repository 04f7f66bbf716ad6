"""Issuing, revoking and sharing leave one audit row each, with no personal data."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import select

from api.app import create_app
from api.audit import AUDITED_ROUTES, NOT_AUDITED, SELF_AUDITED, audited_action, record
from api.demo import DEMO_PEOPLE, seed_demo
from api.settings import Settings
from storage.engine import DatabaseSettings, create_engine, session_scope
from storage.tables import AuditEvent, Credential, User
from tests.api.webapp_fixtures import Web, signed_in


def _user(web: Web, email: str) -> str:
    with session_scope(web.engine, write=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return user.id


def _events(web: Web) -> list[AuditEvent]:
    with session_scope(web.engine, write=False) as session:
        return list(session.exec(select(AuditEvent)).all())


def test_revoking_through_the_api_is_audited_without_the_reason(web: Web) -> None:
    seed_demo(web.app)
    trainer = _user(web, DEMO_PEOPLE[0].email)
    with session_scope(web.engine, write=False) as session:
        credential = session.exec(select(Credential)).first()
        assert credential is not None
    client = signed_in(web, trainer)
    response = client.post(
        f"/api/issuer/credentials/{credential.id}/revoke",
        json={"reason": "Samir a demandé le retrait"},
    )
    assert response.status_code < 400, response.text
    rows = [e for e in _events(web) if e.action == "credential.status_changed"]
    assert len(rows) == 1
    assert rows[0].object_id == credential.id
    assert rows[0].actor == f"user:{trainer}"
    assert str(rows[0].outcome) == "success"
    assert "Samir" not in repr(rows[0].details)


def test_refused_issuing_is_audited_as_denied(web: Web) -> None:
    seed_demo(web.app)
    beneficiary = _user(web, DEMO_PEOPLE[2].email)
    client = signed_in(web, beneficiary)
    refused = client.post("/api/issuer/credentials", json={"achievement_id": "x"})
    assert refused.status_code == 403
    rows = [e for e in _events(web) if e.action == "credential.issued"]
    assert [str(r.outcome) for r in rows] == ["denied"]


def test_share_endpoints_and_page_forms_are_classified() -> None:
    assert audited_action("POST", "/portefeuille/partager") == ("share.created", "share", None)
    assert audited_action("POST", "/portefeuille/partages/abc/retirer") == (
        "share.withdrawn",
        "share",
        "abc",
    )
    assert audited_action("DELETE", "/api/wallet/shares/abc") == ("share.withdrawn", "share", "abc")
    assert audited_action("GET", "/api/wallet/shares") is None
    assert audited_action("POST", "/formateur/observer/ach-1") == (
        "credential.issued",
        "achievement",
        "ach-1",
    )


def test_details_never_keep_an_email_or_unknown_keys(web: Web) -> None:
    record(
        web.engine,
        "sign_in",
        "session",
        None,
        actor="user:1",
        details={"email": "a@b.fr", "reason_code": "x@y.org", "via": "magic_link"},
    )
    (event,) = _events(web)
    assert event.details == {"via": "magic_link"}


UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unsafe_routes(db_url: str, home: Path) -> set[tuple[str, str]]:
    engine = create_engine(DatabaseSettings(url=db_url))
    try:
        app = create_app(Settings(home=home, database_url=db_url, demo=True), engine=engine)
        return {
            (method, str(context.path))
            for context in iter_route_contexts(app.routes)
            if isinstance(context.original_route, APIRoute)
            for method in context.methods or ()
            if method in UNSAFE
        }
    finally:
        engine.dispose()


def test_every_route_that_changes_something_is_audited_or_says_why_not(
    db_url: str, tmp_path: Path
) -> None:
    routes = _unsafe_routes(db_url, tmp_path)
    declared = AUDITED_ROUTES | SELF_AUDITED | set(NOT_AUDITED)
    forgotten = sorted(routes - declared)
    assert not forgotten, (
        f"add these to api.audit (AUDITED, SELF_AUDITED or NOT_AUDITED): {forgotten}"
    )
    stale = sorted(declared - routes)
    assert not stale, f"api.audit lists routes the application no longer has: {stale}"
    assert not AUDITED_ROUTES & SELF_AUDITED  # one row per action, not two
    assert all(reason for reason in NOT_AUDITED.values())


def test_trainer_resume_achievement_and_endorsement_forms_are_audited() -> None:
    assert audited_action("POST", "/formateur/serie/b-1/reprendre") == (
        "batch.resumed",
        "batch",
        "b-1",
    )
    assert audited_action("POST", "/formateur/realisations") == (
        "achievement.created",
        "achievement",
        None,
    )
    assert audited_action("POST", "/recommander") == ("endorsement.created", "endorsement", None)
    assert audited_action("POST", "/formateur/serie/verifier") is None  # a dry run
    assert audited_action("POST", "/employeur/postes/j-1/exigences/2") == (
        "job.updated",
        "job",
        "j-1",
    )


def test_resuming_a_batch_from_the_trainer_page_leaves_a_row(web: Web) -> None:
    seed_demo(web.app)
    trainer = _user(web, DEMO_PEOPLE[0].email)
    client = signed_in(web, trainer)
    client.post("/formateur/serie/inconnu/reprendre", data={"csrf_token": "x"})
    rows = [e for e in _events(web) if e.action == "batch.resumed"]
    assert len(rows) == 1
    assert rows[0].object_id == "inconnu"
    assert rows[0].actor == f"user:{trainer}"
