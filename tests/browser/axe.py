"""Run axe-core in the page and keep the serious and critical violations (issue 8)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import AXE
from tests.browser.webdriver import Browser

RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(function (result) {
  done(result.violations.map(function (v) {
    return {id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 3).map(function (n) { return n.target.join(' '); })};
  }));
}).catch(function (error) {
  done([{id: 'axe-error', impact: 'critical', help: String(error), nodes: []}]);
});
"""


def serious_violations(browser: Browser) -> list[dict[str, Any]]:
    if not browser.execute("return typeof axe !== 'undefined';"):
        browser.execute(AXE.read_text(encoding="utf-8") + "\nwindow.axe = axe;\nreturn true;")
    found = browser.execute_async(RUN)
    return [v for v in found if v.get("impact") in ("serious", "critical")]
