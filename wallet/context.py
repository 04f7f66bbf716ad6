"""What every wallet operation needs from outside, injected once by the caller (``cli``/``api``).

DESIGN.md §2: I/O is injected. The clock, the verification options (fetcher, trust registry,
pinned keys), the skills graph used to show block progress and the key the service signs
presentations with all come from the composition root; nothing here reads the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.engine import Engine

from badges.fetch import Fetcher
from badges.keys import Ed25519KeyPair
from referentials.graph import SkillsGraph
from verifier.options import VerifyOptions
from verifier.status_cache import StatusListCache
from verifier.trust import TrustRegistry

__all__ = ["Clock", "WalletContext", "WalletError", "system_clock"]

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class WalletError(Exception):
    """A refused wallet operation: a flat snake_case ``code``, a plain French ``message`` and the
    HTTP ``status`` the API answers with (RFC 9457 problem details)."""

    def __init__(self, message: str, *, code: str = "wallet_error", status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


@dataclass(slots=True)
class WalletContext:
    """The wallet's view of the world.

    ``fetcher`` is what the verifier may fetch through (status lists, DID documents); the
    composition root wraps it with :class:`wallet.local_fetch.StoredDocumentFetcher` so status
    lists this service publishes are read from the database. ``graph`` (optional) is the skills
    graph of the published referentials, for block progress. ``service_key`` signs verifiable
    presentations on a holder's behalf (with their consent); ``service_did`` is its controller.
    """

    engine: Engine
    base_url: str
    clock: Clock = system_clock
    fetcher: Fetcher | None = None
    trust_registry: TrustRegistry | None = None
    graph: SkillsGraph | None = None
    service_key: Ed25519KeyPair | None = None
    status_cache: StatusListCache = field(default_factory=StatusListCache)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    def now(self) -> datetime:
        return self.clock().astimezone(UTC)

    def verify_options(self, **overrides: object) -> VerifyOptions:
        """Fresh options at the injected clock's time (the status cache is shared)."""
        options = VerifyOptions(
            now=self.now(),
            fetcher=self.fetcher,
            trust_registry=self.trust_registry,
            status_cache=self.status_cache,
        )
        for name, value in overrides.items():
            setattr(options, name, value)
        return options

    def share_url(self, token: str) -> str:
        return f"{self.base_url}/p/{token}"
