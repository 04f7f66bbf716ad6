"""Every problem ``code`` the web application answers is stable, that is documented in French
and English in ``docs/error-codes.md`` (issue 8: « errors are RFC 9457 problem details with a
stable ``code`` »). Codes are found by scanning ``api/``: ``ApiProblem(status, "code"``, the
default code of each HTTP status in ``api/problems.py``, ``code="…"`` literals, and
``(status, "code", …)`` refusals; the services' own codes are scanned by
``tests/architecture/test_error_codes_documented.py``."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.webapp_fixtures import Web
from tests.conftest import REPO
from verifier.messages import DOC_PATH, parse_table

PATTERNS = (
    re.compile(r"""ApiProblem\(\s*\d{3}\s*,\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\bcode\s*(?::\s*str\s*)?=\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""^\s*\d{3}\s*:\s*\(\s*["']([a-z][a-z0-9_]*)["']""", re.MULTILINE),
    re.compile(r"""\(\s*\d{3}\s*,\s*["']([a-z][a-z0-9_]*)["']\s*,"""),
)


def _api_codes() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted((REPO / "api").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in PATTERNS:
            for match in pattern.finditer(text):
                found.setdefault(match.group(1), path.name)
    return found


def test_every_code_of_the_web_application_is_documented() -> None:
    found = _api_codes()
    assert {"not_found", "request_invalid", "csrf_failed", "forbidden"} <= set(found)
    documented = parse_table(DOC_PATH.read_text(encoding="utf-8"))
    missing = {code: where for code, where in found.items() if code not in documented}
    assert missing == {}, f"add rows to docs/error-codes.md for: {missing}"


def test_an_answered_problem_carries_a_documented_code(web: Web) -> None:
    documented = parse_table(DOC_PATH.read_text(encoding="utf-8"))
    client = TestClient(web.app, raise_server_exceptions=False)
    answers = [
        client.get("/nulle-part", headers={"accept": "application/json"}),
        client.post("/verify", content=b"{nope"),
        client.post("/jobs", json={}, headers={"accept": "application/json"}),
        client.delete("/verify", headers={"accept": "application/json"}),
    ]
    for answer in answers:
        assert answer.headers["content-type"].startswith("application/problem+json")
        problem = answer.json()
        assert problem["status"] == answer.status_code
        assert problem["code"] in documented, problem
        assert problem["title"]
