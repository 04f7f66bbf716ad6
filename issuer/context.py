"""What every issuing operation needs from outside, injected once by the caller (``cli``/``api``).

No environment, clock or database is read here: the composition roots build an
:class:`IssuerContext` from their settings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy.engine import Engine

from issuer.custody import KeyCustody
from issuer.notice_texts import NoticeTexts
from issuer.urls import IdentifierMode, IssuerUrls, default_mode

__all__ = ["Clock", "IssuerContext", "IssuerError", "iso", "system_clock"]

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@lru_cache(maxsize=256)
def iso(moment: datetime) -> str:
    """XML Schema dateTimeStamp in UTC without fractions (``2026-01-01T09:00:00Z``).

    Memoised: a batch formats the same few instants once per row. Equal datetimes (same
    instant, even in different zones) give the same text, so the cache cannot mix them up."""
    return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class IssuerError(Exception):
    """A refused issuing operation, with a flat snake_case ``code`` and a French message.

    ``status`` is the HTTP status the API answers with (problem details)."""

    def __init__(
        self, message: str, *, code: str = "issuer_error", status: int = 422, column: str = ""
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status
        self.column = column


@dataclass(slots=True)
class IssuerContext:
    engine: Engine
    custody: KeyCustody
    base_url: str
    clock: Clock = system_clock
    mode: IdentifierMode | None = None
    # Status lists are closed to new allocations past this fill (storage.status.allocate_rolling).
    status_fill_limit: float = 0.5
    # The words of the message telling a person about their badge, in their language
    # (``issuer.notify``). None: French only, and no language is looked up.
    notice_texts: NoticeTexts | None = None
    urls: IssuerUrls = field(init=False)

    def __post_init__(self) -> None:
        self.urls = IssuerUrls(self.base_url)
        if self.mode is None:
            self.mode = default_mode(self.base_url)

    def now(self) -> datetime:
        return self.clock().astimezone(UTC).replace(microsecond=0)
