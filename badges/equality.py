"""Credential equality and comparison (OB 3.0 §"Credential Equality and Comparison").

Two credentials are the same when their ``issuer.id`` and their ``id`` are equal after
percent-decoding and trimming white space; among copies of the same credential, the one with the
most recent ``validFrom`` is current (it replaces the others). Hosts (upsert), wallets
(de-duplication) and the issuer's re-issue path all use this one rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import unquote

C = TypeVar("C", bound=Mapping[str, Any])


def _normalize(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    normalized = unquote(value).strip()
    return normalized or None


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    """``issuer`` as a URL string or ``issuer.id`` of a Profile object."""
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def credential_key(credential: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(issuer id, credential id)`` normalised, or ``None`` when either is missing."""
    issuer = _normalize(issuer_id(credential))
    identifier = _normalize(credential.get("id"))
    if issuer is None or identifier is None:
        return None
    return issuer, identifier


def same_credential(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """True when both designate the same credential; credentials without ids are never equal."""
    key = credential_key(a)
    return key is not None and key == credential_key(b)


def _valid_from(credential: Mapping[str, Any]) -> datetime | None:
    # VC 1.1 credentials carry issuanceDate instead of validFrom.
    value = credential.get("validFrom", credential.get("issuanceDate"))
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def is_newer(candidate: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    """Strictly more recent ``validFrom`` (an unreadable date is never newer)."""
    new, old = _valid_from(candidate), _valid_from(existing)
    if new is None:
        return False
    return old is None or new > old


def current(existing: C, incoming: C) -> C:
    """Which copy wins: ``incoming`` only if it is the same credential and strictly newer.

    The specification leaves an equal or older submission to the host; we keep what is stored.
    """
    if same_credential(existing, incoming) and is_newer(incoming, existing):
        return incoming
    return existing
