"""Import certification blocks in the shape of RNCP fiches / titres professionnels (CSV).

One row per competence of a unit (``shared/research/referentials.md`` §5.2, file
``legifrance-titres-pro/titres_pro_ccp_derived.csv``)::

    titre, niveau…, code_nsf, unit_code, unit_label, unit_kind, competence_index, competence_label

Columns are read by name; the RNCP export names (``Numero_Fiche``, ``Intitule``,
``Bloc_Competences_Code``, ``Bloc_Competences_Libelle``) are accepted as aliases, so the
``Blocs_De_Compétences`` table of the RNCP CSV export (``;`` separated, no competence column)
imports as certifications and blocks.

Mapping (§5.3): one ``certification`` item per title; a mandatory unit (CCP, bloc) is a
``block`` ``isPartOf`` the certification with ``mandatory=True``; an optional unit (CCS,
« bloc facultatif », « optionnel », « complémentaire ») is a ``module`` with ``mandatory=False``;
each competence ``isPartOf`` its unit. The same competence statement (compared without case,
accents of spacing differences) in two units is **one** competence with two memberships.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from referentials.formats.csvutil import csv_files, open_table
from referentials.formats.summary import summarise
from referentials.model import (
    CompetenceType,
    ImportSummary,
    Item,
    ItemKind,
    Referential,
    Relation,
    RelationType,
    Status,
)

__all__ = ["is_optional_unit", "load", "normalise_statement", "slugify"]

_TITLE = ("titre", "intitule", "intitulé", "certification", "libelle_certification")
_CERT_CODE = ("numero_fiche", "code_certification", "rncp", "code_rncp")
_UNIT_CODE = ("unit_code", "bloc_competences_code", "code_bloc", "bloc_code")
_UNIT_LABEL = ("unit_label", "bloc_competences_libelle", "libelle_bloc", "bloc_label")
_UNIT_KIND = ("unit_kind", "type_bloc", "bloc_type")
_INDEX = ("competence_index", "index_competence", "rang_competence")
_COMPETENCE = ("competence_label", "libelle_competence", "competence")
_LEVEL = ("niveau", "niveau_ancienne_nomenclature", "nomenclature_europe_niveau")
_NSF = ("code_nsf", "codes_nsf")
_SOURCE = ("source_dir", "source")

_OPTIONAL_MARKERS = re.compile(
    r"\b(optionnel|optionnelle|facultatif|facultative|compl[ée]mentaire|CCS)\b", re.IGNORECASE
)


def slugify(text: str) -> str:
    """ASCII, lower case, words joined by ``-`` (``TP Maçon`` → ``tp-macon``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "x"


def normalise_statement(text: str) -> str:
    """The comparison key of a competence statement: no accents, case, punctuation spacing."""
    return " ".join(slugify(text).split("-"))


def is_optional_unit(kind: str, label: str, code: str) -> bool:
    """A unit is optional when its kind, label or code says so (CCS, « bloc facultatif »…)."""
    if kind.strip():
        return bool(_OPTIONAL_MARKERS.search(kind)) and not kind.casefold().startswith("oblig")
    return bool(_OPTIONAL_MARKERS.search(label) or code.upper().startswith("CCS"))


def load(paths: list[Path]) -> tuple[list[Referential], ImportSummary]:
    """One referential per CSV file (slug from the file name)."""
    referentials: list[Referential] = []
    warnings: list[str] = []
    with csv_files(paths) as files:
        for path in files:
            referential, found = _load_file(path)
            referentials.append(referential)
            warnings.extend(found)
    return referentials, summarise(referentials, warnings)


def _load_file(path: Path) -> tuple[Referential, list[str]]:
    table = open_table(path)
    warnings: list[str] = []
    items: dict[str, Item] = {}
    relations: list[Relation] = []
    seen_edges: set[tuple[str, str]] = set()
    statements: dict[str, str] = {}  # normalised statement -> competence code
    unit_order: dict[str, int] = {}
    rows = table.rows(
        (_TITLE, _UNIT_CODE),
        (_CERT_CODE, _UNIT_LABEL, _UNIT_KIND, _INDEX, _COMPETENCE, _LEVEL, _NSF, _SOURCE),
    )
    for line, row in enumerate(rows, start=2):
        title, unit_code, cert_code, unit_label, unit_kind, index, statement, level, nsf, src = (
            value.strip() for value in row
        )
        if not title or not unit_code:
            warnings.append(f"{path.name}:{line} : ligne sans titre ou sans code d'unité, ignorée")
            continue
        cert = cert_code or slugify(title)
        if cert not in items:
            props = {k: v for k, v in (("niveau", level), ("code_nsf", nsf), ("source", src)) if v}
            items[cert] = Item(
                code=cert,
                kind=ItemKind.CERTIFICATION,
                labels={"fr": title},
                human_code=cert_code or cert.upper(),
                properties=props,
            )
        # RNCP bloc codes already carry the certification (RNCP35309BC01); CCP1 does not.
        own = bool(cert_code) and unit_code.upper().startswith(cert_code.upper())
        unit = slugify(unit_code) if own else f"{cert}-{slugify(unit_code)}"
        if unit not in items:
            optional = is_optional_unit(unit_kind, unit_label, unit_code)
            props = {"unit_kind": unit_kind} if unit_kind else {}
            items[unit] = Item(
                code=unit,
                kind=ItemKind.MODULE if optional else ItemKind.BLOCK,
                labels={"fr": unit_label or unit_code},
                human_code=unit_code,
                mandatory=not optional,
                properties=props,
            )
            unit_order[cert] = unit_order.get(cert, 0) + 1
            relations.append(
                Relation(
                    RelationType.IS_PART_OF,
                    unit,
                    cert,
                    mandatory=not optional,
                    sequence=unit_order[cert],
                )
            )
        if not statement:
            continue
        key = normalise_statement(statement)
        competence = statements.get(key)
        if competence is None:
            competence = f"{unit}-c{index or len(statements) + 1}"
            if competence in items:  # a repeated index in the file: keep codes unique
                competence = f"{competence}-{len(items)}"
            statements[key] = competence
            items[competence] = Item(
                code=competence,
                kind=ItemKind.COMPETENCE,
                labels={"fr": statement},
                # Where it was first stated: « CCP1.3 » reads as the third competence of CCP1.
                human_code=f"{unit_code}.{index}" if index else None,
                competence_type=CompetenceType.SAVOIR_FAIRE,
            )
        if (competence, unit) in seen_edges:
            warnings.append(f"{path.name}:{line} : compétence répétée dans {unit_code}, ignorée")
            continue
        seen_edges.add((competence, unit))
        relations.append(
            Relation(
                RelationType.IS_PART_OF,
                competence,
                unit,
                mandatory=True,
                sequence=int(index) if index.isdigit() else None,
            )
        )
    referential = Referential(
        slug=slugify(path.stem),
        version="1",
        title={"fr": f"Blocs de compétences ({path.name})"},
        status=Status.DRAFT,
        languages=("fr",),
        items=tuple(items.values()),
        relations=tuple(relations),
        properties={"source_format": "blocks-csv", "files": [path.name]},
    )
    return referential, warnings
