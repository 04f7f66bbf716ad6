"""Passwordless sign-in, sessions, roles read from the database, API tokens with scopes, audit."""

from __future__ import annotations

import re

from sqlmodel import select

from api.auth import (
    MAX_CODE_ATTEMPTS,
    SESSION_COOKIE,
    Role,
    issue_login,
    pepper,
    principal_for_user,
)
from storage.engine import session_scope
from storage.tables import AuditEvent, LoginPurpose, MemberRole, OutboxMessage
from tests.api.webapp_fixtures import (
    NOW,
    Web,
    add_member,
    add_org,
    add_user,
    add_wallet,
    csrf_of,
    signed_in,
)

LINK = re.compile(r"/connexion/lien/([A-Za-z0-9_-]+)")


def _ask_link(web: Web, email: str) -> None:
    token = csrf_of(web.client.get("/connexion").text)
    response = web.client.post("/connexion", data={"email": email, "csrf_token": token})
    assert response.status_code == 200
    assert "Regardez vos e-mails" in response.text


def test_magic_link_opens_one_session_and_only_once(web: Web) -> None:
    user = add_user(web.engine, "Awa", "awa@example.org")
    _ask_link(web, "Awa@Example.org ")
    with session_scope(web.engine, write=False) as session:
        message = session.exec(select(OutboxMessage)).one()
    token = LINK.search(message.body).group(1)  # type: ignore[union-attr]
    page = web.client.get(f"/connexion/lien/{token}")
    assert page.status_code == 200  # a GET (mail link checkers) does not spend the link
    opened = web.client.post(
        f"/connexion/lien/{token}", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False
    )
    assert opened.status_code == 303
    assert opened.headers["location"] == "/mon-espace"
    cookie = opened.headers["set-cookie"]
    assert SESSION_COOKIE in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    me = web.client.get("/api/me").json()
    assert me["user_id"] == user
    assert me["roles"] == ["beneficiary"]
    web.client.cookies.clear()
    page = web.client.get(f"/connexion/lien/{token}")
    again = web.client.post(f"/connexion/lien/{token}", data={"csrf_token": csrf_of(page.text)})
    assert again.status_code == 400
    assert again.json()["code"] == "login_link_invalid"


def test_unknown_address_gets_the_same_answer_and_no_message(web: Web) -> None:
    _ask_link(web, "personne@example.org")
    with session_scope(web.engine, write=False) as session:
        assert session.exec(select(OutboxMessage)).all() == []


def test_personal_link_needs_the_code_and_locks_after_wrong_tries(web: Web) -> None:
    user = add_user(web.engine, "Karim")
    key = pepper(web.home)
    issued = issue_login(
        web.engine, user, now=NOW, purpose=LoginPurpose.PERSONAL_LINK, pepper_key=key
    )
    assert issued.code is not None
    assert len(issued.code) == 6
    page = web.client.get(f"/connexion/code/{issued.token}")
    assert page.status_code == 200
    token = csrf_of(page.text)
    wrong = web.client.post(
        f"/connexion/code/{issued.token}",
        data={"code": "000000" if issued.code != "000000" else "111111", "csrf_token": token},
    )
    assert wrong.status_code == 400
    right = web.client.post(
        f"/connexion/code/{issued.token}",
        data={"code": issued.code, "csrf_token": token},
        follow_redirects=False,
    )
    assert right.status_code == 303

    other = issue_login(
        web.engine, user, now=NOW, purpose=LoginPurpose.PERSONAL_LINK, pepper_key=key
    )
    bad = "000000" if other.code != "000000" else "111111"
    for _ in range(MAX_CODE_ATTEMPTS):
        web.client.post(f"/connexion/code/{other.token}", data={"code": bad, "csrf_token": token})
    locked = web.client.post(
        f"/connexion/code/{other.token}", data={"code": other.code, "csrf_token": token}
    )
    assert locked.status_code == 400  # even the right code no longer opens it


def test_roles_come_from_memberships_wallets_and_organisation_kind(web: Web) -> None:
    trainer_org = add_org(web.engine, "of-exemple", issuing=True)
    employer_org = add_org(web.engine, "boulangerie", issuing=False)
    issuer = add_user(web.engine, "Formatrice")
    add_member(web.engine, issuer, trainer_org, MemberRole.ISSUER)
    reviewer = add_user(web.engine, "Relecteur")
    add_member(web.engine, reviewer, trainer_org, MemberRole.REVIEWER)
    boss = add_user(web.engine, "Patronne")
    add_member(web.engine, boss, employer_org, MemberRole.ADMIN)
    holder = add_user(web.engine, "Jeune")
    wallet = add_wallet(web.engine, holder)
    with session_scope(web.engine, write=False) as session:
        assert principal_for_user(session, issuer).roles == {Role.ISSUER, Role.COUNSELLOR}
        assert principal_for_user(session, reviewer).roles == {Role.REVIEWER}
        employer = principal_for_user(session, boss)
        assert employer.roles == {Role.ORG_ADMIN, Role.EMPLOYER}
        assert employer.organisation_for(Role.EMPLOYER) == employer_org
        beneficiary = principal_for_user(session, holder)
        assert beneficiary.roles == {Role.BENEFICIARY}
        assert beneficiary.may_act_for_wallet(wallet)


def test_api_token_acts_within_its_scopes_and_stops_when_revoked(web: Web) -> None:
    org = add_org(web.engine, "of-jetons", issuing=True)
    admin = add_user(web.engine, "Admin")
    add_member(web.engine, admin, org, MemberRole.ADMIN)
    client = signed_in(web, admin)
    created = client.post(
        "/api/tokens", json={"name": "import nocturne", "scopes": ["referentials:read"]}
    )
    assert created.status_code == 201, created.text
    raw = created.json()["token"]
    assert raw.startswith("atk_")
    listed = client.get("/api/tokens").json()
    assert [t["token"] for t in listed] == [None]  # shown once only

    program = signed_in(web, admin)
    program.cookies.clear()
    bearer = {"authorization": f"Bearer {raw}"}
    me = program.get("/api/me", headers=bearer).json()
    assert me["scopes"] == ["referentials:read"]
    assert "org_admin" in me["roles"]
    refused = program.post(
        "/api/referentials/btp-blocs-exemple/1.0/drafts", json={"version": "9.9"}, headers=bearer
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"

    assert client.delete(f"/api/tokens/{created.json()['id']}").status_code == 204
    gone = program.get("/api/me", headers=bearer)
    assert gone.status_code == 401
    assert gone.json()["code"] == "token_invalid"


def test_audit_log_records_sign_ins_and_refusals_without_personal_data(web: Web) -> None:
    add_user(web.engine, "Awa Diallo", "awa.diallo@example.org")
    _ask_link(web, "awa.diallo@example.org")
    with session_scope(web.engine, write=False) as session:
        token = LINK.search(session.exec(select(OutboxMessage)).one().body).group(1)  # type: ignore[union-attr]
    page = web.client.get(f"/connexion/lien/{token}")
    web.client.post(f"/connexion/lien/{token}", data={"csrf_token": csrf_of(page.text)})
    denied = web.client.get("/api/tokens")
    assert denied.status_code == 403
    with session_scope(web.engine, write=False) as session:
        events = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()  # type: ignore[arg-type]
    actions = [(e.action, str(e.outcome)) for e in events]
    assert ("sign_in", "success") in actions
    assert ("access.denied", "denied") in actions
    dumped = repr([(e.actor, e.object_id, e.details) for e in events])
    assert "awa" not in dumped.lower()
    assert "diallo" not in dumped.lower()
    assert all(e.request_id for e in events)


def test_sign_in_goes_back_to_the_page_asked_for_and_never_elsewhere(web: Web) -> None:
    add_user(web.engine, "Lina", "lina@example.org")
    page = web.client.get("/connexion", params={"suivant": "/referentiels"})
    web.client.post(
        "/connexion",
        data={
            "email": "lina@example.org",
            "suivant": "/referentiels",
            "csrf_token": csrf_of(page.text),
        },
    )
    add_user(web.engine, "Eve", "eve@example.org")
    web.client.post(
        "/connexion",
        data={
            "email": "eve@example.org",
            "suivant": "https://evil.example/",
            "csrf_token": csrf_of(page.text),
        },
    )
    with session_scope(web.engine, write=False) as session:
        bodies = [m.body for m in session.exec(select(OutboxMessage)).all()]
    assert "suivant=%2Freferentiels" in bodies[0]
    assert "evil" not in bodies[1]
    path = re.search(r"(/connexion/lien/\S+)", bodies[0]).group(1)  # type: ignore[union-attr]
    link_page = web.client.get(path)
    opened = web.client.post(
        path.split("?")[0],
        data={"csrf_token": csrf_of(link_page.text), "suivant": "/referentiels"},
        follow_redirects=False,
    )
    assert opened.headers["location"] == "/referentiels"


def test_sign_out_ends_the_session(web: Web) -> None:
    user = add_user(web.engine, "Paul")
    client = signed_in(web, user)
    assert client.get("/api/me").status_code == 200
    page = client.get("/mon-espace")
    client.post("/deconnexion", data={"csrf_token": csrf_of(page.text)})
    client.cookies.set(SESSION_COOKIE, "")
    again = signed_in(web, user)  # a new session still works; the old one is gone
    assert again.get("/api/me").status_code == 200
    with session_scope(web.engine, write=False) as session:
        from storage.tables import WebSession

        revoked = [s for s in session.exec(select(WebSession)).all() if s.revoked_at]
    assert len(revoked) == 1


def test_tokens_change_things_only_through_routes_that_declare_a_scope(web: Web) -> None:
    from api.auth import create_api_token

    org = add_org(web.engine, "of-scopes", issuing=True)
    admin = add_user(web.engine, "Admin Scopes")
    add_member(web.engine, admin, org, MemberRole.ADMIN)
    raw, _ = create_api_token(
        web.engine,
        name="tout",
        scopes=["referentials:write"],
        user_id=admin,
        organisation_id=org,
        now=NOW,
    )
    bearer = {"authorization": f"Bearer {raw}"}
    assert web.client.get("/api/me", headers=bearer).status_code == 200
    # a form that changes something and declares no scope is closed to programs
    refused = web.client.post(
        "/referentials/attitude-pro-reunion/1.0/brouillon",
        data={"new_version": "8"},
        headers={**bearer, "accept": "application/json", "x-csrf-token": "t" * 32},
        cookies={"atouts_csrf": "t" * 32},
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_scope"
    allowed = web.client.post(
        "/api/referentials/attitude-pro-reunion/1.0/drafts", json={"version": "7"}, headers=bearer
    )
    assert allowed.status_code == 201


def test_a_person_who_is_only_a_beneficiary_goes_straight_from_my_space_to_their_badges(
    web: Web,
) -> None:
    holder = add_user(web.engine, "Awa")
    add_wallet(web.engine, holder)
    client = signed_in(web, holder)
    assert client.get("/api/me").json()["roles"] == ["beneficiary"]
    hub = client.get("/mon-espace", follow_redirects=False)
    assert (hub.status_code, hub.headers["location"]) == (303, "/portefeuille")
    landed = client.get("/mon-espace")
    assert landed.status_code == 200
    assert str(landed.url).endswith("/portefeuille")


def test_people_with_other_roles_keep_the_my_space_hub(web: Web) -> None:
    org = add_org(web.engine, "of-hub", issuing=True)
    trainer = add_user(web.engine, "Formatrice")
    add_member(web.engine, trainer, org, MemberRole.ISSUER)
    add_wallet(web.engine, trainer)  # her own badges too: two sides, so the hub lists both
    page = signed_in(web, trainer).get("/mon-espace", follow_redirects=False)
    assert page.status_code == 200
    assert 'href="/formateur"' in page.text
    assert 'href="/portefeuille"' in page.text
