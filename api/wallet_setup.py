"""Build the wallet's context from the application settings (composition root, issue 6).

Used by the web application (``api.wallet_routes.install``) and by ``atouts wallet``. The
database must be migrated (``atouts db upgrade``). The key the service signs presentations with
on holders' behalf lives in ``<ATOUTS_HOME>/presentation-key.json`` (created on first use, mode
0600), outside the database like every private key (DESIGN.md §7).
"""

from __future__ import annotations

import json
import os
import weakref
from pathlib import Path

from sqlalchemy.engine import Engine

from api.settings import Settings
from badges.fetch import Fetcher, GuardedFetcher
from badges.keys import Ed25519KeyPair
from storage.engine import DatabaseSettings
from storage.migrate import open_migrated_engine
from wallet.context import Clock, WalletContext, system_clock
from wallet.graph_source import GraphCache
from wallet.local_fetch import StoredDocumentFetcher

__all__ = ["presentation_key", "refresh_graph", "wallet_context"]

KEY_FILE = "presentation-key.json"
# One graph cache per engine: rebuilt only when a referential is published or retired.
GRAPHS: weakref.WeakKeyDictionary[Engine, GraphCache] = weakref.WeakKeyDictionary()


def refresh_graph(ctx: WalletContext) -> None:
    cache = GRAPHS.get(ctx.engine)
    if cache is not None:
        ctx.graph = cache.get()


def presentation_key(home: Path) -> Ed25519KeyPair:
    path = home / KEY_FILE
    if path.exists():
        return Ed25519KeyPair.from_key_file(json.loads(path.read_text(encoding="utf-8")))
    pair = Ed25519KeyPair.generate()
    home.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker created it first: use theirs
        return presentation_key(home)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(pair.to_key_file(), handle)
    return pair


def wallet_context(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock = system_clock,
    fetcher: Fetcher | None = None,
    network: bool = True,
) -> WalletContext:
    """A context on the application's database; ``network=False`` keeps verification offline
    (only what this service publishes is read, from the database)."""
    if engine is None:
        engine = open_migrated_engine(
            DatabaseSettings(home=settings.home, url=settings.database_url)
        )
    if fetcher is None:
        fetcher = StoredDocumentFetcher(engine, GuardedFetcher() if network else None)
    ctx = WalletContext(
        engine=engine,
        base_url=settings.base_url,
        clock=clock,
        fetcher=fetcher,
        graph=None,  # filled per request from the cache below (api.wallet_routes.wallet_ctx)
        service_key=presentation_key(settings.home),
    )
    cache = GRAPHS.get(engine)
    if cache is None:
        cache = GRAPHS[engine] = GraphCache(engine, settings.base_url)
    ctx.graph = cache.get()
    return ctx
