"""Passwordless sign-in and API tokens: what opens a session or authenticates a program.

Magic links (single use, 15 minutes) and personal links plus a 6-digit code (for people without
e-mail; locked after 5 wrong codes); sessions; API tokens shown once. Only hashes are stored
(``storage.tokens``): SHA-256 for long random secrets, HMAC with the pepper for short codes.
Single use is settled by the database (``storage.once.mark_once``). Re-exported by
:mod:`api.auth`.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from storage.engine import session_scope
from storage.once import mark_once
from storage.tables import ApiToken, LoginPurpose, LoginToken, User, WebSession
from storage.tokens import hash_token, new_token

__all__ = [
    "MAGIC_LINK_LIFETIME",
    "MAX_CODE_ATTEMPTS",
    "PEPPER_FILE",
    "PERSONAL_LINK_LIFETIME",
    "SESSION_LIFETIME",
    "IssuedLogin",
    "create_api_token",
    "issue_login",
    "open_login_link",
    "open_personal_link",
    "pepper",
    "personal_link_exists",
    "revoke_session",
    "start_session",
]

MAGIC_LINK_LIFETIME = timedelta(minutes=15)
PERSONAL_LINK_LIFETIME = timedelta(days=30)
SESSION_LIFETIME = timedelta(hours=12)
MAX_CODE_ATTEMPTS = 5
PEPPER_FILE = "pepper.key"


def pepper(home: Path) -> bytes:
    """The secret keying short-code hashes: ``ATOUTS_PEPPER`` or ``<home>/pepper.key`` (0600)."""
    from_env = os.environ.get("ATOUTS_PEPPER")
    if from_env:
        return from_env.encode("utf-8")
    path = home / PEPPER_FILE
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_urlsafe(32).encode("ascii"))
    return path.read_bytes()


@dataclass(frozen=True, slots=True)
class IssuedLogin:
    token: str
    code: str | None
    expires_at: datetime


def issue_login(
    engine: Engine,
    user_id: str,
    *,
    now: datetime,
    purpose: LoginPurpose = LoginPurpose.MAGIC_LINK,
    pepper_key: bytes | None = None,
) -> IssuedLogin:
    """A new magic link (or personal link + 6-digit code). The caller delivers it."""
    token = new_token()
    code = None
    code_hash = None
    lifetime = MAGIC_LINK_LIFETIME
    if purpose == LoginPurpose.PERSONAL_LINK:
        if pepper_key is None:
            raise ValueError("a personal code needs the pepper")
        code = f"{secrets.randbelow(10**6):06d}"
        code_hash = hash_token(code, pepper=pepper_key)
        lifetime = PERSONAL_LINK_LIFETIME
    with session_scope(engine) as session:
        session.add(
            LoginToken(
                token_hash=hash_token(token),
                code_hash=code_hash,
                purpose=purpose,
                user_id=user_id,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
    return IssuedLogin(token=token, code=code, expires_at=now + lifetime)


def _open_session(session: Session, user_id: str, now: datetime) -> str:
    raw = new_token()
    session.add(
        WebSession(
            token_hash=hash_token(raw),
            user_id=user_id,
            created_at=now,
            expires_at=now + SESSION_LIFETIME,
        )
    )
    user = session.get(User, user_id)
    if user is not None:
        user.last_login_at = now
        session.add(user)
    return raw


def open_login_link(engine: Engine, token: str, *, now: datetime) -> tuple[str, str] | None:
    """Consume a magic link once: ``(session value, user id)``, or None (unknown, used, expired)."""
    with session_scope(engine) as session:
        row = session.exec(
            select(LoginToken).where(
                LoginToken.token_hash == hash_token(token),
                LoginToken.purpose == LoginPurpose.MAGIC_LINK,
            )
        ).first()
        if row is None or row.expires_at <= now:
            return None
        if not mark_once(session, LoginToken.used_at, now, col(LoginToken.id) == row.id):
            return None
        return _open_session(session, row.user_id, now), row.user_id


def personal_link_exists(engine: Engine, token: str, *, now: datetime) -> bool:
    with session_scope(engine, write=False) as session:
        row = session.exec(
            select(LoginToken).where(LoginToken.token_hash == hash_token(token))
        ).first()
        return bool(
            row is not None
            and row.purpose == LoginPurpose.PERSONAL_LINK
            and row.expires_at > now
            and row.attempts < MAX_CODE_ATTEMPTS
        )


def open_personal_link(
    engine: Engine, token: str, code: str, *, now: datetime, pepper_key: bytes
) -> tuple[str, str] | None:
    """A personal link + its short code opens a session (the link stays usable; 5 wrong codes
    lock it)."""
    with session_scope(engine) as session:
        row = session.exec(
            select(LoginToken).where(
                LoginToken.token_hash == hash_token(token),
                LoginToken.purpose == LoginPurpose.PERSONAL_LINK,
            )
        ).first()
        if row is None or row.expires_at <= now or row.attempts >= MAX_CODE_ATTEMPTS:
            return None
        expected = row.code_hash or ""
        if not secrets.compare_digest(expected, hash_token(code.strip(), pepper=pepper_key)):
            row.attempts += 1
            session.add(row)
            return None
        return _open_session(session, row.user_id, now), row.user_id


def start_session(engine: Engine, user_id: str, *, now: datetime) -> str:
    """Open a session for ``user_id`` (after a proof of identity the caller checked)."""
    with session_scope(engine) as session:
        return _open_session(session, user_id, now)


def revoke_session(engine: Engine, session_id: str, *, now: datetime) -> None:
    with session_scope(engine) as session:
        mark_once(session, WebSession.revoked_at, now, col(WebSession.id) == session_id)


def create_api_token(
    engine: Engine,
    *,
    name: str,
    scopes: list[str],
    user_id: str | None,
    organisation_id: str | None,
    now: datetime,
    expires_at: datetime | None = None,
) -> tuple[str, ApiToken]:
    """A new token (shown once) and its stored row (hash only)."""
    raw = "atk_" + new_token(32)
    row = ApiToken(
        token_hash=hash_token(raw),
        name=name,
        user_id=user_id,
        organisation_id=organisation_id,
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=expires_at,
    )
    with session_scope(engine) as session:
        session.add(row)
    return raw, row
