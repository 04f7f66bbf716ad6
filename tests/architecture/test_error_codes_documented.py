"""Every problem code that can reach a report has its French and English sentence.

Codes are collected two ways so that a missing entry cannot slip through: the members of
``verifier.codes.Code``, and the code literals found by scanning the source of ``badges/`` and
``verifier/`` (``code="…"``, ``code = "…"``, ``code: str = "…"``, ``Problem("…"``).
"""

from __future__ import annotations

import re

from tests.conftest import REPO
from verifier.codes import Code
from verifier.messages import DOC_PATH, parse_table

_PATTERNS = (
    re.compile(r"""\bcode\s*(?::\s*str\s*)?=\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\bProblem\(\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\bcode\s*==\s*["']([a-z][a-z0-9_]*)["']"""),
)


def _source_codes() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in ("badges", "verifier"):
        for path in sorted((REPO / package).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for pattern in _PATTERNS:
                for match in pattern.finditer(text):
                    found.setdefault(match.group(1), str(path.relative_to(REPO)))
    return found


def _documented() -> set[str]:
    return set(parse_table(DOC_PATH.read_text(encoding="utf-8")))


def test_every_verifier_code_member_is_documented() -> None:
    missing = sorted(str(c) for c in Code if str(c) not in _documented())
    assert not missing, f"add rows to docs/error-codes.md for: {missing}"


def test_every_code_literal_in_badges_and_verifier_is_documented() -> None:
    documented = _documented()
    missing = {code: where for code, where in _source_codes().items() if code not in documented}
    assert not missing, f"add rows to docs/error-codes.md for: {missing}"


def test_every_documented_code_has_both_sentences() -> None:
    for entry in parse_table(DOC_PATH.read_text(encoding="utf-8")).values():
        assert entry.fr, entry.code
        assert entry.en, entry.code
        assert entry.severity in {"error", "warning", "info"}, entry.code


def test_could_not_check_sentences_never_say_false() -> None:
    # Employer wording (reliability-ux.md B3): "could not check" is never "faux".
    for entry in parse_table(DOC_PATH.read_text(encoding="utf-8")).values():
        if "pas pu" in entry.fr:
            assert "faux" not in entry.fr.lower(), entry.code
            assert "invalide" not in entry.fr.lower(), entry.code
