"""Memoised JSON-LD active contexts for the fast Data Integrity path.

pyld 3.3.0 re-processes every type-scoped and property-scoped context each time it meets a
typed node (JSON-LD 1.1 Processing Algorithms §4.1 "Context Processing", called from §5.1.2
"Expansion Algorithm" steps 7, 8 and 11): it clones the active context for a non-propagated
context, which gives it a fresh ``_uuid`` and so misses its own cache. That is about three
quarters of the cost of canonicalizing a credential.

Here the *processing itself* is still pyld's (``JsonLdProcessor._process_context``, with the
caller's document loader, so the context allow-list and digests stay in force), but each
result is remembered, keyed by the active context it was applied to and the local context
applied. pyld's active contexts are immutable once built (``freeze``), so the same inputs
always give the same output and the memo is exact.

The memo lives in a :class:`ContextCache` that belongs to one document loader: a context
allowed by one loader is never served to a caller that passed another loader.
"""

from __future__ import annotations

import json
import re
import threading
import weakref
from collections.abc import Callable
from typing import Any

from pyld.context_resolver import ContextResolver
from pyld.jsonld import JsonLdProcessor

# The regular expression pyld uses for "absolute IRI" (jsonld.py ``_is_absolute_iri``).
ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")

# Bounds on what one cache may remember, so a stream of documents with ever-new inline
# contexts cannot grow memory without limit: past this the cache starts afresh.
MAX_CONTEXTS = 1024

# Kinds of context application, mirroring the flags pyld passes (§4.1 arguments).
SCOPED = "scoped"  # property-scoped / term-scoped: override_protected=True, propagate=True
TYPED = "typed"  # type-scoped: propagate=False
EMBEDDED = "embedded"  # a @context entry in the document: defaults

_NO_MAPPING: dict[str, Any] = {}


class Ctx:
    """One pyld active context, plus everything derived from it that is worth remembering."""

    __slots__ = (
        "_derived",
        "_iri",
        "_previous",
        "cache",
        "entries",
        "has_previous",
        "plans",
        "raw",
        "type_iris",
        "type_keys",
        "typed",
    )

    def __init__(self, raw: Any, cache: ContextCache) -> None:
        self.raw = raw
        self.cache = cache
        self.has_previous = bool(raw.get("previousContext"))
        self._derived: dict[tuple[str, Any], tuple[Any, Ctx]] = {}
        self._iri: dict[str, str | None] = {}
        self._previous: Ctx | None = None
        # Memos filled by badges.jsonld.fast_rdf ("compiled plans" for this context):
        self.plans: dict[str, Any] = {}  # key -> how to expand that key here
        self.entries: dict[tuple[str | None, bool], Ctx] = {}  # node entry contexts
        self.typed: dict[tuple[str, ...], Ctx] = {}  # after type-scoped contexts
        self.type_iris: dict[str, str] = {}  # checked @type IRIs
        # The keys that expand to @type here (a keyword alias is a term whose @id is it, §4.2).
        self.type_keys: tuple[str, ...] = (
            "@type",
            *(
                term
                for term, definition in raw["mappings"].items()
                if definition is not None and definition.get("@id") == "@type"
            ),
        )

    def mapping(self, term: str | None) -> dict[str, Any]:
        """The term definition of ``term`` (empty when undefined or explicitly null)."""
        if term is None:
            return _NO_MAPPING
        entry = self.raw["mappings"].get(term)
        return entry if entry is not None else _NO_MAPPING

    def previous(self) -> Ctx:
        """The context before a type-scoped context, else itself (§5.1.2 step 7)."""
        if "previousContext" not in self.raw:
            return self
        if self._previous is None:
            self._previous = self.cache.wrap(self.raw["previousContext"])
        return self._previous

    def vocab_iri(self, value: str) -> str | None:
        """IRI expansion with ``vocab=True`` and no document base (§5.2), memoised per context."""
        try:
            return self._iri[value]
        except KeyError:
            pass
        result: str | None = self.cache.processor._expand_iri(self.raw, value, vocab=True)
        if len(self._iri) < MAX_CONTEXTS:
            self._iri[value] = result
        return result

    def iri(self, value: str) -> str | None:
        """IRI expansion of an ``@id``-like value, no base: a relative IRI stays relative."""
        result: str | None = self.cache.processor._expand_iri(self.raw, value, base=None)
        return result

    def derive(self, kind: str, local: Any) -> Ctx:
        """The active context after applying ``local`` the way ``kind`` says (memoised)."""
        key: tuple[str, Any] = (kind, id(local))
        hit = self._derived.get(key)
        if hit is not None and hit[0] is local:
            return hit[1]
        result = self.cache.process(self, kind, local)
        # Keep ``local`` alive with the entry so that its id cannot be reused by another object.
        self._derived[key] = (local, result)
        return result

    def derive_embedded(self, local: Any) -> Ctx:
        """Apply a ``@context`` found in the document, keyed by its JSON text."""
        key: tuple[str, Any] = (EMBEDDED, _context_key(local))
        hit = self._derived.get(key)
        if hit is not None:
            return hit[1]
        result = self.cache.process(self, EMBEDDED, local)
        self._derived[key] = (local, result)
        return result


def _context_key(local: Any) -> str:
    if isinstance(local, str):
        return local
    return json.dumps(local, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ContextCache:
    """Processed contexts for one document loader (see the module docstring)."""

    def __init__(self, loader: Callable[..., Any], base: str | None = None) -> None:
        self.loader = loader
        self.base = base
        self.processor = JsonLdProcessor()
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._registry: dict[int, Ctx] = {}
        # A resolver of our own, so nothing lands in pyld's process-wide resolved-context cache.
        self._resolver = ContextResolver({}, self.loader)
        self.options: dict[str, Any] = {
            "documentLoader": self.loader,
            "contextResolver": self._resolver,
            "base": self.base,
            "processingMode": "json-ld-1.1",
            "isFrame": False,
        }
        initial = self.processor._get_initial_context(self.options)
        self.initial = self.wrap(initial)

    def wrap(self, raw: Any) -> Ctx:
        hit = self._registry.get(id(raw))
        if hit is not None and hit.raw is raw:
            return hit
        ctx = Ctx(raw, self)
        self._registry[id(raw)] = ctx
        return ctx

    def process(self, active: Ctx, kind: str, local: Any) -> Ctx:
        """Run pyld's context processing (§4.1) once for this (active context, local context)."""
        if len(self._registry) > MAX_CONTEXTS:
            with self._lock:
                if len(self._registry) > MAX_CONTEXTS:
                    self._reset()
        if kind == SCOPED:
            raw = self.processor._process_context(
                active.raw, local, self.options, override_protected=True, propagate=True
            )
        elif kind == TYPED:
            raw = self.processor._process_context(active.raw, local, self.options, propagate=False)
        else:
            raw = self.processor._process_context(active.raw, local, self.options)
        return self.wrap(raw)


_CACHES: weakref.WeakKeyDictionary[Any, dict[str | None, ContextCache]] = (
    weakref.WeakKeyDictionary()
)
_CACHES_LOCK = threading.Lock()


def cache_for(loader: Callable[..., Any], base: str | None = None) -> ContextCache | None:
    """The context cache of ``loader`` (created on first use); None if it cannot be remembered."""
    try:
        per_base = _CACHES.get(loader)
    except TypeError:  # not weak-referenceable: no memo, the caller falls back
        return None
    if per_base is None:
        with _CACHES_LOCK:
            per_base = _CACHES.setdefault(loader, {})
    cache = per_base.get(base)
    if cache is None:
        with _CACHES_LOCK:
            cache = per_base.setdefault(base, ContextCache(loader, base))
    return cache


def clear_caches() -> None:
    """Forget every processed context (tests; after the allow-list changes)."""
    with _CACHES_LOCK:
        _CACHES.clear()
