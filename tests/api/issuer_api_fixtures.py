"""The issuing JSON API as the application builds it: the issuer context made from the settings
by ``api.issuer_public.issuer_context`` (not handed in by the test), on the test database, with
an API token of a trainer of the issuing organisation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.issuer_routes import install
from api.settings import Settings
from issuer.context import IssuerContext
from issuer.orgs import add_member
from storage.tables import MemberRole
from tests.issuer.conftest import BASE

__all__ = ["api_client", "api_token", "bearer"]

auth = pytest.importorskip("api.auth")
problems = pytest.importorskip("api.problems")


@pytest.fixture
def api_client(
    ctx: IssuerContext, kek: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("ATOUTS_SECRET_KEY", kek.hex())  # the key the test organisation uses
    app = FastAPI()
    app.state.settings = Settings(base_url=BASE, home=tmp_path)
    app.state.engine = ctx.engine
    app.state.clock = ctx.clock  # the API token's clock
    problems.install_problem_handlers(app)
    install(app)
    with TestClient(app, base_url=BASE) as client:
        yield client


@pytest.fixture
def api_token(ctx: IssuerContext, org: Any) -> str:
    member = add_member(
        ctx, org.slug, email="formatrice@example.org", display_name="F", role=MemberRole.ISSUER
    )
    raw, _ = auth.create_api_token(
        ctx.engine,
        name="tests",
        scopes=[str(s) for s in auth.Scope],
        user_id=member.user_id,
        organisation_id=org.id,
        now=ctx.now(),
    )
    return str(raw)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
