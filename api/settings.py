"""Runtime settings of the web application, read once from the environment by the caller."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True, slots=True)
class Settings:
    base_url: str = DEFAULT_BASE_URL
    home: Path = Path(".atouts")
    database_url: str | None = None
    demo: bool = False

    @classmethod
    def from_environment(cls, *, base_url: str | None = None, demo: bool = False) -> Settings:
        home = Path(os.environ.get("ATOUTS_HOME", ".atouts"))
        return cls(
            base_url=os.environ.get("ATOUTS_BASE_URL", base_url or DEFAULT_BASE_URL).rstrip("/"),
            home=home,
            database_url=os.environ.get("ATOUTS_DATABASE_URL"),
            demo=demo,
        )
