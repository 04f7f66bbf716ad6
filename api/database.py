"""The application's database engine, opened once per app (composition root).

``create_app(settings, engine=...)`` may inject an engine (tests); otherwise the engine is
opened on first use from the settings with :func:`storage.migrate.open_migrated_engine`, which
refuses an unmigrated database with storage's French message. ``atouts serve`` opens it at
start-up (lifespan) so such a database stops the server before it serves anything.
"""

from __future__ import annotations

import threading

from fastapi import FastAPI, Request
from sqlalchemy.engine import Engine

from api.settings import Settings
from storage.engine import DatabaseSettings
from storage.migrate import open_migrated_engine

__all__ = ["app_engine", "engine_of"]

_lock = threading.Lock()


def app_engine(app: FastAPI) -> Engine:
    engine = getattr(app.state, "engine", None)
    if engine is not None:
        return engine  # type: ignore[no-any-return]
    with _lock:
        engine = getattr(app.state, "engine", None)
        if engine is None:
            settings: Settings = app.state.settings
            engine = open_migrated_engine(
                DatabaseSettings(home=settings.home, url=settings.database_url)
            )
            app.state.engine = engine
            from api.referential_catalogue import attach_store

            attach_store(engine, settings.home / "referentials")  # the catalogue lists it
    return engine  # type: ignore[no-any-return]


def engine_of(request: Request) -> Engine:
    """FastAPI dependency: the application's engine."""
    return app_engine(request.app)
