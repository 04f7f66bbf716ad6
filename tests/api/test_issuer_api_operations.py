# ruff: noqa: F811  (pytest fixtures imported from tests.issuer.conftest are parameters here)
"""Issue 4, "the same operations in the JSON API (documented in openapi.yaml), with
problem-details errors": every operation the ``atouts`` issuing commands offer — create an
organisation, create an achievement, issue, suspend, reinstate, revoke, export as json/png/svg,
download the bulk template, submit, follow and resume a batch, endorse — over HTTP, each
refusal an RFC 9457 problem with its ``code``, and each route described in ``openapi.yaml``.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.issuer_routes import install
from api.settings import Settings
from issuer.context import IssuerContext
from issuer.orgs import add_member
from storage.engine import session_scope
from storage.tables import MemberRole, WebSession
from storage.tokens import hash_token, new_token
from tests.api.app_fetcher import AppFetcher
from tests.conftest import REPO
from tests.issuer.conftest import (  # noqa: F401 - fixtures shared with tests/issuer
    BASE,
    achievement_id,
    clock,
    ctx,
    kek,
    org,
)
from verifier import VerificationReport, VerifyOptions, verify

auth = pytest.importorskip("api.auth")
problems = pytest.importorskip("api.problems")

PROBLEM_FIELDS = {"type", "title", "status", "code"}

# Every issuing operation of the JSON API: (method, path template) as openapi.yaml names it.
OPERATIONS = [
    ("post", "/api/issuer/organisations"),
    ("post", "/api/issuer/achievements"),
    ("post", "/api/issuer/credentials"),
    ("post", "/api/issuer/credentials/{credential}/revoke"),
    ("post", "/api/issuer/credentials/{credential}/reinstate"),
    ("get", "/api/issuer/credentials/{credential}/export"),
    ("get", "/api/issuer/batches/template.{kind}"),
    ("post", "/api/issuer/batches"),
    ("get", "/api/issuer/batches/{batch_id}"),
    ("post", "/api/issuer/batches/{batch_id}/resume"),
    ("get", "/api/issuer/batches/{batch_id}/result.csv"),
    ("post", "/api/issuer/endorsements"),
]


@pytest.fixture
def client(ctx: IssuerContext, tmp_path: Path) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.settings = Settings(base_url=BASE, home=tmp_path)
    app.state.engine = ctx.engine
    app.state.clock = ctx.clock
    problems.install_problem_handlers(app)
    install(app, ctx)
    with TestClient(app, base_url=BASE) as client:
        yield client


def _session(ctx: IssuerContext, user_id: str) -> str:
    """A signed-in session of ``user_id`` (what the sign-in pages give), as the cookie value."""
    raw = new_token()
    with session_scope(ctx.engine) as session:
        session.add(
            WebSession(
                token_hash=hash_token(raw),
                user_id=user_id,
                created_at=ctx.now(),
                expires_at=datetime.now(UTC) + timedelta(hours=1),
            )
        )
    return raw


@pytest.fixture
def admin_user(ctx: IssuerContext, org: Any) -> str:
    """An administrator of the issuing organisation (user id)."""
    member = add_member(
        ctx, org.slug, email="direction@example.org", display_name="D", role=MemberRole.ADMIN
    )
    return str(member.user_id)


@pytest.fixture
def admin(ctx: IssuerContext, admin_user: str) -> dict[str, str]:
    """Headers with an API token of that administrator, with every scope."""
    raw, _ = auth.create_api_token(
        ctx.engine,
        name="tests",
        scopes=[str(s) for s in auth.Scope],
        user_id=admin_user,
        organisation_id=None,
        now=ctx.now(),
    )
    return {"Authorization": f"Bearer {raw}"}


def _verify(client: TestClient, ctx: IssuerContext, credential: Any) -> VerificationReport:
    later = ctx.now() + timedelta(minutes=1)
    return verify(credential, options=VerifyOptions(now=later, fetcher=AppFetcher(client)))


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert set(body) >= PROBLEM_FIELDS, body
    assert (body["status"], body["code"]) == (status, code)
    assert body.get("detail")
    return body


def test_every_issuing_operation_works_over_the_json_api(
    client: TestClient, ctx: IssuerContext, admin: dict[str, str], admin_user: str
) -> None:
    created = client.post(
        "/api/issuer/organisations",
        json={"slug": "antenne-sud", "name": "Antenne Sud", "parent": "mission-ouest"},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    assert created.json()["issuer"] == "did:web:formation.example:issuers:antenne-sud"
    assert client.get("/issuers/antenne-sud/did.json").json()["id"] == created.json()["issuer"]

    achievement = client.post(
        "/api/issuer/achievements",
        json={
            "organisation": "mission-ouest",
            "referential": "attitude-pro-reunion",
            "items": ["SE01", "SE04"],
        },
        headers=admin,
    )
    assert achievement.status_code == 201, achievement.text
    achievement_id = achievement.json()["id"]
    assert [a["targetType"] for a in achievement.json()["achievement"]["alignment"]] == [
        "CFItem",
        "CFItem",
    ]

    issued = client.post(
        "/api/issuer/credentials",
        json={
            "achievement_id": achievement_id,
            "recipient": "tel:0692123456",
            "level": "N2",
            "evidence": [{"narrative": "Observé en atelier"}, {"url": "https://exemple.org/p"}],
            "suspendable": True,
        },
        headers=admin,
    )
    assert issued.status_code == 201, issued.text
    body = issued.json()
    credential = body["credential"]
    assert body["verification_url"].startswith(f"{BASE}/verifier?url=")
    assert _verify(client, ctx, credential).verdict == "verified"

    ref = body["id"]
    suspended = client.post(
        f"/api/issuer/credentials/{ref}/revoke", json={"suspend": True}, headers=admin
    )
    assert suspended.json() == {
        "credential_id": body["credential_id"],
        "state": "suspended",
        "changed": True,
    }
    assert "suspended" in _verify(client, ctx, credential).codes()
    reinstated = client.post(f"/api/issuer/credentials/{ref}/reinstate", headers=admin)
    assert reinstated.json()["state"] == "active"
    assert _verify(client, ctx, credential).verdict == "verified"

    for kind, media in [
        ("json", "application/vc+ld+json"),
        ("png", "image/png"),
        ("svg", "image/svg+xml"),
    ]:
        exported = client.get(
            f"/api/issuer/credentials/{ref}/export", params={"as": kind}, headers=admin
        )
        assert exported.status_code == 200, exported.text
        assert exported.headers["content-type"].startswith(media)
        assert "attachment" in exported.headers["content-disposition"]
        assert _verify(client, ctx, exported.content).verdict == "verified", kind
    _problem(
        client.get(f"/api/issuer/credentials/{ref}/export", params={"as": "jwt"}, headers=admin),
        409,
        "format_unavailable",
    )

    template = client.get("/api/issuer/batches/template.csv", headers=admin)
    assert template.headers["content-type"].startswith("text/csv")
    assert template.content.decode("utf-8-sig").startswith("email;telephone;")
    xlsx = client.get("/api/issuer/batches/template.xlsx", headers=admin)
    assert xlsx.content.startswith(b"PK")
    submitted = client.post(
        "/api/issuer/batches",
        files={
            "file": ("lot.csv", b"email;niveau\na@example.org;N1\nb@example.org;N3\n", "text/csv")
        },
        data={"achievement_id": achievement_id},
        headers=admin,
    )
    assert submitted.status_code == 202, submitted.text
    links = submitted.json()["links"]
    progress = client.get(links["self"], headers=admin).json()
    assert (progress["issued"], progress["failed"], progress["pending"]) == (2, 0, 0)
    resumed = client.post(links["resume"], headers=admin)
    assert resumed.status_code == 202
    assert client.get(links["self"], headers=admin).json()["issued"] == 2  # no duplicate
    assert client.get(links["result"], headers=admin).text.count("délivré") == 2

    # A person signed in endorses too (tokens: see the scope test below).
    client.cookies.set(auth.SESSION_COOKIE, _session(ctx, admin_user))
    endorsed = client.post(
        "/api/issuer/endorsements",
        json={
            "organisation": "mission-ouest",
            "achievement_id": achievement_id,
            "comment": "Utile",
        },
    )
    client.cookies.clear()
    assert endorsed.status_code == 201, endorsed.text
    assert "EndorsementCredential" in endorsed.json()["type"]
    assert _verify(client, ctx, endorsed.json()).verdict == "verified"

    revoked = client.post(
        f"/api/issuer/credentials/{ref}/revoke", json={"reason": "doublon"}, headers=admin
    )
    assert revoked.json()["state"] == "revoked"
    # A badge issued suspendable has its one status entry in the suspension list: revoking it
    # sets that bit for good (ADR 0003), so verifiers keep seeing it withdrawn.
    final = _verify(client, ctx, credential)
    assert final.verdict == "not_verified"
    assert "suspended" in final.codes()
    _problem(
        client.post(f"/api/issuer/credentials/{ref}/reinstate", headers=admin),
        409,
        "revocation_final",
    )


def _token(ctx: IssuerContext, user_id: str, scopes: list[str]) -> dict[str, str]:
    raw, _ = auth.create_api_token(
        ctx.engine, name="t", scopes=scopes, user_id=user_id, organisation_id=None, now=ctx.now()
    )
    return {"Authorization": f"Bearer {raw}"}


@pytest.mark.parametrize("through", ["token", "session"])
def test_the_person_who_creates_an_organisation_over_the_api_becomes_its_administrator(
    client: TestClient, ctx: IssuerContext, admin: dict[str, str], admin_user: str, through: str
) -> None:
    from sqlmodel import select

    from storage.tables import Member, Organisation

    headers = admin
    if through == "session":
        headers = {}
        client.cookies.set(auth.SESSION_COOKIE, _session(ctx, admin_user))
    created = client.post(
        "/api/issuer/organisations",
        json={"slug": "antenne-nord", "name": "Antenne Nord"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    with session_scope(ctx.engine, write=False) as session:
        org = session.exec(select(Organisation).where(Organisation.slug == "antenne-nord")).one()
        members = session.exec(select(Member).where(Member.organisation_id == org.id)).all()
    assert [(m.user_id, m.role) for m in members] == [(admin_user, MemberRole.ADMIN)]
    # …so they can work in it straight away: create its first badge type.
    achievement = client.post(
        "/api/issuer/achievements",
        json={
            "organisation": "antenne-nord",
            "referential": "attitude-pro-reunion",
            "items": ["SE01"],
        },
        headers=headers,
    )
    client.cookies.clear()
    assert achievement.status_code == 201, achievement.text


def test_an_api_token_endorses_with_the_credentials_issue_scope_and_not_without(
    client: TestClient, ctx: IssuerContext, admin_user: str, achievement_id: str
) -> None:
    body = {"organisation": "mission-ouest", "achievement_id": achievement_id, "comment": "Utile"}
    others = [str(s) for s in auth.Scope if s != auth.Scope.CREDENTIALS_ISSUE]
    refused = client.post(
        "/api/issuer/endorsements", json=body, headers=_token(ctx, admin_user, others)
    )
    _problem(refused, 403, "insufficient_scope")

    allowed = client.post(
        "/api/issuer/endorsements",
        json=body,
        headers=_token(ctx, admin_user, [str(auth.Scope.CREDENTIALS_ISSUE)]),
    )
    assert allowed.status_code == 201, allowed.text
    assert "EndorsementCredential" in allowed.json()["type"]
    assert _verify(client, ctx, allowed.json()).verdict == "verified"


def test_the_endorsement_route_documents_its_token_scope_in_openapi_yaml() -> None:
    document = yaml.safe_load((REPO / "openapi.yaml").read_text(encoding="utf-8"))
    operation = document["paths"]["/api/issuer/endorsements"]["post"]
    assert "credentials:issue" in operation["description"]


def test_refusals_are_problem_details_with_a_stable_code(
    client: TestClient, admin: dict[str, str]
) -> None:
    _problem(
        client.post(
            "/api/issuer/organisations",
            json={"slug": "mission-ouest", "name": "Encore"},
            headers=admin,
        ),
        409,
        "organisation_exists",
    )
    _problem(
        client.post(
            "/api/issuer/achievements",
            json={
                "organisation": "mission-ouest",
                "referential": "attitude-pro-reunion",
                "items": ["NOPE"],
            },
            headers=admin,
        ),
        422,
        "unknown_item",
    )
    _problem(
        client.post(
            "/api/issuer/achievements",
            json={"organisation": "mission-ouest", "referential": "inconnu", "items": ["X"]},
            headers=admin,
        ),
        404,
        "referential_not_found",
    )
    _problem(
        client.post("/api/issuer/credentials", json={"achievement_id": "nope"}, headers=admin),
        404,
        "achievement_not_found",
    )
    _problem(
        client.post("/api/issuer/credentials/nope/revoke", json={}, headers=admin),
        404,
        "credential_not_found",
    )
    _problem(client.get("/api/issuer/batches/nope", headers=admin), 404, "batch_not_found")
    unauthenticated = client.post("/api/issuer/credentials", json={"achievement_id": "x"})
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"].startswith("application/problem+json")
    malformed = client.post("/api/issuer/organisations", json={"slug": "A B"}, headers=admin)
    assert malformed.status_code == 422
    assert malformed.headers["content-type"].startswith("application/problem+json")
    assert set(malformed.json()) >= PROBLEM_FIELDS


def test_each_issuing_operation_is_described_in_openapi_yaml_with_its_problems() -> None:
    document = yaml.safe_load((REPO / "openapi.yaml").read_text(encoding="utf-8"))
    for method, path in OPERATIONS:
        operation = document["paths"].get(path, {}).get(method)
        assert operation is not None, f"{method.upper()} {path} is missing from openapi.yaml"
        assert operation.get("summary"), path
        refusals = {
            status: response
            for status, response in operation["responses"].items()
            if str(status).startswith("4")
        }
        assert refusals, path
        for response in refusals.values():
            schema = response.get("content", {}).get("application/problem+json", {}).get("schema")
            if schema is None:  # FastAPI's own 422 for a malformed body
                continue
            assert set(schema["required"]) >= PROBLEM_FIELDS, path
