"""Every problem code that can reach a report has its French and English sentence.

Codes are collected two ways so that a missing entry cannot slip through: the members of
``verifier.codes.Code``, and the code literals found by scanning the source of every package that
produces codes people see (``badges/``, ``verifier/``, and the ``issuer/``, ``wallet/`` and
``matching/`` services whose problem details the API and the CLI show): ``code="…"``,
``code = "…"``, ``code: str = "…"``, ``Problem("…"``.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import REPO
from verifier.codes import Code
from verifier.messages import DOC_PATH, parse_table

_PATTERNS = (
    re.compile(r"""\bcode\s*(?::\s*str\s*)?=\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\bProblem\(\s*["']([a-z][a-z0-9_]*)["']"""),
    re.compile(r"""\bcode\s*==\s*["']([a-z][a-z0-9_]*)["']"""),
)


PACKAGES = ("badges", "verifier", "issuer", "wallet", "matching")


def _source_codes(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    found: dict[str, str] = {}
    for package in packages:
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


@pytest.mark.parametrize("package", PACKAGES)
def test_every_code_literal_of_each_package_is_documented(package: str) -> None:
    if not (REPO / package).is_dir():
        pytest.skip(f"{package}/ does not exist yet")
    documented = _documented()
    found = _source_codes((package,))
    assert found, f"no code found in {package}/: is the scan still right?"
    missing = {code: where for code, where in found.items() if code not in documented}
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
