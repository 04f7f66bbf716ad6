"""A small W3C WebDriver client over HTTP (chromedriver), enough for the journeys: no Selenium
dependency, and every call is one documented endpoint (W3C WebDriver, §6 Protocol).

Chromium runs headless with the flags of the team brief and a fresh ``--user-data-dir``; the
phone viewport uses Chromium's mobile emulation (390 x 844, touch, phone user agent).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

CHROMIUM = Path("/usr/bin/chromium")
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
VIEWPORTS = {
    "desktop": {"width": 1280, "height": 900, "mobile": False},
    "phone": {"width": 390, "height": 844, "mobile": True},
    "narrow": {"width": 320, "height": 640, "mobile": True},  # the reflow width of WCAG 1.4.10
}


def chromedriver_path() -> str | None:
    return shutil.which("chromedriver") or (
        "/usr/lib/chromium/chromedriver"
        if Path("/usr/lib/chromium/chromedriver").exists()
        else None
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class WebDriverError(AssertionError):
    pass


class Browser:
    def __init__(self, viewport: str) -> None:
        driver = chromedriver_path()
        assert driver is not None
        self.port = free_port()
        self.profile = tempfile.mkdtemp(prefix="atouts-chromium-")
        self.process = subprocess.Popen(
            [driver, f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=60)
        for _ in range(100):
            try:
                if self.http.get("/status").json()["value"]["ready"]:
                    break
            except (httpx.TransportError, KeyError, ValueError):
                pass
            time.sleep(0.1)
        size = VIEWPORTS[viewport]
        options: dict[str, Any] = {
            "binary": str(CHROMIUM),
            # A French visitor: pages follow Accept-Language when no language was chosen.
            "prefs": {"intl.accept_languages": "fr-FR,fr"},
            "args": [
                *FLAGS,
                "--lang=fr-FR",
                "--accept-lang=fr-FR,fr",
                f"--user-data-dir={self.profile}",
                f"--window-size={size['width']},{size['height']}",
            ],
        }
        if size["mobile"]:
            options["mobileEmulation"] = {
                "deviceMetrics": {
                    "width": size["width"],
                    "height": size["height"],
                    "pixelRatio": 3.0,
                    "touch": True,
                },
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
                "(KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36",
            }
        created = self._call(
            "POST",
            "/session",
            {
                "capabilities": {
                    "alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}
                }
            },
        )
        self.session = created["sessionId"]

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, path, json=body)
        value = response.json().get("value")
        if response.status_code >= 400:
            raise WebDriverError(f"{method} {path}: {value}")
        return value

    def _s(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self._call(method, f"/session/{self.session}{path}", body)

    # -- navigation and reading ---------------------------------------------------------------

    def get(self, url: str) -> None:
        self._s("POST", "/url", {"url": url})

    @property
    def url(self) -> str:
        return str(self._s("GET", "/url"))

    @property
    def source(self) -> str:
        return str(self._s("GET", "/source"))

    def find(self, css: str) -> str:
        found = self._s("POST", "/element", {"using": "css selector", "value": css})
        return str(found[ELEMENT])

    def find_all(self, css: str) -> list[str]:
        found = self._s("POST", "/elements", {"using": "css selector", "value": css})
        return [str(f[ELEMENT]) for f in found]

    def text(self, css: str) -> str:
        return str(self._s("GET", f"/element/{self.find(css)}/text"))

    def click(self, css: str) -> None:
        self._s("POST", f"/element/{self.find(css)}/click", {})

    def click_and_wait(self, css: str, timeout: float = 20.0) -> None:
        """Click something that loads a new document, and wait until it has loaded."""
        self.execute("window.__atoutsOldPage = true;")
        self.click(css)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                if self.execute(
                    "return !window.__atoutsOldPage && document.readyState === 'complete';"
                ):
                    return
            except WebDriverError:
                pass  # the document is being replaced
            time.sleep(0.05)
        raise WebDriverError(f"no new page after clicking {css} on {self.url}")

    def type(self, css: str, text: str) -> None:
        self._s("POST", f"/element/{self.find(css)}/value", {"text": text})

    def clear_cookies(self) -> None:
        """Forget who is signed in (another person takes the phone)."""
        self._s("DELETE", "/cookie")

    def execute(self, script: str, *args: Any) -> Any:
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def execute_async(self, script: str, *args: Any) -> Any:
        return self._s("POST", "/execute/async", {"script": script, "args": list(args)})

    def wait_for(self, css: str, timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.find_all(css):
                return
            time.sleep(0.1)
        raise WebDriverError(f"{css} never appeared on {self.url}")

    def quit(self) -> None:
        with contextlib.suppress(WebDriverError, httpx.HTTPError):
            self._s("DELETE", "")
        self.http.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.profile, ignore_errors=True)
