"""The look is atouts' own small stylesheet (issue 8: « a small own stylesheet (no State brand, no
Marianne font) »): every stylesheet is served from the site, loads no font or file from anywhere
else, names no State design system, and pages link only to stylesheets of the site."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.webapp_fixtures import Web
from tests.conftest import REPO

STATIC = REPO / "api" / "static"
FORBIDDEN = re.compile(r"marianne|dsfr|systeme-de-design|@font-face|@import|url\(", re.IGNORECASE)


def test_every_stylesheet_is_small_and_loads_nothing_from_elsewhere() -> None:
    sheets = sorted(STATIC.glob("*.css"))
    assert sheets
    for sheet in sheets:
        text = sheet.read_text(encoding="utf-8")
        rules = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)  # comments may say what we avoid
        assert FORBIDDEN.findall(rules) == [], sheet.name
        assert len(text) < 20_000, sheet.name  # small: read in one go on a slow phone


def test_pages_link_only_to_the_sites_own_stylesheets(web: Web) -> None:
    client = TestClient(web.app)
    for path in ("/", "/verifier", "/referentiels", "/connexion", "/accessibilite", "/reclamer"):
        html = client.get(path, headers={"accept": "text/html"}).text
        sheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"', html)
        assert sheets, path
        assert all(href.startswith("/static/") for href in sheets), (path, sheets)
        for href in sheets:
            assert client.get(href).status_code == 200, href
