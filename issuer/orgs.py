"""Organisations as OB 3.0 issuers: profile, members with roles, Ed25519 keys, published keys.

- The OB 3.0 ``Profile`` (§B.1.x Profile) is kept in ``organisations.profile`` and embedded as the
  ``issuer`` of every credential; its ``id`` is the issuer identifier (ADR 0003).
- One signing key at a time; :func:`rotate_key` retires it (``retired_at``) and makes a new one.
  Retired keys stay listed under ``assertionMethod`` of the did:web document so what they signed
  still verifies (Controlled Identifiers 1.0 §3.3; VC-DI §4 "Retrieve Verification Method").
- Seeds are stored sealed (``issuer.custody``); never in clear, never logged.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session, col, select

from badges.keys import Ed25519KeyPair
from issuer.audit import audit
from issuer.context import IssuerContext, IssuerError
from issuer.keyring import current_key_row, signing_key
from issuer.status import ensure_status_lists, publish_pending
from issuer.urls import IdentifierMode
from storage.engine import session_scope
from storage.tables import IssuerKey, Member, MemberRole, Organisation, User

__all__ = [
    "add_member",
    "create_organisation",
    "did_document",
    "get_organisation",
    "rotate_key",
    "signing_key",
]

_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]


def _method_id(ctx: IssuerContext, issuer_id: str, pair: Ed25519KeyPair, number: int) -> str:
    if ctx.mode == IdentifierMode.DID_KEY:
        return f"{pair.public.did_key}#{pair.public.public_key_multibase}"
    return f"{issuer_id}#key-{number}"


def _new_key_row(
    ctx: IssuerContext, org: Organisation, pair: Ed25519KeyPair, number: int
) -> IssuerKey:
    assert org.issuer_id is not None
    method = _method_id(ctx, org.issuer_id, pair, number)
    sealed, kek = ctx.custody.seal(pair, aad=method)
    return IssuerKey(
        organisation_id=org.id,
        verification_method=method,
        public_key_multibase=pair.public.public_key_multibase,
        encrypted_secret=sealed,
        kek_id=kek,
        created_at=ctx.now(),
    )


def create_organisation(
    ctx: IssuerContext,
    *,
    slug: str,
    name: str,
    url: str | None = None,
    email: str | None = None,
    description: str | None = None,
    parent_slug: str | None = None,
    actor: str | None = None,
    admin_user_id: str | None = None,
) -> Organisation:
    """Create an organisation with its profile, first signing key and status lists (one
    transaction), and publish the (empty) status lists.

    ``admin_user_id``: the person creating it (over the API), made its administrator in the
    same transaction, so that they can run what they just created."""
    if not _SLUG.match(slug):
        raise IssuerError(
            f"identifiant « {slug} » invalide : minuscules, chiffres et tirets",
            code="invalid_slug",
            column="slug",
        )
    if not name.strip():
        raise IssuerError("le nom de l'organisation est obligatoire", code="missing_name")
    pair = Ed25519KeyPair.generate()
    with session_scope(ctx.engine) as session:
        if session.exec(select(Organisation).where(Organisation.slug == slug)).first():
            raise IssuerError(
                f"l'organisation « {slug} » existe déjà", code="organisation_exists", status=409
            )
        parent = None
        if parent_slug:
            parent = _by_slug(session, parent_slug)
        issuer_id = (
            str(pair.public.did_key)
            if ctx.mode == IdentifierMode.DID_KEY
            else ctx.urls.did_web(slug)
        )
        profile: dict[str, Any] = {"id": issuer_id, "type": ["Profile"], "name": name.strip()}
        profile["url"] = url or ctx.urls.profile(slug)
        if email:
            profile["email"] = email
        if description:
            profile["description"] = description
        if parent is not None:
            profile["parentOrg"] = {
                k: v for k, v in parent.profile.items() if k in ("id", "type", "name", "url")
            }
        org = Organisation(
            slug=slug,
            name=name.strip(),
            parent_id=parent.id if parent else None,
            issuer_id=issuer_id,
            profile=profile,
            created_at=ctx.now(),
        )
        session.add(org)
        session.flush()
        session.add(_new_key_row(ctx, org, pair, 1))
        session.flush()
        ensure_status_lists(ctx, session, org)
        if admin_user_id is not None:
            session.add(
                Member(organisation_id=org.id, user_id=admin_user_id, role=MemberRole.ADMIN)
            )
        audit(ctx, session, "organisation.create", "organisation", org.id, actor=actor)
    publish_pending(ctx)
    return org


def _by_slug(session: Session, slug: str) -> Organisation:
    org = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if org is None:
        raise IssuerError(
            f"organisation « {slug} » inconnue", code="organisation_not_found", status=404
        )
    return org


def get_organisation(ctx: IssuerContext, slug_or_id: str) -> Organisation:
    with session_scope(ctx.engine, write=False) as session:
        org = session.get(Organisation, slug_or_id)
        return org if org is not None else _by_slug(session, slug_or_id)


def add_member(
    ctx: IssuerContext, org_slug: str, *, email: str, display_name: str, role: MemberRole
) -> Member:
    """Give ``role`` in the organisation to the person with this e-mail (created if new)."""
    email = email.strip().lower()
    with session_scope(ctx.engine) as session:
        org = _by_slug(session, org_slug)
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None:
            user = User(display_name=display_name or email, email=email)
            session.add(user)
            session.flush()
        existing = session.exec(
            select(Member)
            .where(Member.organisation_id == org.id)
            .where(Member.user_id == user.id)
            .where(Member.role == role)
        ).first()
        if existing is not None:
            return existing
        member = Member(organisation_id=org.id, user_id=user.id, role=role)
        session.add(member)
        return member


def rotate_key(ctx: IssuerContext, org_slug: str, *, actor: str | None = None) -> IssuerKey:
    """Retire the signing key and create a new one; the old one stays published."""
    pair = Ed25519KeyPair.generate()
    with session_scope(ctx.engine) as session:
        org = _by_slug(session, org_slug)
        old = current_key_row(session, org)
        old.retired_at = ctx.now()
        session.add(old)
        count = len(
            session.exec(select(IssuerKey).where(IssuerKey.organisation_id == org.id)).all()
        )
        if ctx.mode == IdentifierMode.DID_KEY or str(org.issuer_id).startswith("did:key:"):
            # A did:key *is* its key: the organisation gets a new identifier (ADR 0003).
            org.issuer_id = str(pair.public.did_key)
            org.profile = {**org.profile, "id": org.issuer_id}
            org.updated_at = ctx.now()
            session.add(org)
        row = _new_key_row(ctx, org, pair, count + 1)
        session.add(row)
        audit(ctx, session, "issuer_key.rotate", "organisation", org.id, actor=actor)
        return row


def did_document(ctx: IssuerContext, org_slug: str) -> dict[str, Any]:
    """The did:web document of an organisation (did:web §3.2; Multikey, VC-DI EdDSA §2.1.1):
    every key, retired ones included, under ``assertionMethod``."""
    with session_scope(ctx.engine, write=False) as session:
        org = _by_slug(session, org_slug)
        keys = session.exec(
            select(IssuerKey)
            .where(IssuerKey.organisation_id == org.id)
            .order_by(col(IssuerKey.created_at))
        ).all()
    did = str(org.issuer_id)
    methods = [
        {
            "id": key.verification_method,
            "type": "Multikey",
            "controller": key.verification_method.split("#", 1)[0],
            "publicKeyMultibase": key.public_key_multibase,
        }
        for key in keys
        if key.verification_method.startswith(did + "#")
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }
