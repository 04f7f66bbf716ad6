"""Import the ROME 4.0 open-data CSV release (France Travail, ``unix_*_v460_utf8.csv``).

Field-by-field description: ``shared/research/referentials.md`` §4.1. Mapping (§4.2):

* ``unix_referentiel_code_rome`` → one ``occupation`` item per fiche (``urn:rome:fiche:F1604``);
* ``unix_referentiel_appellation`` → ``occupation`` items (``properties["rome_type"] =
  "appellation"``) that are ``isPartOf`` their fiche;
* ``unix_referentiel_competence`` → ``competence`` items (savoir-faire or savoir-être
  professionnel), each competence ``isChildOf`` its macro-compétence; macro-compétences hang
  under ``group`` items derived from their tree code (``3D207`` → objectif ``3D2`` → enjeu
  ``3D`` → domaine ``3``: the labels of that tree live in a file not published in this extract);
* ``unix_referentiel_savoir`` → ``competence`` items of type savoir under category groups;
* ``unix_liens_rome_referentiels`` bloc 5 → fiche ``requires`` competence/savoir, with
  ``coeur_metier`` from ``unix_coherence_item`` (``Principale`` → essential, else optional; the
  raw value is kept). A link may point directly at a macro-compétence: it is kept as such;
* ``unix_rubrique_mobilite`` → ``mobility_to`` with ``rank`` = ``numero_ordre``.

Every ROME object keeps its OGR code as ``human_code`` and ``urn:rome:ogr:<code>`` as identity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from referentials.formats.csvutil import csv_files, gc_paused, open_table
from referentials.formats.summary import summarise
from referentials.model import (
    CompetenceType,
    ImportSummary,
    Item,
    ItemKind,
    Referential,
    Relation,
    RelationType,
    RequirementType,
    Status,
)

__all__ = ["load"]

_NAME = re.compile(r"^unix_(?P<name>.+?)_(?P<version>v\d+)(?:_utf8)?$", re.IGNORECASE)
_RUBRIQUES = {"1": "savoir_faire", "2": "savoir_etre", "3": "savoirs"}
_TRANSITIONS = ("transition_eco", "transition_num", "transition_demo")


def fiche_uri(code_rome: str) -> str:
    return f"urn:rome:fiche:{code_rome}"


def ogr_uri(code_ogr: str) -> str:
    return f"urn:rome:ogr:{code_ogr}"


def tree_uri(code: str) -> str:
    return f"urn:rome:arborescence:{code}"


@dataclass
class _Build:
    items: dict[str, Item] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, item: Item) -> None:
        # First definition wins: files are read in a fixed order, so re-imports are identical.
        assert item.uri is not None
        self.items.setdefault(item.uri, item)


def _flags(values: tuple[str, ...], names: tuple[str, ...]) -> dict[str, str]:
    return {name: value for name, value in zip(names, values, strict=True) if value}


def _fiches(build: _Build, path: Path) -> None:
    optional = (*_TRANSITIONS, "emploi_reglemente", "emploi_cadre", "code_rome_parent")
    for code, ogr, label, *rest in open_table(path).rows(
        ("code_rome", "code_ogr", "libelle_rome"), optional
    ):
        props: dict[str, object] = {"rome_type": "fiche", "code_ogr": ogr}
        props |= _flags(tuple(rest), optional)
        build.add(
            Item(
                code=code,
                kind=ItemKind.OCCUPATION,
                labels={"fr": label},
                human_code=code,
                uri=fiche_uri(code),
                properties=props,
            )
        )


def _appellations(build: _Build, path: Path) -> None:
    optional = ("libelle_appellation_court", *_TRANSITIONS, "classification", "peu_usite")
    for ogr, label, code_rome, short, *rest in open_table(path).rows(
        ("code_ogr", "libelle_appellation_long", "code_rome"), optional
    ):
        props: dict[str, object] = {"rome_type": "appellation", "code_rome": code_rome}
        props |= _flags(tuple(rest), optional[1:])
        alt = {"fr": (short,)} if short and short != label else {}
        build.add(
            Item(
                code=f"appellation-{ogr}",
                kind=ItemKind.OCCUPATION,
                labels={"fr": label},
                human_code=ogr,
                alt_labels=alt,
                uri=ogr_uri(ogr),
                properties=props,
            )
        )
        build.relations.append(
            Relation(RelationType.IS_PART_OF, ogr_uri(ogr), fiche_uri(code_rome))
        )


def _tree(build: _Build, code: str) -> str:
    """Add the objectif / enjeu / domaine groups above a macro-compétence tree code."""
    levels = [("domaine", code[:1]), ("enjeu", code[:2]), ("objectif", code[:3])]
    parent = ""
    for level, prefix in levels:
        uri = tree_uri(prefix)
        if uri not in build.items:
            build.add(
                Item(
                    code=f"{level}-{prefix}",
                    kind=ItemKind.GROUP,
                    labels={"fr": f"{level.capitalize()} de compétences {prefix}"},
                    human_code=prefix,
                    uri=uri,
                    properties={"rome_type": level},
                )
            )
            if parent:
                build.relations.append(Relation(RelationType.IS_CHILD_OF, uri, parent))
        parent = uri
    return parent


def _competences(build: _Build, path: Path) -> None:
    optional = (
        "definition",
        "code_ogr_macro_comp",
        "code_macro_comp",
        "cat_comp",
        "sous_cat_comp",
        "transition_eco",
        "transition_num",
        "libelle_heterogeneite",
        "libelle_origine",
    )
    for ogr, nature, label, definition, macro_ogr, macro_code, cat, *rest in open_table(path).rows(
        ("code_ogr", "nature", "libelle_competence"), optional
    ):
        is_macro = nature.strip().casefold().startswith("macro")
        savoir_etre = "être" in cat.casefold() or "etre" in cat.casefold()
        props: dict[str, object] = {"rome_type": "macro_competence" if is_macro else "competence"}
        props |= _flags((cat, *rest), optional[3:])
        build.add(
            Item(
                code=ogr,
                kind=ItemKind.COMPETENCE,
                labels={"fr": label},
                human_code=macro_code or ogr,
                descriptions={"fr": definition} if definition else {},
                competence_type=(
                    CompetenceType.SAVOIR_ETRE if savoir_etre else CompetenceType.SAVOIR_FAIRE
                ),
                uri=ogr_uri(ogr),
                properties=props,
            )
        )
        if is_macro and len(macro_code) >= 4:
            build.relations.append(
                Relation(RelationType.IS_CHILD_OF, ogr_uri(ogr), _tree(build, macro_code))
            )
        elif not is_macro and macro_ogr:
            build.relations.append(
                Relation(RelationType.IS_CHILD_OF, ogr_uri(ogr), ogr_uri(macro_ogr))
            )


def _savoirs(build: _Build, path: Path) -> None:
    optional = ("categorie_savoir", "sous_categorie_savoir", "transition_eco", "transition_num")
    for ogr, label, category, sub, *rest in open_table(path).rows(
        ("code_ogr_savoir", "libelle_savoir"), optional
    ):
        props: dict[str, object] = {"rome_type": "savoir"}
        props |= _flags(tuple(rest), optional[2:])
        build.add(
            Item(
                code=ogr,
                kind=ItemKind.COMPETENCE,
                labels={"fr": label},
                human_code=ogr,
                competence_type=CompetenceType.SAVOIR,
                uri=ogr_uri(ogr),
                properties=props,
            )
        )
        parent = ""
        for level, text in (("categorie_savoir", category), ("sous_categorie_savoir", sub)):
            if not text:
                break
            slug = f"{parent.rsplit(':', 1)[-1]}/{text}" if parent else text
            uri = f"urn:rome:savoirs:{slug}"
            if uri not in build.items:
                build.add(
                    Item(
                        code=f"savoirs-{len(build.items)}",
                        kind=ItemKind.GROUP,
                        labels={"fr": text},
                        uri=uri,
                        properties={"rome_type": level},
                    )
                )
                if parent:
                    build.relations.append(Relation(RelationType.IS_CHILD_OF, uri, parent))
            parent = uri
        if parent:
            build.relations.append(Relation(RelationType.IS_CHILD_OF, ogr_uri(ogr), parent))


def _coeur_metier(path: Path | None) -> dict[tuple[str, str], str]:
    if path is None:
        return {}
    return {
        (rome, ogr): value
        for rome, ogr, value in open_table(path).rows(("code_rome", "code_ogr", "coeur_metier"))
        if value
    }


def _links(build: _Build, path: Path, coeur: dict[tuple[str, str], str]) -> None:
    for rome, bloc, rubrique, ogr in open_table(path).rows(
        ("code_rome", "code_compo_bloc", "code_rubrique", "code_ogr")
    ):
        if bloc.strip() != "5":
            # Blocs 1 (code), 2 (emplois = appellations, read from their own file) and 6
            # (contextes de travail) are not competence requirements.
            continue
        value = coeur.get((rome, ogr), "")
        props: dict[str, object] = {"rubrique": _RUBRIQUES.get(rubrique, rubrique)}
        if value:
            props["coeur_metier"] = value
        requirement = (
            RequirementType.ESSENTIAL if value == "Principale" else RequirementType.OPTIONAL
        )
        build.relations.append(
            Relation(
                RelationType.REQUIRES,
                fiche_uri(rome),
                ogr_uri(ogr),
                requirement=requirement,
                properties=props,
            )
        )


def _mobility(build: _Build, path: Path) -> None:
    for rome, target, order in open_table(path).rows(
        ("code_rome", "code_rome_cible", "numero_ordre")
    ):
        rank = int(order) if order.strip().isdigit() else None
        build.relations.append(
            Relation(RelationType.MOBILITY_TO, fiche_uri(rome), fiche_uri(target), rank=rank)
        )


def _domaines(build: _Build, path: Path) -> None:
    """Grand domaines (``A``) and domaines professionnels (``A14``) as groups above the fiches."""
    table = open_table(path)
    grand = table.has("code_grand_domaine")
    code_col = "code_grand_domaine" if grand else "code_domaine_professionnel"
    label_col = "libelle_grand_domaine" if grand else "libelle_domaine_professionnel"
    for code, label in table.rows((code_col, label_col)):
        uri = f"urn:rome:domaine:{code}"
        build.add(
            Item(
                code=f"domaine-professionnel-{code}",
                kind=ItemKind.GROUP,
                labels={"fr": label},
                human_code=code,
                uri=uri,
                properties={"rome_type": "grand_domaine" if grand else "domaine_professionnel"},
            )
        )
        if not grand:
            build.relations.append(
                Relation(RelationType.IS_CHILD_OF, uri, f"urn:rome:domaine:{code[:1]}")
            )


def _fiche_domains(build: _Build) -> None:
    # A fiche code is its domaine professionnel plus a rank (F1604 → F16): the hierarchy of
    # occupations that mobility and matching walk.
    for item in list(build.items.values()):
        if item.properties.get("rome_type") == "fiche":
            parent = f"urn:rome:domaine:{item.code[:3]}"
            if parent in build.items:
                build.relations.append(Relation(RelationType.IS_CHILD_OF, item.uri or "", parent))


_READERS = {
    "grand_domaine": _domaines,
    "domaine_professionnel": _domaines,
    "referentiel_code_rome": _fiches,
    "referentiel_appellation": _appellations,
    "referentiel_competence": _competences,
    "referentiel_savoir": _savoirs,
    "rubrique_mobilite": _mobility,
}


def load(paths: list[Path]) -> tuple[list[Referential], ImportSummary]:
    """Import ROME 4.0 CSV files (a folder of them, or the published zip) as one referential
    (slug ``rome``)."""
    with csv_files(paths) as files:
        return _load_files(files)


def _load_files(files: list[Path]) -> tuple[list[Referential], ImportSummary]:
    by_name: dict[str, Path] = {}
    versions: set[str] = set()
    build = _Build()
    for path in files:
        match = _NAME.match(path.stem)
        if match is None:
            build.warnings.append(f"{path.name} : nom de fichier ROME non reconnu, ignoré")
            continue
        by_name[match.group("name").casefold()] = path
        versions.add(match.group("version").lower())
    if len(versions) > 1:
        build.warnings.append("plusieurs versions ROME mélangées : " + ", ".join(sorted(versions)))
    with gc_paused():
        for name, reader in _READERS.items():
            if name in by_name:
                reader(build, by_name[name])
        _fiche_domains(build)
        if "liens_rome_referentiels" in by_name:
            coeur = _coeur_metier(by_name.get("coherence_item"))
            _links(build, by_name["liens_rome_referentiels"], coeur)
    ignored = sorted(set(by_name) - set(_READERS) - {"liens_rome_referentiels", "coherence_item"})
    if ignored:
        build.warnings.append(
            "fichiers ROME hors du périmètre de l'import, ignorés : " + ", ".join(ignored)
        )
    dangling = {
        end for rel in build.relations for end in (rel.source, rel.target) if end not in build.items
    }
    if dangling:
        build.warnings.append(
            f"{len(dangling)} élément(s) ROME cité(s) mais absent(s) des fichiers : gardés "
            "comme nœuds externes"
        )
    referential = Referential(
        slug="rome",
        version=min(versions) if versions else "unknown",
        title={"fr": "ROME 4.0 — Répertoire opérationnel des métiers et des emplois"},
        status=Status.PUBLISHED,
        languages=("fr",),
        licence="Licence Ouverte / Open Licence (Etalab)",
        publisher="France Travail",
        items=tuple(build.items.values()),
        relations=tuple(build.relations),
        properties={"source_format": "rome", "files": sorted(p.name for p in by_name.values())},
    )
    return [referential], summarise([referential], build.warnings)
