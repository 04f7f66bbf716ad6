"""Every page reachable from the home page, as a visitor and as each demo person: the structure
every page must have (lang, title, one h1, labelled fields, skip link), scripts only from the
site's own files (the pages work without JavaScript) and no English left in French pages. Pages
are found by following links, so new pages are covered without a list; every page reachable is
visited (the crawl fails rather than stop early). Pages that exist only after someone acted
(shares, batches, drafts, claims) are crawled by ``test_webapp_crawl_after_actions.py``."""

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

MAX_PAGES = 600  # a safety net: the demo reaches about 150; stopping early fails
ITEM = re.compile(r"^/referentials/[^/]+/[^/]+/[^/]+/")
# Links to this site, relative or absolute (shares, badges and QR codes carry absolute ones).
HREF = re.compile(r'href="(?:http://testserver)?(/[^"#]*)"')
# Progressive enhancement only: a script is one of the site's own files, never inline.
SCRIPT = re.compile(r"<script(?![^>]*\bsrc=\"/static/)[^>]*>", re.IGNORECASE)
SKIP = re.compile(
    r"^/(static|docs|redoc|openapi|langue|deconnexion|demo)|format=json|\.(json|png|svg|csv|xlsx|zip|jwt)(\?|$)|/fichier$"
)


def crawl(
    client: TestClient, start: tuple[str, ...] = ("/",)
) -> tuple[dict[str, list[str]], set[str]]:
    """Visit every page reachable from ``start``; what is wrong with each, and what was seen."""
    seen: set[str] = set()
    queue = deque(start)
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
        found += [f"script: {tag}" for tag in SCRIPT.findall(response.text)]
        if response.status_code >= 500:
            found.append(f"status {response.status_code}")
        if found:
            problems[path] = found
        for link in HREF.findall(response.text):
            link = link.replace("&amp;", "&")
            if link not in seen:
                (later if ITEM.match(link) else queue).append(link)
    assert len(seen) < MAX_PAGES, "the crawl stopped before it saw every page"
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
    problems, seen = crawl(client)
    assert len(seen) >= 8, sorted(seen)
    assert problems == {}
