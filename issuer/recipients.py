"""Recipients: e-mail, phone, national or local identifier, or nobody yet (claim code).

The credential carries only a salted ``IdentityObject`` hash (OB 3.0 §B IdentityObject;
``badges.identity``); the plain contact goes to the private, erasable ``credential_recipients``
table. A recipient not known yet gets a **claim code** (80 random bits, shown once, stored as a
SHA-256 hash); the credential then identifies its subject by the salted hash of that code
(``identityType`` ``ext:claimCode``), so whoever redeems the code can prove the badge is theirs.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from typing import Any

from badges.identity import IdentityType, hashed_identity, normalize_identifier
from issuer.context import IssuerError
from storage.tables import RecipientKind

__all__ = ["CLAIM_IDENTITY_TYPE", "Recipient", "new_claim_code", "parse_recipient"]

CLAIM_IDENTITY_TYPE = "ext:claimCode"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")
_CLAIM_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"  # no 0/O, 1/I/L, U: read aloud and typed


@dataclass(frozen=True, slots=True)
class Recipient:
    kind: RecipientKind
    value: str | None = None  # normalised contact (None for claim)
    name: str | None = None

    @property
    def identity_type(self) -> str:
        return {
            RecipientKind.EMAIL: IdentityType.EMAIL,
            RecipientKind.PHONE: IdentityType.PHONE,
            RecipientKind.NATIONAL_ID: IdentityType.NATIONAL_ID,
            RecipientKind.LOCAL_ID: IdentityType.SOURCED_ID,
            RecipientKind.NONE: CLAIM_IDENTITY_TYPE,
        }[self.kind]

    def identity(self, claim_code: str | None = None) -> dict[str, Any]:
        """The salted, hashed ``IdentityObject`` written in the credential."""
        if self.kind == RecipientKind.NONE:
            assert claim_code is not None
            return hashed_identity(claim_code, CLAIM_IDENTITY_TYPE, normalize=False)
        assert self.value is not None
        return hashed_identity(self.value, self.identity_type)

    def lookup_hmac(self, secret: bytes) -> str | None:
        """Keyed hash to find a person's badges without storing the contact in clear twice."""
        if self.value is None:
            return None
        message = f"{self.kind}:{self.value}".encode()
        return hmac.new(secret, message, hashlib.sha256).hexdigest()


def _phone(value: str) -> str:
    digits = normalize_identifier(value, IdentityType.PHONE)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif re.fullmatch(r"0[1-9][0-9]{8}", digits):
        digits = "+33" + digits[1:]  # French national number to E.164
    return digits


def parse_recipient(text: str | None, *, name: str | None = None, column: str = "") -> Recipient:
    """``email:…``, ``tel:…``, ``nir:…`` (national identifier), ``id:…`` (local identifier),
    a bare e-mail address or phone number, or empty / ``aucun`` (claim code)."""
    value = (text or "").strip()
    if not value or value.lower() in ("aucun", "none", "-"):
        return Recipient(RecipientKind.NONE, None, name)
    prefix, sep, rest = value.partition(":")
    prefix = prefix.lower() if sep else ""
    if prefix in ("email", "mailto", "courriel"):
        value, kind = rest.strip(), RecipientKind.EMAIL
    elif prefix in ("tel", "telephone", "téléphone", "phone"):
        value, kind = rest.strip(), RecipientKind.PHONE
    elif prefix in ("nir", "national"):
        value, kind = rest.strip(), RecipientKind.NATIONAL_ID
    elif prefix in ("id", "local"):
        value, kind = rest.strip(), RecipientKind.LOCAL_ID
    elif "@" in value:
        kind = RecipientKind.EMAIL
    elif _PHONE.match(normalize_identifier(value, IdentityType.PHONE)):
        kind = RecipientKind.PHONE
    else:
        raise IssuerError(
            f"destinataire « {value} » non reconnu : une adresse e-mail, un numéro de téléphone, "
            "nir:… ou id:…",
            code="recipient_invalid",
            column=column,
        )
    if kind == RecipientKind.EMAIL:
        value = normalize_identifier(value, IdentityType.EMAIL)
        if not _EMAIL.match(value):
            raise IssuerError(
                f"l'adresse « {value} » n'est pas valide", code="email_invalid", column=column
            )
    elif kind == RecipientKind.PHONE:
        value = _phone(value)
        if not _PHONE.match(value):
            raise IssuerError(
                f"le numéro « {value} » n'est pas valide", code="phone_invalid", column=column
            )
    elif kind == RecipientKind.NATIONAL_ID:
        value = normalize_identifier(value, IdentityType.NATIONAL_ID)
    if not value:
        raise IssuerError(
            "identifiant du destinataire vide", code="recipient_invalid", column=column
        )
    return Recipient(kind, value, name)


def new_claim_code() -> str:
    """16 characters from a 30-letter alphabet (~78 bits), grouped by 4 for reading aloud."""
    raw = "".join(secrets.choice(_CLAIM_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def claim_code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()
