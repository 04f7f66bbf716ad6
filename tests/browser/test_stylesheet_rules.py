"""The stylesheet's promises, measured in headless Chromium on every page each demo person can
reach (issue 8: « contrast >= 4.5:1, visible focus, 44 px touch targets, reflow at 320 px, skip
links »), on a 320 px wide phone:

- nothing scrolls sideways (WCAG 1.4.10, reflow);
- every control (button, field, list, summary, and links that are not words inside a sentence)
  is at least 44 x 44 px, a tick box or radio button counting with its label (WCAG 2.5.5);
- every element that takes the focus shows it (outline or shadow; WCAG 2.4.7);
- the first thing the keyboard reaches is the skip link to the main content, which exists;
- axe-core's colour-contrast rule finds nothing (4.5:1 for text, WCAG 1.4.3).

Pages are found the way a person finds them, by following links from the home page; referential
items (a hundred alike) are represented by the first few.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import AXE, CHROMIUM, Live, _install_axe
from tests.browser.test_journeys import Journey
from tests.browser.webdriver import Browser, chromedriver_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ITEM = re.compile(r"^/referentials/[^/]+/[^/]+/[^/]+/")
ITEMS_SHOWN = 3
SKIP = re.compile(
    r"^/(static|docs|redoc|openapi|langue|deconnexion|demo|api/)|format=json|"
    r"\.(json|png|svg|csv|xlsx|zip|jwt)(\?|$)|/fichier$|/telecharger/|/did\.json$|/status/"
)

MEASURE = """
const problems = [];
const sideways = document.documentElement.scrollWidth - window.innerWidth;
if (sideways > 1) problems.push('scrolls sideways by ' + sideways + ' px');
function name(el) {
  return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.getAttribute('name') ? '[name=' + el.getAttribute('name') + ']' : '') +
    ' "' + (el.innerText || el.value || '').trim().slice(0, 30) + '"';
}
function visible(el) {
  const r = el.getBoundingClientRect();
  const s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none';
}
function inSentence(a) {
  // A link that is words inside a sentence (WCAG 2.5.5 "inline" exception).
  const s = getComputedStyle(a);
  if (s.display !== 'inline') return false;
  const parent = a.parentElement;
  const text = (parent.innerText || '').trim();
  return text.length > (a.innerText || '').trim().length + 1;
}
const controls = document.querySelectorAll(
  'button, input:not([type=hidden]), select, textarea, summary, a[href]');
for (const el of controls) {
  if (!visible(el) || el.closest('.skip-links')) continue;
  if (el.tagName === 'A' && inSentence(el)) continue;
  let r = el.getBoundingClientRect();
  let top = r.top, bottom = r.bottom, left = r.left, right = r.right;
  if (el.type === 'checkbox' || el.type === 'radio') {
    for (const label of (el.labels || [])) {
      const l = label.getBoundingClientRect();
      top = Math.min(top, l.top); bottom = Math.max(bottom, l.bottom);
      left = Math.min(left, l.left); right = Math.max(right, l.right);
    }
  }
  if (bottom - top < 43.5 || right - left < 43.5) {
    problems.push('target ' + Math.round(right - left) + 'x' + Math.round(bottom - top) +
      ': ' + name(el));
  }
}
const focusable = document.querySelectorAll(
  'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]');
for (const el of focusable) {
  if (!visible(el) || el.tabIndex < 0 || el.disabled) continue;
  el.focus();
  if (document.activeElement !== el) continue;
  const s = getComputedStyle(el);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) ||
    (s.boxShadow && s.boxShadow !== 'none');
  if (!ring) problems.push('focus not visible: ' + name(el));
}
document.activeElement.blur();
const first = document.querySelector('a[href], button, input:not([type=hidden]), select, textarea');
const skip = first && first.getAttribute('href');
if (!skip || !skip.startsWith('#') || !document.getElementById(skip.slice(1))) {
  problems.push('the first link is not a skip link to the content: ' + (first && name(first)));
}
const links = Array.from(document.querySelectorAll('a[href^="/"]'), a => a.getAttribute('href'));
return {problems: problems, links: links};
"""

CONTRAST = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'rule', values: ['color-contrast']}}).then(function (r) {
  done(r.violations.flatMap(v => v.nodes.slice(0, 5).map(n => 'contrast: ' + n.target.join(' ')
    + ' ' + (n.any[0] && n.any[0].message || ''))));
}).catch(e => done(['axe-error ' + e]));
"""


@pytest.fixture
def narrow() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (apt-get install chromium; .ci/run does it)")
    if chromedriver_path() is None:
        pytest.skip("chromedriver is missing (apt-get install chromium-driver; .ci/run does it)")
    _install_axe()
    driver = Browser("narrow")
    try:
        yield driver
    finally:
        driver.quit()


def _check_pages(browser: Browser, live: Live, checked: set[str]) -> dict[str, list[str]]:
    """Follow every link from the home page; measure each page not measured yet."""
    problems: dict[str, list[str]] = {}
    visited: set[str] = set()
    queue = deque(["/"])
    items = 0
    while queue:
        path = queue.popleft().replace("&amp;", "&").split("#", 1)[0]
        if path in visited or SKIP.search(path):
            continue
        if ITEM.match(path):
            if items >= ITEMS_SHOWN:
                continue
            items += 1
        visited.add(path)
        browser.get(live.base + path)
        if not browser.execute("return document.contentType === 'text/html';"):
            continue
        measured: dict[str, Any] = browser.execute(MEASURE)
        queue.extend(measured["links"])
        if path in checked:
            continue
        checked.add(path)
        if not browser.execute("return typeof axe !== 'undefined';"):
            browser.execute(AXE.read_text(encoding="utf-8") + "\nwindow.axe = axe;\nreturn true;")
        found = list(measured["problems"]) + list(browser.execute_async(CONTRAST))
        if found:
            problems[path] = found
    return problems


def test_every_page_reflows_at_320px_with_44px_targets_visible_focus_and_contrast(
    narrow: Browser, live: Live
) -> None:
    seen: set[str] = set()
    problems = _check_pages(narrow, live, seen)  # a visitor
    for who in ("formatrice", "employeur", "beneficiaire"):
        narrow.clear_cookies()
        journey = Journey(narrow, live)
        journey.open("/langue/fr?suivant=/")
        journey.sign_in(who)
        problems.update(_check_pages(narrow, live, seen))
    assert len(seen) > 40, sorted(seen)
    assert problems == {}
