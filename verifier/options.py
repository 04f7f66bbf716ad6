"""What the caller injects into ``verify``: clock, fetcher, keys, trust, policy, limits.

DESIGN.md §2: I/O is injected. No check calls ``datetime.now()``; nothing here reads a file or
opens a socket by itself. ``VerifyOptions`` is built once by the composition root (CLI, API) and
may be shared by many ``verify`` calls (the status list cache lives here for that reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from badges.fetch import Fetcher
from badges.jsonld.loader import OfflineDocumentLoader
from badges.keys import Ed25519PublicKey
from verifier.checks.validity import DEFAULT_CLOCK_LEEWAY
from verifier.status_cache import StatusListCache
from verifier.trust import TrustRegistry


class KeyResolverLike(Protocol):
    """``badges.resolution.KeyResolver``: binds a verification method to the issuer's key."""

    def resolve(self, verification_method: str, *, issuer_id: str | None) -> Ed25519PublicKey: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds applied before any expensive work; each exceeded limit has its own code."""

    max_input_bytes: int = 2 * 1024 * 1024  # input_too_large
    max_json_depth: int = 48  # json_too_deep
    max_blank_nodes: int = 1_000  # blank_node_limit_exceeded
    # RDFC-1.0 §4.8 steps (hash N-degree quads calls + permutations) per canonicalization;
    # canonicalization_limit_exceeded (badges.jsonld.canon.CanonLimits.max_work).
    max_canonicalization_work: int = 20_000
    max_image_bytes: int = 8 * 1024 * 1024  # image_too_large
    max_url_hops: int = 2  # a share link may lead to a hosted credential, not further
    max_endorsement_depth: int = 2  # endorsement_depth_exceeded


@dataclass(slots=True)
class VerifyOptions:
    """Everything ``verify`` needs from outside. ``now`` is required: the clock is injected."""

    now: datetime
    fetcher: Fetcher | None = None
    pinned_keys: list[Ed25519PublicKey] = field(default_factory=list)
    key_resolver: KeyResolverLike | None = None
    trust_registry: TrustRegistry | None = None
    policy: str = "default"
    expected_recipient: str | None = None
    expected_recipient_type: str | None = None
    expected_challenge: str | None = None
    expected_domain: str | None = None
    limits: Limits = field(default_factory=Limits)
    # The allow-list loader; ``None`` is the default one. A loader given the bytes of contexts
    # pinned by digest but not shipped (``atouts verify --context URL=FILE``) goes here.
    document_loader: OfflineDocumentLoader | None = None
    status_cache: StatusListCache = field(default_factory=StatusListCache)
    # BSL §3.2: lists shorter than 131,072 entries raise STATUS_LIST_LENGTH_ERROR. The default
    # policy reads them with a warning (DCC's shared test list is 100,000 bits long); ``strict``
    # refuses them. ``None`` means "follow the policy".
    strict_status_length: bool | None = None
    # Resolvers built from these options, by proof purpose, reused by later verifications so
    # DID and controller documents are resolved once (filled by verifier.checks.proof).
    resolver_cache: dict[str, KeyResolverLike] = field(default_factory=dict)
    # Clock skew granted to validFrom / nbf only (a brand-new badge seen by a verifier whose
    # clock lags is not "not yet valid"); never to expiry. ADR 0001, verifier.checks.validity.
    clock_leeway: timedelta = DEFAULT_CLOCK_LEEWAY
    # What verifier.pipeline derives from these options once (the status context, the parsed
    # clock, the policy): rebuilt whenever an option it was derived from is another object.
    # Never a verdict; not an argument, not copied by dataclasses.replace.
    prepared: Any = field(default=None, init=False, repr=False, compare=False)

    def policy_settings(self) -> dict[str, object]:
        """What the report states about how it was judged, besides the policy's name."""
        return {
            "name": self.policy,
            "clock_leeway_seconds": int(self.clock_leeway.total_seconds()),
            "strict_status_length": self.status_length_is_strict,
        }

    @property
    def status_length_is_strict(self) -> bool:
        if self.strict_status_length is not None:
            return self.strict_status_length
        return self.policy == "strict"
