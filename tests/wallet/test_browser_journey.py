"""The beneficiary's journey in a real browser (issue 6, "What must hold"): headless Chromium at a
phone size claims a badge with its code, opens it, shares it with an employer (after the
preview), the employer sees "Badge authentique", the holder reads the access log and withdraws
the link, which then answers 410. axe-core finds no serious or critical violation on any page,
in French and in English.

Runs when the system has ``chromium`` (Debian package) and ``node``/``npm``; otherwise it is
skipped with the reason. The npm packages (puppeteer-core, which never downloads a browser, and
axe-core) are installed on demand from ``browser/package-lock.json``.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import uvicorn

from api.app import create_app
from api.security import RateLimiter
from api.settings import Settings
from issuer.context import IssuerContext
from tests.wallet.fixtures import issue_with_claim_code
from wallet.context import WalletContext

pytestmark = pytest.mark.browser

JS_DIR = Path(__file__).resolve().parent / "browser"


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("chromium is not installed (Debian package `chromium`): no browser journey")


def _install_js() -> None:
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the browser journey cannot run")
    marker = JS_DIR / "node_modules" / ".package-lock.json"
    lock = JS_DIR / "package-lock.json"
    with (JS_DIR / ".install.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
            return
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=JS_DIR, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            pytest.fail(f"npm ci failed in {JS_DIR}:\n{done.stdout}\n{done.stderr}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(wctx: WalletContext, db_backend: str) -> Iterator[str]:
    if db_backend != "sqlite":
        pytest.skip("the browser journey runs on SQLite; the same routes run on both databases")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(base_url=base), engine=wctx.engine, clock=wctx.clock, rate_limiter=RateLimiter([])
    )
    app.state.wallet_ctx = replace(wctx, base_url=base)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_claim_view_share_withdraw_in_a_phone_browser_without_accessibility_violations(
    served: str, ictx: IssuerContext, btp_achievements: dict[str, str], lang: str
) -> None:
    chromium = _chromium()
    _install_js()
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    payload = {"base": served, "code": issued.claim_code, "chromium": chromium, "lang": lang}
    done = subprocess.run(
        ["node", "journey.mjs"], cwd=JS_DIR, input=json.dumps(payload),
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.stdout, done.stderr
    result = json.loads(done.stdout)
    assert "error" not in result, (result["error"], result["notes"])
    notes = result["notes"]
    assert notes["claimed"]
    assert notes["badge_verified"]
    assert notes["preview"]
    assert notes["employer_status"] == 200
    assert notes["employer_verified"]
    assert notes["log_shows_opening"]
    assert notes["withdrawn_message"]
    assert notes["gone_status"] == 410
    serious = [
        (page["name"], v["id"], v["help"], v["target"])
        for page in result["pages"]
        for v in page["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
    assert {p["name"] for p in result["pages"]} >= {
        "claim", "home", "badge", "share-form", "preview", "employer", "access-log", "gone",
    }  # fmt: skip
