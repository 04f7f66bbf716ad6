"""docs/acceptance.md, issue 7: every test it names exists where it says."""

from __future__ import annotations

import re

from tests.conftest import REPO

_FOLDERS = {"M": "tests/matching", "API": "tests/api"}


def test_the_acceptance_map_of_issue_7_names_tests_that_exist() -> None:
    text = (REPO / "docs" / "acceptance.md").read_text(encoding="utf-8")
    section = text.split("## Issue 7", 1)[1].split("\n## ", 1)[0]
    named = re.findall(r"`(M/\w+\.py|API/\w+\.py|CLI)::(test_\w+)`", section)
    assert len(named) > 50
    for where, name in named:
        if where == "CLI":
            path = REPO / "tests" / "cli" / "test_match_cmd.py"
        else:
            folder, file = where.split("/")
            path = REPO / _FOLDERS[folder] / file
        source = path.read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\b", source, re.M), f"{where}::{name}"
