"""Every page reachable from the home page, as a visitor and as each demo person: the structure
every page must have (lang, title, one h1, labelled fields, skip link) and no English left in
French pages. Pages are found by following links, so new pages are covered without a list."""

from __future__ import annotations

import re
from collections import deque

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.demo import DEMO_PEOPLE, seed_demo
from storage.engine import session_scope
from storage.tables import User
from tests.api.page_checks import english_words, structure_problems
from tests.api.webapp_fixtures import Web, session_cookie

MAX_PAGES = 80
ITEM = re.compile(r"^/referentials/[^/]+/[^/]+/[^/]+/")
HREF = re.compile(r'href="(/[^"#]*)"')
SKIP = re.compile(
    r"^/(static|docs|redoc|openapi|langue|deconnexion|demo)|format=json|\.(json|png|svg|csv|xlsx|zip|jwt)(\?|$)|/fichier$|/imprimer$"
)


def _crawl(client: TestClient) -> tuple[dict[str, list[str]], set[str]]:
    seen: set[str] = set()
    queue = deque(["/"])
    later: deque[str] = deque()  # referential items: many alike, visited after the rest
    problems: dict[str, list[str]] = {}
    while (queue or later) and len(seen) < MAX_PAGES:
        path = queue.popleft() if queue else later.popleft()
        if path in seen or SKIP.search(path):
            continue
        seen.add(path)
        response = client.get(path, headers={"accept": "text/html"})
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        found = structure_problems(response.text) + [
            f"English: {w}" for w in english_words(response.text)
        ]
        if response.status_code >= 500:
            found.append(f"status {response.status_code}")
        if found:
            problems[path] = found
        for link in HREF.findall(response.text):
            link = link.replace("&amp;", "&")
            if link not in seen:
                (later if ITEM.match(link) else queue).append(link)
    return problems, seen


@pytest.mark.slow
@pytest.mark.parametrize("who", ["visiteur", *[p.key for p in DEMO_PEOPLE]])
def test_every_reachable_page_is_well_formed_and_french(web: Web, who: str) -> None:
    seed_demo(web.app)
    client = TestClient(web.app)
    if who != "visiteur":
        email = next(p.email for p in DEMO_PEOPLE if p.key == who)
        with session_scope(web.engine, write=False) as session:
            user = session.exec(select(User).where(User.email == email)).one()
        client.cookies.set("atouts_session", session_cookie(web.engine, user.id))
    problems, seen = _crawl(client)
    assert len(seen) >= 8, sorted(seen)
    assert problems == {}
