"""Offline JSON-LD document loader over the pinned allow-list of contexts.

VC-DI 1.0 §2.4.1 (Validating Contexts) and VC DM 2.0 §B.1: contexts come from local copies whose
SHA-256 is pinned (``badges.contexts.registry``); any other URL is refused with
``context_not_allowed`` and nothing is ever fetched from the network (attack S2 in
research/reliability-ux.md A3).

Usable as a pyld ``documentLoader``. Use :meth:`OfflineDocumentLoader.pyld_options` rather than
passing the loader alone: pyld keeps a process-wide cache of resolved contexts keyed by URL,
which would let a context resolved through one loader leak into another; the options it returns
carry a resolver with a cache private to this loader.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from pyld.context_resolver import ContextResolver

from badges.contexts.registry import (
    ALLOWED_CONTEXTS,
    EXAMPLE_CONTEXTS,
    ContextDigestError,
    read_context_bytes,
)
from badges.problems import BadgeError, Problem, Severity

__all__ = [
    "ContextNotAllowedError",
    "OfflineDocumentLoader",
    "context_urls",
    "context_warnings",
    "default_loader",
]


class ContextNotAllowedError(BadgeError):
    """A context URL outside the allow-list, or bytes that do not match the pinned digest."""

    code = "context_not_allowed"


class _BoundedCache(dict[str, Any]):
    """pyld's resolved-context cache, bounded: inline contexts of untrusted documents are keys
    too, so an unbounded cache would let a long-running verifier grow without limit."""

    max_entries = 512

    def __setitem__(self, key: str, value: Any) -> None:
        if len(self) >= self.max_entries and key not in self:
            self.clear()
        super().__setitem__(key, value)


class OfflineDocumentLoader:
    """Serve only allow-listed contexts, from package data checked against their digests.

    ``extra_documents`` supplies the bytes of allow-listed contexts that are pinned but not
    shipped (e.g. the VC examples v2 context used by the W3C vectors); they are accepted only if
    their SHA-256 equals the pin.
    """

    def __init__(self, extra_documents: Mapping[str, bytes] | None = None) -> None:
        self._documents: dict[str, dict[str, Any]] = {}
        self._resolved_cache: dict[str, Any] = _BoundedCache()
        for url, data in (extra_documents or {}).items():
            entry = ALLOWED_CONTEXTS.get(url)
            if entry is None:
                raise ContextNotAllowedError(f"contexte hors liste autorisée : {url}")
            if hashlib.sha256(data).hexdigest() != entry.sha256:
                raise ContextNotAllowedError(
                    f"contexte {url} : empreinte SHA-256 différente de celle attendue"
                )
            self._documents[url] = json.loads(data)

    def _document(self, url: str) -> dict[str, Any]:
        doc = self._documents.get(url)
        if doc is not None:
            return doc
        entry = ALLOWED_CONTEXTS.get(url)
        if entry is None or entry.filename is None:
            raise ContextNotAllowedError(f"contexte JSON-LD non autorisé : {url}", path=url)
        try:
            parsed: dict[str, Any] = json.loads(read_context_bytes(entry))
        except ContextDigestError as exc:  # the installed package was altered: refuse
            raise ContextNotAllowedError(str(exc), path=url) from exc
        self._documents[url] = parsed
        return parsed

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {
            "contextUrl": None,
            "documentUrl": url,
            "document": copy.deepcopy(self._document(url)),
            # "static": pyld may cache the resolved context (in our private cache only)
            "tag": "static",
        }

    def allows(self, url: str) -> bool:
        entry = ALLOWED_CONTEXTS.get(url)
        return entry is not None and (entry.filename is not None or url in self._documents)

    def pyld_options(self) -> dict[str, Any]:
        """Options for pyld calls: this loader plus a context resolver with a private cache."""
        return {
            "documentLoader": self,
            "contextResolver": ContextResolver(self._resolved_cache, self),
        }


@lru_cache(maxsize=1)
def default_loader() -> OfflineDocumentLoader:
    """The process-wide loader over the shipped contexts (no extra documents)."""
    return OfflineDocumentLoader()


def _walk_contexts(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "@context":
                yield from value if isinstance(value, list) else [value]
            else:
                yield from _walk_contexts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_contexts(item)


def context_urls(document: Any) -> list[str]:
    """Every context URL referenced by ``@context`` anywhere in the document, in order."""
    return [c for c in _walk_contexts(document) if isinstance(c, str)]


def context_warnings(document: Any) -> list[Problem]:
    """Warnings about allowed but doubtful contexts (``context_examples_vocab``)."""
    problems: list[Problem] = []
    for url in dict.fromkeys(context_urls(document)):
        if url in EXAMPLE_CONTEXTS:
            problems.append(
                Problem(
                    code="context_examples_vocab",
                    message=(
                        "Le document utilise le contexte d'exemples du W3C, qui donne un sens "
                        "à n'importe quel terme : à réserver aux tests."
                    ),
                    severity=Severity.WARNING,
                    path="@context",
                    details={"url": url},
                )
            )
    return problems
