# ruff: noqa: F811  (pytest fixtures imported from tests.issuer.conftest are parameters here)
"""The issuing JSON API and the public documents a verifier fetches.

Runs on a small app made of the issuer routes (plus problem handlers and auth), with an API
token of a trainer who is a member of the issuing organisation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.issuer_routes import install
from api.settings import Settings
from issuer.context import IssuerContext
from issuer.orgs import add_member
from storage.tables import MemberRole, User
from tests.api.app_fetcher import AppFetcher
from tests.api.issuer_api_fixtures import api_token  # noqa: F401 - a fixture
from tests.issuer.conftest import (  # noqa: F401 - fixtures shared with tests/issuer
    BASE,
    achievement_id,
    clock,
    ctx,
    kek,
    org,
)
from verifier import VerifyOptions, verify

auth = pytest.importorskip("api.auth")
problems = pytest.importorskip("api.problems")


@pytest.fixture
def app(ctx: IssuerContext, tmp_path: Path) -> FastAPI:
    app = FastAPI()
    app.state.settings = Settings(base_url=BASE, home=tmp_path)
    app.state.engine = ctx.engine
    app.state.clock = ctx.clock
    problems.install_problem_handlers(app)
    install(app, ctx)
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as client:
        yield client


@pytest.fixture
def token(api_token: str) -> str:
    """An API token of a trainer of the issuing organisation, every scope."""
    return api_token


def _headers(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def _verify(client: TestClient, ctx: IssuerContext, credential: Any) -> Any:
    # Verified a little after issuance, as a real verifier does: not at the very second the
    # credential and its status list were signed (a strict validFrom/created check would then
    # depend on clock rounding).
    later = ctx.now() + timedelta(minutes=1)
    return verify(credential, options=VerifyOptions(now=later, fetcher=AppFetcher(client)))


def test_issue_over_the_api_then_revoke_and_the_public_list_says_revoked(
    client: TestClient, ctx: IssuerContext, achievement_id: str, token: str
) -> None:
    response = client.post(
        "/api/issuer/credentials",
        json={"achievement_id": achievement_id, "recipient": "lea@example.org", "level": "N1"},
        headers=_headers(token),
    )
    assert response.status_code == 201, response.text
    body = response.json()
    public = client.get(f"/credentials/{body['id']}")
    assert public.status_code == 200
    assert public.json() == body["credential"]
    assert _verify(client, ctx, public.content).verdict == "verified"

    revoked = client.post(
        f"/api/issuer/credentials/{body['id']}/revoke",
        json={"reason": "doublon"},
        headers=_headers(token),
    )
    assert revoked.json()["state"] == "revoked"
    report = _verify(client, ctx, body["credential"])
    assert report.verdict == "not_verified"
    assert "revoked" in report.codes()
    status_url = body["credential"]["credentialStatus"]["statusListCredential"]
    listed = client.get(status_url.removeprefix(BASE))
    assert "doublon" not in listed.text
    assert listed.headers["cache-control"] == "public, max-age=300"


def test_idempotency_key_replays_the_same_badge(
    client: TestClient, achievement_id: str, token: str
) -> None:
    payload = {"achievement_id": achievement_id, "recipient": "a@example.org"}
    first = client.post(
        "/api/issuer/credentials", json=payload, headers=_headers(token, **{"Idempotency-Key": "k"})
    )
    again = client.post(
        "/api/issuer/credentials", json=payload, headers=_headers(token, **{"Idempotency-Key": "k"})
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    other = client.post(
        "/api/issuer/credentials",
        json={**payload, "recipient": "b@example.org"},
        headers=_headers(token, **{"Idempotency-Key": "k"}),
    )
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"


def test_batch_upload_dry_run_then_issue_then_result_file(
    client: TestClient, achievement_id: str, token: str
) -> None:
    content = b"email;niveau\na@example.org;N1\nfaux;N1\n"
    files = {"file": ("lot.csv", content, "text/csv")}
    dry = client.post(
        "/api/issuer/batches",
        files=files,
        data={"achievement_id": achievement_id, "dry_run": "true"},
        headers=_headers(token),
    )
    assert dry.status_code == 200
    assert dry.json()["errors"][0]["message"].startswith("ligne 3, colonne « email »")
    submitted = client.post(
        "/api/issuer/batches",
        files=files,
        data={"achievement_id": achievement_id},
        headers=_headers(token, **{"Idempotency-Key": "lot-1"}),
    )
    assert submitted.status_code == 202, submitted.text
    location = submitted.headers["location"]
    progress = client.get(location, headers=_headers(token)).json()
    assert (progress["issued"], progress["failed"], progress["state"]) == (1, 1, "completed")
    result = client.get(progress["links"]["result"], headers=_headers(token))
    assert result.text.count("délivré") == 1
    again = client.post(
        "/api/issuer/batches",
        files=files,
        data={"achievement_id": achievement_id},
        headers=_headers(token, **{"Idempotency-Key": "lot-1"}),
    )
    assert again.status_code == 200
    assert again.json()["id"] == progress["id"]
    changed = {"file": ("lot.csv", b"email\nz@example.org\n", "text/csv")}
    refused = client.post(
        "/api/issuer/batches",
        files=changed,
        data={"achievement_id": achievement_id},
        headers=_headers(token, **{"Idempotency-Key": "lot-1"}),
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"


def test_write_routes_need_a_member_of_the_organisation(
    client: TestClient, ctx: IssuerContext, achievement_id: str
) -> None:
    payload = {"achievement_id": achievement_id, "recipient": "a@example.org"}
    assert client.post("/api/issuer/credentials", json=payload).status_code == 401
    from storage.engine import session_scope

    with session_scope(ctx.engine) as session:
        stranger = User(display_name="X", email="x@example.org")
        session.add(stranger)
    from issuer.orgs import create_organisation

    other = create_organisation(ctx, slug="autre", name="Autre")
    member = add_member(
        ctx, "autre", email="x@example.org", display_name="X", role=MemberRole.ISSUER
    )
    raw, _ = auth.create_api_token(
        ctx.engine,
        name="x",
        scopes=[str(s) for s in auth.Scope],
        user_id=member.user_id,
        organisation_id=other.id,
        now=ctx.now(),
    )
    response = client.post("/api/issuer/credentials", json=payload, headers=_headers(str(raw)))
    assert response.status_code == 403


def test_public_documents_are_served(
    client: TestClient, ctx: IssuerContext, org: Any, achievement_id: str
) -> None:
    did = client.get("/issuers/mission-ouest/did.json")
    assert did.status_code == 200
    assert did.json()["id"] == org.issuer_id
    assert client.get("/issuers/mission-ouest").json()["name"] == org.name
    achievement = client.get(f"/achievements/{achievement_id}").json()
    assert achievement["alignment"][0]["targetType"] == "CFItem"
    assert client.get(f"/achievements/{achievement_id}/image.svg").content.startswith(b"<svg")
    assert client.get("/status/nope").status_code == 404
    json.dumps(achievement)


def test_start_up_publishes_a_change_a_crash_left_unpublished(
    app: FastAPI, ctx: IssuerContext, achievement_id: str
) -> None:
    from issuer.issuance import IssueSpec
    from issuer.recipients import parse_recipient
    from issuer.service import issue
    from issuer.status import change_status

    issued = issue(ctx, achievement_id, IssueSpec(recipient=parse_recipient("a@example.org")))
    change_status(ctx, issued.row_id, action="revoke", publish=False)  # then the crash
    with TestClient(app, base_url=BASE) as client:  # start-up runs the reconciler
        report = _verify(client, ctx, issued.signed_text)
    assert "revoked" in report.codes()
