"""Fast, exact RDFC-1.0 canonical N-Quads for credentials (issue 9).

``badges.jsonld.canon.canonical_nquads`` (the dispatcher) calls
:func:`fast_canonical_nquads` first; ``None`` means "not handled here, use the reference
path" (pyld expansion + URDNA2015 with safe mode and bounds). The fast path is:

1. :mod:`badges.jsonld.fast_context` — pyld's own context processing, memoised per
   (active context, local context) and per document loader. Contexts are still loaded only
   through the caller's loader, so the allow-list and the digest pins apply unchanged.
2. :mod:`badges.jsonld.fast_rdf` (with :mod:`badges.jsonld.fast_terms`) — one walk of the
   compacted JSON straight to quads, reproducing JSON-LD 1.1 expansion and toRDF for the
   subset credentials use, with per-context compiled plans. Everything else (and everything
   the reference path calls data loss: dropped terms, relative IRIs and types) is refused, and
   the reference path then decides — so safe mode is never weaker here.
3. :mod:`badges.jsonld.fast_canon` — RDFC-1.0 on integer blank nodes: canonical labels from
   the first-degree hashes, and the N-degree step (§4.8) only for the blank nodes that tie,
   under the same work budget as the reference (``CanonLimits.max_work``).

The output is byte-identical to the reference path; ``tests/badges/test_fast_canon*.py``
check it differentially on generated credentials, on every vector and on every document of
``../shared/standards``. Each fallback is counted, with its reason, in :data:`STATS` (shown by
``python -m bench.data_integrity``). Only pyld 3.3.0 (pinned) is used, never patched: the fast
path calls a few of its internal functions (context processing, IRI expansion, double
formatting) so that those rules are pyld's own.

Bounds: the fast path refuses documents with more quads or blank nodes than ``CanonLimits``
allows, or whose N-degree step exceeds the work budget, so that the reference path raises the
proper ``canonicalization_limit_exceeded``; apart from that step its work is linear in the size
of the document (plus sorting). Memos are bounded (see ``fast_context`` / ``fast_rdf``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from badges.jsonld.canon import CanonLimits
from badges.jsonld.fast_canon import DuplicateTriple, WorkLimit, canonical_nquads
from badges.jsonld.fast_context import cache_for
from badges.jsonld.fast_rdf import TreeBuilder
from badges.jsonld.fast_terms import Unsupported
from badges.jsonld.loader import default_loader

__all__ = ["STATS", "FastPathStats", "fast_canonical_nquads"]

# The reference path expands with a null base IRI (VC-DI 1.0 §2.4.3), so does the fast path.
BASE = None
_DEFAULT_LIMITS = CanonLimits()

# Switch for measuring the reference path in the same process (bench) — never for production.
ENABLED = True


@dataclass
class FastPathStats:
    """How often the fast path answered, and why it did not (fallback reasons)."""

    handled: int = 0
    fallbacks: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, reason: str | None) -> None:
        with self._lock:
            if reason is None:
                self.handled += 1
            else:
                self.fallbacks[reason] += 1

    @property
    def total(self) -> int:
        return self.handled + sum(self.fallbacks.values())

    @property
    def fallback_rate(self) -> float:
        """Share of calls that went back to the reference path (0.0 when none yet)."""
        total = self.total
        return (sum(self.fallbacks.values()) / total) if total else 0.0

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "handled": self.handled,
                "fallbacks": dict(self.fallbacks),
                "fallback_rate": self.fallback_rate,
            }

    def reset(self) -> None:
        with self._lock:
            self.handled = 0
            self.fallbacks.clear()


STATS = FastPathStats()


def fast_canonical_nquads(
    document: dict[str, Any],
    *,
    loader: Callable[..., Any] | None = None,
    limits: CanonLimits | None = None,
) -> str | None:
    """RDFC-1.0 N-Quads of ``document``, or None when the reference path must answer.

    ``loader`` is the offline allow-list loader of the caller (the default loader when None,
    as in the reference path); contexts are loaded only through it.
    """
    if not ENABLED:
        return None
    cache = cache_for(loader if loader is not None else default_loader(), BASE)
    if cache is None:
        STATS.record("loader_not_cacheable")
        return None
    limits = limits or _DEFAULT_LIMITS
    builder = TreeBuilder(limits.max_quads)
    try:
        builder.top(cache.initial, document)
        if builder.bnodes > limits.max_blank_nodes:
            raise Unsupported("too_many_blank_nodes")
        result = canonical_nquads(
            builder.triples,
            builder.bnodes,
            merge_duplicates=not builder.ambiguous,
            max_work=limits.max_work,
        )
    except Unsupported as signal:
        STATS.record(signal.reason)
        return None
    except WorkLimit:
        STATS.record("n_degree_work_limit")
        return None
    except DuplicateTriple:
        STATS.record("duplicate_triple")
        return None
    except RecursionError:
        STATS.record("too_deep")
        return None
    except Exception as error:
        STATS.record("error:" + type(error).__name__)
        return None
    STATS.record(None)
    return result
