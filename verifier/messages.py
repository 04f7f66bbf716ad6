"""Human sentences for problem codes, in French and English, read from ``docs/error-codes.md``.

The documentation table is the single source of the wording (DESIGN.md §5: "human wording per
code in French and English"), so the page, the CLI and the API can never drift from the doc.
When the file is absent (an installation without the docs), the problem's own message is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from badges.problems import Problem

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "error-codes.md"

_ROW = re.compile(r"^\|\s*`([a-z0-9_]+)`\s*\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|\s*$")


@dataclass(frozen=True, slots=True)
class CodeEntry:
    code: str
    check: str
    severity: str
    fr: str
    en: str


def parse_table(text: str) -> dict[str, CodeEntry]:
    """Every ``| `code` | check | severity | fr | en |`` row of the document, by code."""
    entries: dict[str, CodeEntry] = {}
    for line in text.splitlines():
        match = _ROW.match(line.strip())
        if match:
            code, check, severity, fr, en = (g.strip() for g in match.groups())
            entries.setdefault(code, CodeEntry(code, check, severity, fr, en))
    return entries


@lru_cache(maxsize=1)
def catalogue() -> dict[str, CodeEntry]:
    try:
        return parse_table(DOC_PATH.read_text(encoding="utf-8"))
    except OSError:
        return {}


def sentence(code: str, lang: str = "fr") -> str | None:
    entry = catalogue().get(code)
    if entry is None:
        return None
    return entry.en if lang == "en" else entry.fr


def problem_sentence(problem: Problem, lang: str = "fr") -> str:
    """The sentence to show a person for this problem (falls back to its technical message)."""
    return sentence(problem.code, lang) or problem.message
