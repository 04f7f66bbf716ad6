"""How secrets that open something are made and stored (share links, magic links, claim codes,
sessions, API tokens, credential offers): only a hash is kept, computed the same way everywhere.

- Long random tokens (>= 128 bits, :func:`new_token`) are stored as their SHA-256: guessing is
  hopeless, so a plain hash suffices and lookups are one indexed equality.
- Short codes that people type (a claim code on paper, a personal code) have little entropy: a
  leaked table of their plain SHA-256 could be brute-forced offline. They are stored as an
  HMAC-SHA-256 keyed with a secret kept outside the database (``pepper``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 24  # 192 bits: comfortably above the 128 bits issue 6 requires for share links


def new_token(nbytes: int = TOKEN_BYTES) -> str:
    """A URL-safe random token (base64url, no padding)."""
    if nbytes < 16:
        raise ValueError("a token that opens something needs at least 128 random bits")
    return secrets.token_urlsafe(nbytes)


def hash_token(token: str, *, pepper: bytes | None = None) -> str:
    """The hex digest stored in ``*_hash`` columns: SHA-256 of the token, or HMAC-SHA-256 with
    ``pepper`` for short, human-typed codes (see the module docstring)."""
    data = token.encode("utf-8")
    if pepper is None:
        return hashlib.sha256(data).hexdigest()
    return hmac.new(pepper, data, hashlib.sha256).hexdigest()
