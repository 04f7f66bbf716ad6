"""Every route against every role: a role a route does not accept answers 403, nobody 401
(API) or a 303 to the sign-in page that brings them back (HTML pages).

Routes declare what they need with ``api.auth.require_roles`` / ``require_page_roles`` /
``require_scope``; those dependencies carry their roles, so this test reads them from
``app.routes`` (no hand-kept list). The principal is injected through ``dependency_overrides``
on ``current_principal``; CSRF is satisfied, so a 403 here can only come from the role check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from api.auth import (
    PageRoleRequirement,
    Principal,
    Role,
    RoleRequirement,
    current_principal,
)
from tests.api.webapp_fixtures import Web

# Changing routes any visitor may use: verification, sign-in (the wallet's magic link, personal
# link and sign-out included), language, claims, share opening.
PUBLIC_UNSAFE = re.compile(
    r"^/(verify|verifier|connexion|deconnexion|langue|reclamer|p/|partage|api/wallet/login|"
    r"api/wallet/claim|oid4vci/|portefeuille/(lien|entrer|sortir)|match/proposals|match$|_test)"
)
# The wallet's pages that are not the sign-in itself: every one of them declares its roles.
WALLET_SIGN_IN_PAGES = re.compile(
    r"^/portefeuille(/lien-magique|/entrer/\{token\}|/lien/\{token\}|/sortir)?$"
)


def _requirements(dependant: Any) -> list[RoleRequirement]:
    found = []
    for sub in dependant.dependencies:
        if isinstance(sub.call, RoleRequirement):
            found.append(sub.call)
        found.extend(_requirements(sub))
    return found


@dataclass(frozen=True)
class Endpoint:
    path: str
    methods: frozenset[str]
    dependant: Any = field(compare=False, hash=False)


def api_routes(app: Any) -> list[Endpoint]:
    """Every API route with its effective path (FastAPI keeps included routers nested)."""
    found = []
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.dependant is not None:
            found.append(
                Endpoint(str(context.path), frozenset(context.methods or ()), context.dependant)
            )
    return found


def _guarded(app: Any) -> list[tuple[Endpoint, frozenset[Role]]]:
    routes = []
    for route in api_routes(app):
        requirements = _requirements(route.dependant)
        if requirements:
            allowed = frozenset.intersection(*(r.roles for r in requirements))
            routes.append((route, allowed))
    return routes


def _is_page(route: Endpoint) -> bool:
    """Declared with ``require_page_roles``: a person signed out is sent to sign in."""
    return any(isinstance(r, PageRoleRequirement) for r in _requirements(route.dependant))


def _path(route: Endpoint) -> str:
    return re.sub(r"\{[^}]+\}", "x", route.path)


def _call(client: TestClient, route: Endpoint) -> Any:
    method = sorted(route.methods - {"HEAD"})[0]
    headers = {"x-csrf-token": "t" * 32, "accept": "application/json"}
    client.cookies.set("atouts_csrf", "t" * 32)
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, _path(route), **kwargs)


def test_routes_that_change_things_declare_who_may_call_them(web: Web) -> None:
    guarded = {route for route, _ in _guarded(web.app)}
    undeclared = [
        f"{sorted(route.methods)} {route.path}"
        for route in api_routes(web.app)
        if route.methods & {"POST", "PUT", "PATCH", "DELETE"}
        and route not in guarded
        and not PUBLIC_UNSAFE.match(route.path)
    ]
    assert undeclared == []


def test_there_are_guarded_routes_for_every_side(web: Web) -> None:
    roles = set().union(*(allowed for _, allowed in _guarded(web.app)))
    assert {Role.ORG_ADMIN, Role.ISSUER, Role.EMPLOYER} <= roles


def test_every_guarded_route_refuses_every_other_role(web: Web) -> None:
    failures = []
    client = TestClient(web.app, raise_server_exceptions=False)
    for route, allowed in _guarded(web.app):
        for role in Role:
            if role in allowed:
                continue
            principal = Principal(user_id="someone", roles=frozenset({role}))
            web.app.dependency_overrides[current_principal] = lambda p=principal: p
            response = _call(client, route)
            code = (
                response.json().get("code")
                if response.headers.get("content-type", "").endswith("json")
                else None
            )
            if response.status_code != 403 or code not in ("forbidden", "insufficient_scope"):
                failures.append(f"{route.path} as {role}: {response.status_code} {code}")
    web.app.dependency_overrides.clear()
    assert failures == []


def test_every_guarded_route_asks_anonymous_visitors_to_sign_in(web: Web) -> None:
    """API routes answer 401; pages send the person to the sign-in page, with where to come
    back to (``suivant``): the page itself for a GET, the form's page for a POST."""
    failures = []
    client = TestClient(web.app, raise_server_exceptions=False, follow_redirects=False)
    web.app.dependency_overrides[current_principal] = lambda: None
    for route, _ in _guarded(web.app):
        response = _call(client, route)
        if not _is_page(route):
            if response.status_code != 401:
                failures.append(f"{route.path}: {response.status_code}")
            continue
        location = urlsplit(response.headers.get("location", ""))
        back = parse_qs(location.query).get("suivant", [""])[0]
        expected = _path(route) if "GET" in route.methods else None
        if (
            response.status_code != 303
            or location.path != "/connexion"
            or not back.startswith("/portefeuille")
            or (expected is not None and back != expected)
        ):
            failures.append(f"{route.path}: {response.status_code} {location.geturl()}")
    web.app.dependency_overrides.clear()
    assert failures == []


def test_every_page_lets_in_every_role_it_declares(web: Web) -> None:
    """The other half of the matrix for pages: an accepted role is never refused nor sent to
    sign in (without a wallet of its own it lands on the wallet's entry page instead)."""
    failures = []
    client = TestClient(web.app, raise_server_exceptions=False, follow_redirects=False)
    pages = [(route, allowed) for route, allowed in _guarded(web.app) if _is_page(route)]
    assert len(pages) >= 18
    for route, allowed in pages:
        for role in allowed:
            principal = Principal(user_id="someone", roles=frozenset({role}))
            web.app.dependency_overrides[current_principal] = lambda p=principal: p
            response = _call(client, route)
            location = response.headers.get("location", "")
            if response.status_code in (401, 403) or location.startswith("/connexion"):
                failures.append(f"{route.path} as {role}: {response.status_code} {location}")
    web.app.dependency_overrides.clear()
    assert failures == []


def test_every_wallet_page_but_the_sign_in_ones_declares_its_roles(web: Web) -> None:
    undeclared = [
        f"{sorted(route.methods)} {route.path}"
        for route in api_routes(web.app)
        if route.path.startswith("/portefeuille")
        and not _requirements(route.dependant)
        and not WALLET_SIGN_IN_PAGES.search(route.path)
    ]
    assert undeclared == []


def test_claim_and_share_link_pages_stay_public(web: Web) -> None:
    public = [
        route.path
        for route in api_routes(web.app)
        if re.match(r"^/(reclamer|p/)", route.path) and not _requirements(route.dependant)
    ]
    assert {"/reclamer", "/reclamer/{code}", "/p/{token}"} <= set(public)
    visitor = TestClient(web.app, follow_redirects=False)
    assert visitor.get("/reclamer").status_code == 200
    assert visitor.get("/reclamer/ABCD-EFGH").status_code == 200
    assert visitor.get("/p/inconnu").status_code in (404, 410)  # answered, not sent to sign in


@pytest.mark.parametrize("role", list(Role))
def test_each_role_has_somewhere_to_go(web: Web, role: Role) -> None:
    principal = Principal(user_id="someone", roles=frozenset({role}))
    web.app.dependency_overrides[current_principal] = lambda: principal
    client = TestClient(web.app)
    client.cookies.set("atouts_session", "x")
    response = client.get("/api/me")
    web.app.dependency_overrides.clear()
    assert response.status_code == 200
    assert response.json()["roles"] == [str(role)]
