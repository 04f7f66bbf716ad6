"""The ``validity_period`` check (OB 3.0 §9 Verification step 4; VCDM 2.0 §4.9).

``validFrom``/``validUntil`` (VCDM 2.0) or ``issuanceDate``/``expirationDate`` (VCDM 1.1, legacy).
The clock is the caller's (``VerifyOptions.now``). An expired badge is a finding, not a fatal
error: the policy decides what it means (ADR 0001).

Clock skew: the issuer sets ``validFrom`` to the moment of issue, so a verifier whose clock lags a
little would call a brand-new badge "not yet valid". ``leeway`` (``VerifyOptions.clock_leeway``,
``DEFAULT_CLOCK_LEEWAY`` = 5 minutes, reported in the report's ``policy_settings``) is granted to
``validFrom`` only (and so to a JWT's ``nbf``, which mirrors it); never to expiry.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from badges.problems import Problem
from verifier.codes import Code
from verifier.report import Check, CheckId, Outcome, new_check

# Enum members read on the hot path, as module globals: reading ``Outcome.PASSED`` is an
# attribute lookup on the enum class (~45 ns), a global costs a few.
_FAILED = Outcome.FAILED
_PASSED = Outcome.PASSED
_VALIDITY_PERIOD = CheckId.VALIDITY_PERIOD


def parse_datetime(value: Any) -> datetime | None:
    """An XML Schema dateTimeStamp as an aware datetime; ``None`` when it is not one."""
    if not isinstance(value, str) or len(value) < 19:
        return None
    return _parse_text(value)


@functools.lru_cache(maxsize=4096)
def _parse_text(value: str) -> datetime | None:
    # Cached: the badges of one issuer share a handful of dates (datetimes are immutable).
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        # VCDM 2.0 requires a time zone; read a naive time as UTC rather than refuse the badge.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _iso(moment: datetime) -> str:
    # Equal instants in other offsets compare equal: the offset is part of the key.
    return _iso_cached(moment, moment.utcoffset())


@functools.lru_cache(maxsize=4096)
def _iso_cached(moment: datetime, offset: timedelta | None) -> str:
    return moment.isoformat()


def validity_bounds(credential: dict[str, Any]) -> tuple[Any, Any, str, str]:
    if "validFrom" in credential or "validUntil" in credential:
        return (
            credential.get("validFrom"),
            credential.get("validUntil"),
            "/validFrom",
            "/validUntil",
        )
    return (
        credential.get("issuanceDate"),
        credential.get("expirationDate"),
        "/issuanceDate",
        "/expirationDate",
    )


DEFAULT_CLOCK_LEEWAY = timedelta(minutes=5)


def _malformed(raw: Any, path: str) -> Problem:
    return Problem(
        code=str(Code.VALIDITY_PERIOD_MALFORMED),
        message=f"{path[1:]} is not a date-time: {raw!r}",
        path=path,
    )


def check_validity_period(
    credential: dict[str, Any], now: datetime, *, leeway: timedelta = timedelta(0)
) -> Check:
    return check_validity_at(credential, now, leeway, _iso(now), int(leeway.total_seconds()))


def check_validity_at(
    credential: dict[str, Any],
    now: datetime,
    leeway: timedelta,
    now_iso: str,
    leeway_seconds: int,
) -> Check:
    """``check_validity_period`` with the clock's text and the leeway's seconds given.

    The pipeline computes both once per ``VerifyOptions`` (they depend on the options only).
    """
    raw_from, raw_until, from_path, until_path = validity_bounds(credential)
    problems: list[Problem] = []
    valid_from = parse_datetime(raw_from) if raw_from is not None else None
    valid_until = parse_datetime(raw_until) if raw_until is not None else None
    if raw_from is not None and valid_from is None:
        problems.append(_malformed(raw_from, from_path))
    if raw_until is not None and valid_until is None:
        problems.append(_malformed(raw_until, until_path))
    details: dict[str, Any] = {
        "now": now_iso,
        "valid_from": _iso(valid_from) if valid_from else None,
        "valid_until": _iso(valid_until) if valid_until else None,
        "clock_leeway_seconds": leeway_seconds,
    }
    if problems:
        return Check(
            check=_VALIDITY_PERIOD,
            outcome=_FAILED,
            problems=problems,
            details=details,
        )
    if valid_from is not None and now + leeway < valid_from:
        problems.append(
            Problem(
                code=str(Code.NOT_YET_VALID),
                message=f"valid from {valid_from.isoformat()}, now is {now.isoformat()}",
                path=from_path,
                details={"valid_from": valid_from.isoformat(), "now": now.isoformat()},
            )
        )
    if valid_until is not None and now > valid_until:
        problems.append(
            Problem(
                code=str(Code.EXPIRED),
                message=f"expired on {valid_until.isoformat()}, now is {now.isoformat()}",
                path=until_path,
                details={"valid_until": valid_until.isoformat(), "now": now.isoformat()},
            )
        )
    outcome = _FAILED if problems else _PASSED
    return new_check(_VALIDITY_PERIOD, outcome, problems, details)
