"""Who is asking: passwordless people, scoped programs, roles, and the FastAPI dependencies.

People never have a password (WCAG 2.2 §3.3.8, issue 8): they get in with a **magic link**
(single use, 15 minutes) or a **personal link plus a short code** for people without e-mail
(the code locks after 5 wrong tries). Opening either starts a session whose random value lives
only in an HttpOnly cookie; the database keeps SHA-256 hashes of links, sessions and API tokens
and an HMAC of short codes (``storage.tokens``). Programs use ``Authorization: Bearer`` API
tokens with explicit scopes; a token acts with the roles of the person who created it, in its
organisation, and no further than its scopes.

Roles (:class:`Role`) are derived from the database at each request, never stored in the
cookie: ``members`` rows give ``org_admin``/``issuer``/``reviewer``; a member of an
organisation that does not issue badges (no ``issuer_id``) or that publishes jobs is an
``employer``; a wallet holder, or anyone belonging to no organisation, is a ``beneficiary``;
a person to whom a holder gave custody consent, or a member of an issuing organisation, is a
``counsellor`` (acting for the wallets listed in :attr:`Principal.custody_wallet_ids`).

Routers declare what they need with ``Depends(require_roles(Role.ISSUER, ...))`` and
``Depends(require_scope(Scope.CREDENTIALS_ISSUE))``; these dependencies carry their roles and
scope as attributes, which ``tests/api/test_route_roles.py`` reads from ``app.routes`` to check
every route against every role. No principal gives 401 ``authentication_required``; a principal
without the role or scope gives 403 ``forbidden`` (audited as ``denied``). HTML pages a person
opens declare ``Depends(require_page_roles(...))`` instead: nobody signed in is sent (303) to
``/connexion?suivant=<the page>``, which brings them back once signed in; a wrong role still
gets the 403 (a French or English page for a browser).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from sqlmodel import Session, col, select

from api.database import engine_of
from api.i18n import safe_next

# The sign-in machinery lives in api.login_tokens; re-exported here, where callers look for it.
from api.login_tokens import (
    MAX_CODE_ATTEMPTS,
    SESSION_LIFETIME,
    IssuedLogin,
    create_api_token,
    issue_login,
    open_login_link,
    open_personal_link,
    pepper,
    personal_link_exists,
    revoke_session,
    start_session,
)
from api.problems import ApiProblem, SignInRedirect
from storage.engine import session_scope
from storage.tables import (
    ApiToken,
    Consent,
    Job,
    Member,
    MemberRole,
    Organisation,
    Wallet,
    WebSession,
)
from storage.tokens import hash_token

__all__ = [
    "MAX_CODE_ATTEMPTS",
    "SESSION_COOKIE",
    "SESSION_LIFETIME",
    "IssuedLogin",
    "PageRoleRequirement",
    "Principal",
    "Role",
    "RoleRequirement",
    "Scope",
    "ScopeRequirement",
    "create_api_token",
    "current_principal",
    "issue_login",
    "open_login_link",
    "open_personal_link",
    "pepper",
    "personal_link_exists",
    "principal_for_user",
    "require_page_roles",
    "require_roles",
    "require_scope",
    "revoke_session",
    "route_declares_scope",
    "start_session",
]

SESSION_COOKIE = "atouts_session"


class Role(StrEnum):
    ORG_ADMIN = "org_admin"
    ISSUER = "issuer"
    REVIEWER = "reviewer"
    EMPLOYER = "employer"
    BENEFICIARY = "beneficiary"
    COUNSELLOR = "counsellor"


ALL_ROLES = frozenset(Role)
TRAINER_ROLES = (Role.ORG_ADMIN, Role.ISSUER, Role.REVIEWER)


class Scope(StrEnum):
    """What an API token may do (OB 3.0 API scopes are accepted as aliases, §api.html)."""

    CREDENTIALS_READ = "credentials:read"
    CREDENTIALS_ISSUE = "credentials:issue"
    CREDENTIALS_REVOKE = "credentials:revoke"
    REFERENTIALS_READ = "referentials:read"
    REFERENTIALS_WRITE = "referentials:write"
    ACHIEVEMENTS_WRITE = "achievements:write"
    WALLET_READ = "wallet:read"
    WALLET_WRITE = "wallet:write"
    SHARES_WRITE = "shares:write"
    JOBS_WRITE = "jobs:write"
    MATCHING_READ = "matching:read"
    ORGANISATION_ADMIN = "organisation:admin"


OB_SCOPE_ALIASES = {
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly": Scope.CREDENTIALS_READ,
    "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.upsert": Scope.CREDENTIALS_ISSUE,
}


@dataclass(frozen=True)
class Principal:
    """The person (through a session) or program (through a token) behind a request."""

    user_id: str | None
    roles: frozenset[Role]
    organisations: dict[Role, frozenset[str]] = field(default_factory=dict)
    wallet_ids: frozenset[str] = frozenset()
    custody_wallet_ids: frozenset[str] = frozenset()
    scopes: frozenset[str] | None = None  # None: a person in a session (scopes are for tokens)
    session_id: str | None = None
    token_id: str | None = None

    @property
    def actor(self) -> str:
        """Pseudonymous id for the audit log (random ids, never a name or an address)."""
        if self.token_id:
            return f"token:{self.token_id}"
        return f"user:{self.user_id}" if self.user_id else "anonymous"

    def has(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))

    def organisation_for(self, *roles: Role) -> str | None:
        """The first organisation where the principal holds one of ``roles`` (sorted ids)."""
        found = sorted(set().union(*(self.organisations.get(r, frozenset()) for r in roles)))
        return found[0] if found else None

    def in_organisation(self, organisation_id: str, *roles: Role) -> bool:
        wanted = roles or tuple(self.organisations)
        return any(organisation_id in self.organisations.get(r, frozenset()) for r in wanted)

    def may_act_for_wallet(self, wallet_id: str) -> bool:
        return wallet_id in self.wallet_ids or wallet_id in self.custody_wallet_ids

    def allows_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes


_MEMBER_ROLES = {
    MemberRole.ADMIN: Role.ORG_ADMIN,
    MemberRole.ISSUER: Role.ISSUER,
    MemberRole.REVIEWER: Role.REVIEWER,
}


def principal_for_user(
    session: Session, user_id: str, *, only_organisation: str | None = None
) -> Principal:
    """Roles of ``user_id`` read from the database (see the module docstring)."""
    organisations: dict[Role, set[str]] = {role: set() for role in Role}
    rows = session.exec(
        select(Member, Organisation)
        .join(Organisation, col(Organisation.id) == col(Member.organisation_id))
        .where(Member.user_id == user_id)
    ).all()
    for member, org in rows:
        if only_organisation is not None and org.id != only_organisation:
            continue
        organisations[_MEMBER_ROLES[MemberRole(member.role)]].add(org.id)
        publishes_jobs = session.exec(
            select(Job.id).where(Job.organisation_id == org.id).limit(1)
        ).first()
        if org.issuer_id is None or publishes_jobs is not None:
            organisations[Role.EMPLOYER].add(org.id)
        if org.issuer_id is not None and member.role in (MemberRole.ADMIN, MemberRole.ISSUER):
            organisations[Role.COUNSELLOR].add(org.id)
    wallets = frozenset(
        session.exec(select(Wallet.id).where(Wallet.holder_user_id == user_id)).all()
    )
    custody = frozenset(
        session.exec(
            select(Consent.wallet_id).where(
                Consent.counsellor_user_id == user_id, col(Consent.ended_at).is_(None)
            )
        ).all()
    )
    roles = {role for role, ids in organisations.items() if ids}
    if only_organisation is None and (wallets or not rows):
        roles.add(Role.BENEFICIARY)
    if custody:
        roles.add(Role.COUNSELLOR)
    return Principal(
        user_id=user_id,
        roles=frozenset(roles),
        organisations={role: frozenset(ids) for role, ids in organisations.items() if ids},
        wallet_ids=wallets if only_organisation is None else frozenset(),
        custody_wallet_ids=custody,
    )


def _now(request: Request) -> datetime:
    return request.app.state.clock()  # type: ignore[no-any-return]


def _principal_from_token(session: Session, raw: str, now: datetime) -> Principal | None:
    token = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(raw))).first()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    scopes = frozenset(str(OB_SCOPE_ALIASES.get(s, s)) for s in token.scopes)
    if token.user_id is None:
        return Principal(user_id=None, roles=frozenset(), scopes=scopes, token_id=token.id)
    base = principal_for_user(session, token.user_id, only_organisation=token.organisation_id)
    return Principal(
        user_id=base.user_id,
        roles=base.roles,
        organisations=base.organisations,
        wallet_ids=base.wallet_ids,
        custody_wallet_ids=base.custody_wallet_ids,
        scopes=scopes,
        token_id=token.id,
    )


def _principal_from_session(session: Session, raw: str, now: datetime) -> Principal | None:
    row = session.exec(select(WebSession).where(WebSession.token_hash == hash_token(raw))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    base = principal_for_user(session, row.user_id)
    return Principal(
        user_id=base.user_id,
        roles=base.roles,
        organisations=base.organisations,
        wallet_ids=base.wallet_ids,
        custody_wallet_ids=base.custody_wallet_ids,
        session_id=row.id,
    )


def session_cookie_name(request: Request) -> str:
    policy = getattr(request.app.state, "cookie_policy", None)
    return policy.name(SESSION_COOKIE) if policy is not None else SESSION_COOKIE


def current_principal(request: Request) -> Principal | None:
    """Dependency: the principal of the request, or None when nobody is signed in."""
    state = request.scope.setdefault("state", {})
    if "principal" in state:
        cached = state["principal"]
        return cached if isinstance(cached, Principal) else None
    principal: Principal | None = None
    authorization = request.headers.get("authorization", "")
    cookie = request.cookies.get(session_cookie_name(request))
    if authorization or cookie:
        engine = engine_of(request)
        now = _now(request)
        with session_scope(engine, write=False) as session:
            if authorization.lower().startswith("bearer "):
                raw = authorization[7:].strip()
                # A program may also send a wallet session as Bearer (``api.wallet_routes``).
                principal = _principal_from_token(session, raw, now) or _principal_from_session(
                    session, raw, now
                )
                if principal is None:
                    raise ApiProblem(
                        401,
                        "token_invalid",
                        "Le jeton d'accès est inconnu, expiré ou retiré.",
                        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
                    )
            elif cookie:
                principal = _principal_from_session(session, cookie, now)
    request.state.principal = principal
    return principal


class RoleRequirement:
    """Dependency: a principal holding one of ``roles`` (401 when nobody, 403 otherwise)."""

    def __init__(self, roles: frozenset[Role], *, tokens_allowed: bool = False) -> None:
        self.roles = roles
        self.tokens_allowed = tokens_allowed

    def __repr__(self) -> str:
        return f"RoleRequirement({sorted(self.roles)})"

    def __call__(
        self, request: Request, principal: Annotated[Principal | None, Depends(current_principal)]
    ) -> Principal:
        if principal is None:
            raise ApiProblem(
                401,
                "authentication_required",
                "Connectez-vous pour continuer.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not principal.has(*self.roles):
            _audit_denied(request, principal, "role")
            raise ApiProblem(403, "forbidden", "Votre compte ne permet pas cette action.")
        if (
            principal.token_id is not None
            and not self.tokens_allowed
            and request.method not in ("GET", "HEAD")
            and not route_declares_scope(request)
        ):
            # Deny by default: a program changes something only through routes that say which
            # scope they need (reading within its roles is allowed).
            _audit_denied(request, principal, "scope")
            raise ApiProblem(
                403, "insufficient_scope", "Cette action n'est pas ouverte aux jetons d'accès."
            )
        return principal


class PageRoleRequirement(RoleRequirement):
    """:class:`RoleRequirement` for HTML pages: nobody signed in is redirected (303) to the
    sign-in page with ``suivant`` (where to come back), instead of a 401 page.

    A GET comes back to the same page; a form (POST) comes back to ``back``, the page the
    form lives on (a redirect cannot repeat a POST)."""

    def __init__(self, roles: frozenset[Role], *, back: str) -> None:
        super().__init__(roles)
        self.back = back

    def __repr__(self) -> str:
        return f"PageRoleRequirement({sorted(self.roles)})"

    def __call__(
        self, request: Request, principal: Annotated[Principal | None, Depends(current_principal)]
    ) -> Principal:
        if principal is None:
            raise SignInRedirect(sign_in_location(request, self.back))
        return super().__call__(request, principal)


def sign_in_location(request: Request, back: str = "/mon-espace") -> str:
    """``/connexion?suivant=...``: this page for a GET, else ``back``."""
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        back = request.url.path + (f"?{query}" if query else "")
    return "/connexion?" + urlencode({"suivant": safe_next(back)})


def _has_scope_requirement(dependant: Any) -> bool:
    return any(
        isinstance(sub.call, ScopeRequirement) or _has_scope_requirement(sub)
        for sub in getattr(dependant, "dependencies", ())
    )


def route_declares_scope(request: Request) -> bool:
    """Does the matched route declare a :class:`ScopeRequirement`?"""
    route = request.scope.get("route")
    return _has_scope_requirement(getattr(route, "dependant", None))


class ScopeRequirement:
    """Dependency: an API token must carry ``scope`` (people in a session pass)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def __repr__(self) -> str:
        return f"ScopeRequirement({self.scope!r})"

    def __call__(
        self, request: Request, principal: Annotated[Principal | None, Depends(current_principal)]
    ) -> Principal:
        if principal is None:
            raise ApiProblem(
                401,
                "authentication_required",
                "Connectez-vous pour continuer.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not principal.allows_scope(self.scope):
            _audit_denied(request, principal, "scope")
            raise ApiProblem(
                403,
                "insufficient_scope",
                f"Le jeton n'a pas la portée « {self.scope} ».",
                headers={
                    "WWW-Authenticate": f'Bearer error="insufficient_scope" scope="{self.scope}"'
                },
            )
        return principal


def require_roles(*roles: Role, tokens_allowed: bool = False) -> RoleRequirement:
    """``Depends(require_roles(Role.ISSUER, Role.ORG_ADMIN))``; no roles means any signed-in.

    API tokens may change things only through routes that also declare ``require_scope`` (deny
    by default for POST/PUT/PATCH/DELETE), or with ``tokens_allowed=True``."""
    return RoleRequirement(frozenset(roles) if roles else ALL_ROLES, tokens_allowed=tokens_allowed)


def require_page_roles(*roles: Role, back: str = "/mon-espace") -> PageRoleRequirement:
    """``Depends(require_page_roles(Role.BENEFICIARY, back="/portefeuille"))`` for HTML pages
    (see :class:`PageRoleRequirement`); tokens never change anything through a page."""
    return PageRoleRequirement(frozenset(roles) if roles else ALL_ROLES, back=back)


def require_scope(scope: str) -> ScopeRequirement:
    return ScopeRequirement(str(scope))


def _audit_denied(request: Request, principal: Principal, why: str) -> None:
    from api.audit import audit_request

    audit_request(
        request,
        "access.denied",
        "route",
        request.url.path,
        outcome="denied",
        actor=principal.actor,
        details={"missing": why},
    )
