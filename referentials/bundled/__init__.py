"""The referentials shipped with atouts: EXAMPLES written for atouts, not official lists.

* ``attitude-pro-reunion`` — savoir-être professionnels in the spirit of Attitude Pro (La Réunion),
  12 competences with observable criteria and 3 levels, crosswalked to the 16 ROME 4.0
  savoir-être professionnels and to ESCO transversal skills;
* ``btp-blocs-exemple`` — six construction trades (one per filière) in mandatory blocks, a shared
  safety block, cross-trade energy-transition and digital modules;
* ``modules-additionnels-exemple`` — additional modules employers add to existing certifications
  (flax scutching; marine environment, on-board maintenance and English on Capitaine 200 voile;
  boat joinery on Menuisier poseur installateur).

Each file says at its top that it is an example and that its organisations are fictitious.
"""

from __future__ import annotations

from pathlib import Path

from referentials.model import Referential
from referentials.yaml_format import load_file

__all__ = ["BUNDLED", "bundled_paths", "load_bundled"]

_HERE = Path(__file__).parent

BUNDLED: tuple[str, ...] = (
    "attitude-pro-reunion",
    "btp-blocs-exemple",
    "modules-additionnels-exemple",
)


def bundled_paths() -> list[Path]:
    """The YAML files, in a stable order."""
    return [_HERE / f"{slug}.yaml" for slug in BUNDLED]


def load_bundled() -> list[Referential]:
    """The bundled referentials, read and checked like any imported YAML."""
    return [load_file(path) for path in bundled_paths()]
