"""Jobs written in YAML by employers, with clear French errors that cite the line.

::

    offre: OFF-2025-001            # identifiant (obligatoire)
    titre: Plaquiste H/F           # obligatoire
    description: Chantiers de rénovation en Côte-d'Or
    statut: ouverte                # ouverte (défaut) | brouillon | fermee
    metiers: [F1604]               # métiers ESCO / ROME de l'offre (liens de mobilité)
    exigences:
      - element: https://atouts.example/referentials/btp-blocs-exemple/1.0/blocks/PLA-B1
        obligatoire: true          # défaut : true
        niveau: 2                  # rang du niveau attendu, ou code / id d'un niveau
        libelle: Poser des cloisons
      - element: F1604             # une fiche ROME prise en entier
      - {element: "http://data.europa.eu/esco/skill/…", obligatoire: false}

English keys are accepted too (``id``, ``title``, ``requirements``, ``item``, ``mandatory``,
``level``, ``label``, ``occupations``, ``status``). ``element`` may be a node id, an ESCO URI,
a ROME fiche code or an item code (see :mod:`matching.resolve`); it is checked against the
loaded referentials when a resolver is given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from matching.model import Job, Requirement
from referentials.yaml_located import Located, compose

__all__ = ["JobFormatError", "load_job", "load_job_file", "parse_job"]

_TOP = {
    "offre": "id",
    "id": "id",
    "titre": "title",
    "title": "title",
    "description": "description",
    "statut": "status",
    "status": "status",
    "metiers": "occupations",
    "métiers": "occupations",
    "occupations": "occupations",
    "exigences": "requirements",
    "requirements": "requirements",
}
_REQ = {
    "element": "node",
    "élément": "node",
    "item": "node",
    "obligatoire": "mandatory",
    "mandatory": "mandatory",
    "niveau": "level",
    "level": "level",
    "libelle": "label",
    "libellé": "label",
    "label": "label",
}
_STATUS = {
    "ouverte": "open",
    "open": "open",
    "brouillon": "draft",
    "draft": "draft",
    "fermee": "closed",
    "fermée": "closed",
    "closed": "closed",
}


class JobFormatError(Exception):
    """A job document that cannot be read; ``errors`` are ``(line, message)`` pairs."""

    code = "job_format_invalid"

    def __init__(self, errors: Iterable[tuple[int | None, str]], *, source: str | None = None):
        self.errors = sorted(errors, key=lambda e: (e[0] is None, e[0] or 0))
        where = f"{source} : " if source else ""
        lines = [f"ligne {n} : {m}" if n is not None else m for n, m in self.errors]
        super().__init__(where + "\n".join(lines))
        self.message = str(self)


def _text(value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    return None


def parse_job(
    located: Located,
    *,
    resolve: Callable[[str], str | None] | None = None,
    level_rank: Callable[[str], int | None] | None = None,
    source: str | None = None,
) -> Job:
    """A :class:`Job` from composed YAML (or plain JSON data wrapped in :class:`Located`).

    ``level_rank`` (e.g. :meth:`matching.credit.CreditTables.level_rank`) checks expected
    levels: one that is neither a rank nor a known level is an error on its line. Without it,
    only a level that is not text or a number is refused."""
    errors: list[tuple[int | None, str]] = []
    data = located.data
    if not isinstance(data, dict):
        raise JobFormatError(
            [(1, "le document doit être un dictionnaire (offre, titre, exigences)")], source=source
        )
    errors += [(n, f"la clé « {key} » est répétée") for n, key in located.duplicates]
    fields: dict[str, Any] = {}
    paths: dict[str, tuple[str | int, ...]] = {}
    for key, value in data.items():
        name = _TOP.get(key)
        if name is None:
            errors.append(
                (
                    located.line((key,)),
                    f"clé inconnue « {key} » (clés possibles : offre, titre, description, statut, "
                    "metiers, exigences)",
                )
            )
            continue
        fields[name] = value
        paths[name] = (key,)
    job_id = _text(fields.get("id"))
    title = _text(fields.get("title"))
    if job_id is None:
        errors.append((1, "l'identifiant de l'offre (« offre ») est obligatoire"))
    if title is None:
        errors.append(
            (
                located.line(paths.get("title", ())) if "title" in paths else 1,
                "le titre de l'offre (« titre ») est obligatoire",
            )
        )
    status = "open"
    if "status" in fields:
        status_text = _STATUS.get(str(fields["status"]).casefold())
        if status_text is None:
            errors.append(
                (
                    located.line(paths["status"]),
                    f"statut inconnu « {fields['status']} » (ouverte, brouillon ou fermee)",
                )
            )
        else:
            status = status_text
    line: int | None
    occupations: list[str] = []
    raw_occupations = fields.get("occupations", [])
    if not isinstance(raw_occupations, list):
        raw_occupations = [raw_occupations]
    for i, value in enumerate(raw_occupations):
        text = _text(value)
        line = located.line((*paths.get("occupations", ()), i))
        node = resolve(text) if (resolve and text) else text
        if node is None:
            errors.append((line, f"le métier « {value} » n'existe dans aucun référentiel chargé"))
        else:
            occupations.append(node)
    requirements: list[Requirement] = []
    raw = fields.get("requirements")
    if not isinstance(raw, list) or not raw:
        line = located.line(paths["requirements"]) if "requirements" in paths else 1
        errors.append((line, "l'offre doit lister au moins une exigence (« exigences »)"))
        raw = []
    seen: dict[str, int | None] = {}
    for i, entry in enumerate(raw):
        path = (*paths["requirements"], i)
        line = located.line(path)
        if isinstance(entry, str):
            entry = {"element": entry}
        if not isinstance(entry, dict):
            errors.append(
                (
                    line,
                    "une exigence s'écrit « element: … » "
                    "(avec obligatoire, niveau, libelle facultatifs)",
                )
            )
            continue
        req: dict[str, Any] = {}
        keys: dict[str, str] = {}
        for key, value in entry.items():
            name = _REQ.get(key)
            if name is None:
                errors.append(
                    (
                        located.line((*path, key)),
                        f"clé inconnue « {key} » dans une exigence "
                        "(clés possibles : element, obligatoire, niveau, libelle)",
                    )
                )
            else:
                req[name] = value
                keys[name] = key
        text = _text(req.get("node"))
        if text is None:
            errors.append((line, "chaque exigence doit nommer un élément (« element »)"))
            continue
        node = resolve(text) if resolve else text
        if node is None:
            errors.append(
                (
                    line,
                    f"l'élément « {text} » n'existe dans aucun référentiel chargé "
                    "(donnez son identifiant, un code ROME ou une URI ESCO)",
                )
            )
            continue
        mandatory = req.get("mandatory", True)
        if not isinstance(mandatory, bool):
            errors.append((line, f"« obligatoire » vaut true ou false (reçu « {mandatory} »)"))
            continue
        if node in seen:
            errors.append((line, f"l'élément « {text} » est déjà exigé ligne {seen[node]}"))
            continue
        seen[node] = line
        level = _text(req.get("level"))
        if (
            "level" in req
            and req["level"] is not None
            and (level is None or (level_rank is not None and level_rank(level) is None))
        ):
            errors.append(
                (
                    located.line((*path, keys["level"])),
                    f"niveau inconnu « {req['level']} » pour l'élément « {text} » (donnez le rang "
                    "du niveau, 1 = le plus bas, ou le code ou l'identifiant d'un niveau "
                    "d'un référentiel chargé)",
                )
            )
            continue
        requirements.append(Requirement(node, mandatory, level, _text(req.get("label"))))
    if errors:
        raise JobFormatError(errors, source=source)
    assert job_id is not None
    assert title is not None
    description = _text(fields.get("description"))
    return Job(job_id, title, tuple(requirements), tuple(occupations), description, status)


def load_job(
    text: str,
    *,
    resolve: Callable[[str], str | None] | None = None,
    level_rank: Callable[[str], int | None] | None = None,
    source: str | None = None,
) -> Job:
    """Read a job from YAML text; raise :class:`JobFormatError` (French, with lines)."""
    try:
        located = compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or "syntaxe YAML invalide"
        raise JobFormatError([(line, f"YAML illisible : {problem}")], source=source) from None
    return parse_job(located, resolve=resolve, level_rank=level_rank, source=source)


def load_job_file(
    path: Path,
    *,
    resolve: Callable[[str], str | None] | None = None,
    level_rank: Callable[[str], int | None] | None = None,
) -> Job:
    return load_job(
        path.read_text(encoding="utf-8"), resolve=resolve, level_rank=level_rank, source=str(path)
    )
