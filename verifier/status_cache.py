"""A cache of status lists that honours each list's validity (BSL §5 "Verifier Caching").

Many badges share one status list; fetching it and verifying its proof once per list (not once per
badge) is what keeps verifying 1,000 badges cheap. An entry is used until the earliest of: the
list's ``validUntil``, its ``ttl`` (BSL: milliseconds), or ``default_ttl``. Time always comes from
the caller's clock (``VerifyOptions.now``). Failures are not cached: "could not fetch" may be
temporary and the next verification should try again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from badges.problems import Problem


@dataclass(frozen=True, slots=True)
class ValidatedList:
    """A status list whose proof and dates were checked: the bits and what they mean."""

    url: str
    bitstring: bytes
    purposes: tuple[str, ...]
    status_size: int
    issuer: str | None
    expires_at: datetime
    warnings: tuple[Problem, ...] = ()
    messages: tuple[dict[str, str], ...] = ()
    revoked_ids: frozenset[str] = frozenset()  # 1EdTechRevocationList documents
    kind: str = "bitstring"


@dataclass(slots=True)
class StatusListCache:
    default_ttl: timedelta = timedelta(minutes=5)
    max_entries: int = 1_000
    _entries: dict[str, ValidatedList] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    hits: int = 0
    misses: int = 0

    def get(self, url: str, now: datetime) -> ValidatedList | None:
        with self._lock:
            entry = self._entries.get(url)
            if entry is None or now >= entry.expires_at:
                self.misses += 1
                return None
            self.hits += 1
            return entry

    def put(self, entry: ValidatedList) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries and entry.url not in self._entries:
                # Drop the entry that expires first: simple, bounded, good enough for lists.
                oldest = min(self._entries.values(), key=lambda e: e.expires_at)
                del self._entries[oldest.url]
            self._entries[entry.url] = entry

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
