"""Browser journeys: the application served by uvicorn on 127.0.0.1 (a thread, a free port, a
test database seeded with the demo data), headless Chromium driven through chromedriver, and
axe-core (npm, ``tests/browser/js``) injected into every page visited.

Skips with the reason when Chromium, chromedriver or npm is missing (``.ci/run`` installs the
Debian packages ``chromium`` and ``chromium-driver``).
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings
from storage.engine import DatabaseSettings, create_engine
from tests.browser.webdriver import CHROMIUM, Browser, chromedriver_path, free_port

JS_DIR = Path(__file__).resolve().parent / "js"
AXE = JS_DIR / "node_modules" / "axe-core" / "axe.min.js"


def _install_axe() -> None:
    if shutil.which("npm") is None:
        pytest.skip("npm not installed: axe-core cannot be installed for the browser tests")
    # The lock lives outside the checkout so it never shows up as a stray file.
    with (Path(tempfile.gettempdir()) / "atouts-browser-npm.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if AXE.exists():
            return
        completed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if completed.returncode != 0:
            pytest.fail(f"npm ci failed in {JS_DIR}:\n{completed.stderr}")


@dataclass
class Live:
    base: str
    app: Any
    engine: Any
    home: Path


@pytest.fixture
def live(db_url: str, tmp_path: Path) -> Iterator[Live]:
    from api.demo import seed_demo

    if not db_url.startswith("sqlite"):
        pytest.skip("browser journeys run on the embedded database")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    engine = create_engine(DatabaseSettings(url=db_url))
    settings = Settings(base_url=base, home=tmp_path, database_url=db_url, demo=True)
    app = create_app(settings, engine=engine)
    seed_demo(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        try:
            if httpx.get(base + "/healthz").status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    try:
        yield Live(base, app, engine, tmp_path)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(params=["desktop", "phone"])
def browser(request: pytest.FixtureRequest) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium; .ci/run does it)")
    if chromedriver_path() is None:
        pytest.skip("chromedriver is missing (apt-get install chromium-driver; .ci/run does it)")
    _install_axe()
    driver = Browser(request.param)
    driver.viewport = request.param  # type: ignore[attr-defined]
    try:
        yield driver
    finally:
        driver.quit()
