"""Unguessable link tokens and short codes, stored only as SHA-256 hashes.

Share links and login links carry 128 random bits (reliability-ux.md P6, issue 6: "a share link
cannot be guessed"); a copy of the database opens nothing because only the hash is kept.
Short codes (personal link + code) are 6 digits: they are never enough alone, they only
complete a personal link, and a few wrong tries lock the link.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

__all__ = ["TOKEN_BYTES", "new_short_code", "new_token", "same_hash", "token_hash"]

TOKEN_BYTES = 16  # 128 bits: 22 URL-safe characters


def new_token(nbytes: int = TOKEN_BYTES) -> str:
    if nbytes < TOKEN_BYTES:
        raise ValueError("a link token carries at least 128 random bits")
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def new_short_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def same_hash(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)
