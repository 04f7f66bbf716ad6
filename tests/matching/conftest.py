"""Fixtures for matching: the real extracts of ../shared/data and the bundled referentials."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from referentials.bundled import load_bundled
from referentials.graph import SkillsGraph, build_graph
from referentials.importing import import_paths
from referentials.model import Referential


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="session")
def data_dir(shared: Path) -> Path:
    folder = shared / "data"
    for sub in ("esco/v1.1.1", "rome/v460", "legifrance-titres-pro"):
        if not (folder / sub).is_dir():
            pytest.skip(f"../shared/data/{sub} is absent")
    return folder


@pytest.fixture(scope="session")
def real_referentials(data_dir: Path) -> list[Referential]:
    esco, _ = import_paths(sorted((data_dir / "esco" / "v1.1.1").rglob("*.csv")), "esco")
    rome, _ = import_paths(sorted((data_dir / "rome" / "v460").glob("*.csv")), "rome")
    titles, _ = import_paths(
        [data_dir / "legifrance-titres-pro" / "titres_pro_ccp_derived.csv"], "blocks-csv"
    )
    return [*esco, *rome, *titles]


@pytest.fixture(scope="session")
def real_graph(real_referentials: list[Referential]) -> SkillsGraph:
    """ESCO, ROME and the titres professionnels, with the bundled referentials on top."""
    return build_graph([*real_referentials, *load_bundled()])


@pytest.fixture(scope="session")
def bundled_graph() -> SkillsGraph:
    return build_graph(load_bundled())
