"""Hashed recipient identifiers (OB 3.0 IdentityObject and IdentityHash; §9 step 5).

``identityHash`` is ``"sha256$" + hex(sha256(utf8(identifier + salt)))`` (``md5$`` is also allowed
by the specification; we only *check* md5, never produce it). Hex digits may be upper or lower
case. A per-credential random salt keeps two badges of the same person unlinkable
(reliability-ux.md A4 / P2): a salted hash is pseudonymisation, not anonymisation.

Normalisation (ours, documented because the specification is silent): before hashing, e-mail
addresses are trimmed and lower-cased, phone numbers lose spaces, dots, dashes and parentheses,
national identity numbers lose spaces and are upper-cased. A check first tries the value exactly as
given, then its normalised form, so credentials hashed by other issuers without normalisation
still match.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class IdentityType(StrEnum):
    """Values of ``identityType`` (OB 3.0 IdentifierTypeEnum) used by atouts, plus our phone."""

    NAME = "name"
    EMAIL = "emailAddress"
    NATIONAL_ID = "nationalIdentityNumber"
    SOURCED_ID = "sourcedId"
    SYSTEM_ID = "systemId"
    USER_NAME = "userName"
    ACCOUNT_ID = "accountId"
    IDENTIFIER = "identifier"
    # The enumeration has no phone number; extensions use the ``ext:`` prefix.
    PHONE = "ext:telephone"


_PHONE_NOISE = re.compile(r"[\s.\-()]")
_HASH = re.compile(r"^(sha256|md5)\$([0-9a-fA-F]+)$")


def normalize_identifier(identifier: str, identity_type: str) -> str:
    """The canonical form atouts hashes for ``identity_type`` (see module docstring)."""
    if identity_type == IdentityType.EMAIL:
        return identifier.strip().lower()
    if identity_type == IdentityType.PHONE:
        return _PHONE_NOISE.sub("", identifier.strip())
    if identity_type == IdentityType.NATIONAL_ID:
        return re.sub(r"\s", "", identifier).upper()
    return identifier.strip()


def new_salt() -> str:
    """A random 128-bit salt as 32 hex characters."""
    return secrets.token_hex(16)


def identity_hash(identifier: str, salt: str = "", *, algorithm: str = "sha256") -> str:
    """``<algorithm>$`` + lower-case hex digest of ``identifier + salt`` (UTF-8)."""
    data = (identifier + salt).encode("utf-8")
    if algorithm == "sha256":
        return "sha256$" + hashlib.sha256(data).hexdigest()
    if algorithm == "md5":
        # Only for checking identities hashed by others: OB 3.0 still allows md5.
        return "md5$" + hashlib.md5(data, usedforsecurity=False).hexdigest()
    raise ValueError(f"algorithme de hachage non pris en charge : {algorithm}")


def hashed_identity(
    identifier: str,
    identity_type: str = IdentityType.EMAIL,
    *,
    salt: str | None = None,
    normalize: bool = True,
) -> dict[str, Any]:
    """A hashed ``IdentityObject`` (JSON) for ``identifier`` with a fresh random salt."""
    value = normalize_identifier(identifier, identity_type) if normalize else identifier
    chosen_salt = new_salt() if salt is None else salt
    return {
        "type": "IdentityObject",
        "identityHash": identity_hash(value, chosen_salt),
        "identityType": str(identity_type),
        "hashed": True,
        "salt": chosen_salt,
    }


def plain_identity(identifier: str, identity_type: str = IdentityType.NAME) -> dict[str, Any]:
    """An unhashed ``IdentityObject``: the value is written as is (use only when not personal)."""
    return {
        "type": "IdentityObject",
        "identityHash": identifier,
        "identityType": str(identity_type),
        "hashed": False,
    }


def identity_matches(identity: Mapping[str, Any], known: str) -> bool:
    """Does ``known`` (e-mail, phone…) designate the recipient described by ``identity``?

    OB 3.0 verification step 5: hashed ⇒ recompute with the salt and compare (hex case-insensitive,
    ``sha256$`` or ``md5$``); unhashed ⇒ compare the plain text. Comparisons run in constant time.
    A malformed identity object never matches.
    """
    stored = identity.get("identityHash")
    if not isinstance(stored, str):
        return False
    identity_type = identity.get("identityType")
    candidates = [known]
    if isinstance(identity_type, str):
        normalized = normalize_identifier(known, identity_type)
        if normalized != known:
            candidates.append(normalized)
    if identity.get("hashed") is not True:
        return any(hmac.compare_digest(c.encode(), stored.encode()) for c in candidates)
    match = _HASH.match(stored)
    if match is None:
        return False
    algorithm, digest = match.group(1), match.group(2).lower()
    salt = identity.get("salt", "")
    if not isinstance(salt, str):
        return False
    expected = f"{algorithm}${digest}".encode()
    return any(
        hmac.compare_digest(identity_hash(c, salt, algorithm=algorithm).encode(), expected)
        for c in candidates
    )


def subject_matches(subject: Mapping[str, Any], known: str, identity_type: str | None) -> bool:
    """``known`` is ``credentialSubject.id`` or matches one ``identifier`` (of that type)."""
    if subject.get("id") == known:
        return True
    identifiers = subject.get("identifier", [])
    if isinstance(identifiers, Mapping):
        identifiers = [identifiers]
    if not isinstance(identifiers, list):
        return False
    return any(
        isinstance(entry, Mapping)
        and (identity_type is None or entry.get("identityType") == identity_type)
        and identity_matches(entry, known)
        for entry in identifiers
    )
