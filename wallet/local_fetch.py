"""Serve the status lists this service publishes from the database, before the network.

A badge issued here points its ``credentialStatus`` at ``{base}/status/{id}``. When the wallet
verifies it (at import, on the share page) the verifier fetches that URL through the injected
fetcher; reading the published list from ``status_lists.published_text`` gives the same bytes
the public URL serves, without a request to ourselves (which a guarded fetcher would refuse on
a loopback address anyway). Any other URL goes to ``fallback`` (or fails: offline by default).
"""

from __future__ import annotations

from urllib.parse import urldefrag

from sqlalchemy.engine import Engine
from sqlmodel import select

from badges.fetch import Fetcher, FetchError, FetchResult
from storage.engine import session_scope
from storage.tables import StatusList

__all__ = ["StoredDocumentFetcher"]


class StoredDocumentFetcher:
    def __init__(self, engine: Engine, fallback: Fetcher | None = None) -> None:
        self.engine = engine
        self.fallback = fallback

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        key = urldefrag(url)[0]
        with session_scope(self.engine, write=False) as session:
            row = session.exec(select(StatusList).where(StatusList.url == key)).first()
            text = row.published_text if row is not None else None
        if text is not None:
            return FetchResult(200, "application/vc+ld+json", text.encode("utf-8"), key)
        if self.fallback is not None:
            return self.fallback.fetch(url, accept=accept)
        raise FetchError(f"{key} n'est pas disponible hors ligne")
