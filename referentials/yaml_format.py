"""The atouts YAML format: a referential a trainer and an employer can write together.

French keys, one section per kind of item, memberships written where people think of them
(a block lists its competences, a certification its blocks and modules, an additional module
says which certification it is attached to)::

    referentiel: btp-exemple          # identifiant court
    version: "1.0"
    statut: publie                    # brouillon | publie | retire
    titre: {fr: Maçon, en: Bricklayer}
    organisations:
      - {nom: Entreprise Exemple, role: employeur}
    accords:
      - {version: "1.0", date: 2025-03-14, organisations: [Entreprise Exemple]}
    certifications:
      - code: TP-MACON
        libelle: Titre professionnel Maçon
        blocs: [B1, {ref: B2, obligatoire: true}]
    blocs:
      - code: B1
        libelle: Construire des ouvrages en maçonnerie
        competences: [C1, C2]
    competences:
      - code: C1
        libelle: {fr: Monter des murs, en: Build walls}
        type: savoir_faire
        correspondances:
          - {cible: "urn:rome:ogr:300490", methode: manuelle, confiance: 0.9}

The JSON Schema is ``referentials/schema/atouts-referential.schema.json`` (checked by
:mod:`referentials.yaml_schema`). Errors are French and
carry line numbers. :func:`dumps` writes the same format back; ``loads(dumps(r))`` equals
``canonical(r)`` (items grouped by section, relations in a canonical order).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import yaml

from referentials.model import (
    HIERARCHY_RELATIONS,
    Agreement,
    CompetenceType,
    ImportSummary,
    Item,
    ItemKind,
    Organisation,
    Referential,
    ReferentialFormatError,
    Relation,
    RelationType,
    is_uri,
)
from referentials.yaml_dump import dump, dumps
from referentials.yaml_located import Located, compose
from referentials.yaml_located import Path as DataPath
from referentials.yaml_schema import SCHEMA_PATH, schema, schema_errors
from referentials.yaml_vocab import (
    MEMBER_KEYS,
    METHOD,
    NOUNS,
    REQ,
    ROLE,
    SECTIONS,
    STATUS,
    canonical,
)

__all__ = ["SCHEMA_PATH", "canonical", "dump", "dumps", "load", "load_file", "loads", "schema"]

# --------------------------------------------------------------------------------- loading


def load(paths: list[Path]) -> tuple[list[Referential], ImportSummary]:
    """Importer entry point shared by every format (``referentials.importing``)."""
    referentials = [load_file(p) for p in paths]
    return referentials, ImportSummary.of(referentials)


def load_file(path: Path) -> Referential:
    return loads(path.read_text(encoding="utf-8"), source=str(path))


def loads(text: str, *, source: str | None = None, validate: bool = True) -> Referential:
    """Read one referential; :class:`ReferentialFormatError` lists every problem with its line.

    ``validate=False`` skips the JSON Schema pass, for files this program wrote itself (the
    store): it is the slow part on ESCO-sized referentials. Semantic checks still run."""
    try:
        doc = compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise ReferentialFormatError(
            [(line, f"le texte n'est pas du YAML valide ({exc.problem or exc.context})")],
            source=source,
        ) from None
    except yaml.YAMLError as exc:
        raise ReferentialFormatError([(None, f"YAML illisible : {exc}")], source=source) from None
    errors: list[tuple[int | None, str]] = [
        (line, f"la clé « {key} » est écrite deux fois") for line, key in doc.duplicates
    ]
    if validate or not isinstance(doc.data, dict):
        errors += schema_errors(doc)
    if errors:
        raise ReferentialFormatError(errors, source=source)
    return _Reader(doc, source).referential()


class _Reader:
    """Turns validated, located data into the model, collecting semantic errors."""

    def __init__(self, doc: Located, source: str | None) -> None:
        self.doc = doc
        self.source = source
        self.errors: list[tuple[int | None, str]] = []
        self.items: list[Item] = []
        self.kinds: dict[str, ItemKind] = {}
        self.relations: list[Relation] = []
        self.by_code: dict[str, Item] = {}
        self.hierarchy_lines: dict[tuple[str, str], int] = {}

    def referential(self) -> Referential:
        data = self.doc.data
        self._declare_items()
        self.by_code = {item.code: item for item in self.items}
        for section, kind in SECTIONS.items():
            for index, entry in enumerate(data.get(section, [])):
                self._item_relations((section, index), entry, kind)
        for index, entry in enumerate(data.get("relations", [])):
            self._generic_relation(("relations", index), entry)
        organisations = tuple(
            Organisation(o["nom"], ROLE[o["role"]], o.get("url"), o.get("note"))
            for o in data.get("organisations", [])
        )
        agreements = self._agreements({o.name for o in organisations})
        self._check_cycles()
        if self.errors:
            raise ReferentialFormatError(self.errors, source=self.source)
        return canonical(
            Referential(
                slug=data["referentiel"],
                version=self.doc.text(("version",)),
                title=_langmap(data["titre"]),
                status=STATUS[data.get("statut", "brouillon")],
                languages=tuple(data.get("langues", ["fr"])),
                licence=data.get("licence"),
                description=_langmap(data.get("description", {})),
                publisher=data.get("editeur"),
                organisations=organisations,
                agreements=agreements,
                replaces=self.doc.text(("remplace",)) if "remplace" in data else None,
                items=tuple(self.items),
                relations=tuple(self.relations),
                properties=data.get("proprietes", {}),
            )
        )

    def _declare_items(self) -> None:
        for section, kind in SECTIONS.items():
            for index, entry in enumerate(self.doc.data.get(section, [])):
                path = (section, index)
                code = self.doc.text((*path, "code"))
                if code in self.kinds:
                    noun = NOUNS[self.kinds[code]][0]
                    self.errors.append(
                        (
                            self.doc.line((*path, "code")),
                            f"le code « {code} » est déjà utilisé par {noun} « {code} »",
                        )
                    )
                    continue
                self.kinds[code] = kind
                self.items.append(self._item(path, entry, kind, code))

    def _item(self, path: DataPath, e: Mapping[str, Any], kind: ItemKind, code: str) -> Item:
        return Item(
            code=code,
            kind=kind,
            labels=_langmap(e["libelle"]),
            human_code=self.doc.text((*path, "code_affiche")) if "code_affiche" in e else None,
            alt_labels=_textlist(e.get("autres_libelles", {})),
            descriptions=_langmap(e.get("description", {})),
            competence_type=CompetenceType(e["type"]) if "type" in e else None,
            mandatory=e.get("obligatoire"),
            rank=e.get("rang"),
            criteria=_textlist(e.get("criteres", {})),
            uri=e.get("uri"),
            replaces=tuple(
                self.doc.text((*path, "remplace", i)) for i in range(len(e.get("remplace", [])))
            ),
            properties=e.get("proprietes", {}),
        )

    def _ref(self, path: DataPath, what: ItemKind | None, container: tuple[ItemKind, str]) -> str:
        """A relation end: a declared code or an absolute URI; else an error naming both."""
        ref = self.doc.text(path)
        if ref in self.kinds or is_uri(ref):
            return ref
        noun, feminine = NOUNS[what] if what else ("l'élément", False)
        dans = f"dans {NOUNS[container[0]][0]}"
        cited = "citée" if feminine else "cité"
        defined = "définie" if feminine else "défini"
        self.errors.append(
            (
                self.doc.line(path),
                f"{noun} « {ref} » est {cited} {dans} « {container[1]} » mais n'est pas {defined}",
            )
        )
        return ref

    def _member(self, path: DataPath, entry: Any) -> tuple[DataPath, Mapping[str, Any]]:
        """A member is ``C1`` or ``{ref: C1, obligatoire: false, ordre: 2}``."""
        if isinstance(entry, dict):
            return (*path, "ref"), entry
        return path, {}

    def _item_relations(self, path: DataPath, e: Mapping[str, Any], kind: ItemKind) -> None:
        code = self.doc.text((*path, "code"))
        me = (kind, code)
        part = RelationType.IS_PART_OF
        for key, member_kind in MEMBER_KEYS.items():
            for i, entry in enumerate(e.get(key, [])):
                ref_path, opts = self._member((*path, key, i), entry)
                ref = self._ref(ref_path, member_kind, me)
                if "obligatoire" in opts:
                    mandatory = opts["obligatoire"]
                else:  # a module says itself whether it is mandatory
                    member = self.by_code.get(ref)
                    mandatory = member.mandatory if member is not None else None
                self._hierarchy_line(ref, code, ref_path)
                self.relations.append(
                    Relation(
                        part,
                        ref,
                        code,
                        mandatory=mandatory,
                        sequence=opts.get("ordre"),
                        properties=opts.get("proprietes", {}),
                    )
                )
        for i, entry in enumerate(e.get("rattache_a", [])):
            ref_path, opts = self._member((*path, "rattache_a", i), entry)
            target = self._ref(ref_path, None, me)
            self._hierarchy_line(code, target, ref_path)
            self.relations.append(
                Relation(
                    part,
                    code,
                    target,
                    mandatory=opts.get("obligatoire", False),
                    sequence=opts.get("ordre"),
                    properties=opts.get("proprietes", {}),
                )
            )
        for i, entry in enumerate(e.get("parents", [])):
            ref_path, opts = self._member((*path, "parents", i), entry)
            parent = self._ref(ref_path, None, me)
            self._hierarchy_line(code, parent, ref_path)
            self.relations.append(
                Relation(
                    RelationType.IS_CHILD_OF,
                    code,
                    parent,
                    mandatory=opts.get("obligatoire"),
                    sequence=opts.get("ordre"),
                    properties=opts.get("proprietes", {}),
                )
            )
        for i in range(len(e.get("niveaux", []))):
            level = self._ref((*path, "niveaux", i), ItemKind.LEVEL, me)
            if level in self.kinds and self.kinds[level] is not ItemKind.LEVEL:
                self.errors.append(
                    (
                        self.doc.line((*path, "niveaux", i)),
                        f"« {level} » est cité comme niveau mais n'est pas un niveau",
                    )
                )
            self.relations.append(Relation(RelationType.HAS_SKILL_LEVEL, code, level))
        for i, c in enumerate(e.get("correspondances", [])):
            target = self._ref((*path, "correspondances", i, "cible"), None, me)
            self.relations.append(
                Relation(
                    c.get("relation", RelationType.EXACT_MATCH_OF),
                    code,
                    target,
                    method=METHOD[c["methode"]] if "methode" in c else None,
                    confidence=_float(c.get("confiance")),
                    properties=c.get("proprietes", {}),
                )
            )

    def _hierarchy_line(self, child: str, parent: str, path: DataPath) -> None:
        line = self.doc.line(path)
        if line is not None:
            self.hierarchy_lines.setdefault((child, parent), line)

    def _check_cycles(self) -> None:
        """A hierarchy cycle among the file's own items, reported at its first line (the
        graph checks again across referentials when the file is imported)."""
        graph: nx.DiGraph[str] = nx.DiGraph(list(self.hierarchy_lines))
        try:
            cycle = nx.find_cycle(graph)
        except nx.NetworkXNoCycle:
            return
        codes = [u for u, _ in cycle]
        line = min(self.hierarchy_lines[(u, v)] for u, v in cycle)
        path = " → ".join([*codes, codes[0]])
        self.errors.append(
            (
                line,
                f"la hiérarchie forme un cycle : {path} (un élément ne peut pas être son "
                "propre parent, même indirectement)",
            )
        )

    def _generic_relation(self, path: DataPath, r: Mapping[str, Any]) -> None:
        ends = []
        for key in ("source", "cible"):
            ref = self.doc.text((*path, key))
            if ref not in self.kinds and not is_uri(ref):
                self.errors.append(
                    (
                        self.doc.line((*path, key)),
                        f"la relation {r['type']} cite « {ref} », qui n'est pas défini",
                    )
                )
            ends.append(ref)
        if r["type"] in HIERARCHY_RELATIONS:
            self._hierarchy_line(ends[0], ends[1], path)
        self.relations.append(
            Relation(
                r["type"],
                ends[0],
                ends[1],
                mandatory=r.get("obligatoire"),
                requirement=REQ[r["exigence"]] if "exigence" in r else None,
                rank=r.get("rang"),
                method=METHOD[r["methode"]] if "methode" in r else None,
                confidence=_float(r.get("confiance")),
                sequence=r.get("ordre"),
                properties=r.get("proprietes", {}),
            )
        )

    def _agreements(self, names: set[str]) -> tuple[Agreement, ...]:
        found = []
        for index, a in enumerate(self.doc.data.get("accords", [])):
            path = ("accords", index)
            try:
                agreed_on = dt.date.fromisoformat(str(a["date"]))
            except ValueError:
                self.errors.append(
                    (
                        self.doc.line((*path, "date")),
                        f"« {a['date']} » n'est pas une date (AAAA-MM-JJ)",
                    )
                )
                continue
            for i, name in enumerate(a.get("organisations", [])):
                if name not in names:
                    self.errors.append(
                        (
                            self.doc.line((*path, "organisations", i)),
                            f"l'organisation « {name} » a signé l'accord mais n'est "
                            "pas déclarée dans « organisations »",
                        )
                    )
            found.append(
                Agreement(
                    self.doc.text((*path, "version")),
                    agreed_on,
                    tuple(a.get("organisations", [])),
                    a.get("note"),
                )
            )
        return tuple(found)


def _langmap(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        return {"fr": value}
    return {str(k): str(v) for k, v in value.items()}


def _textlist(value: Any) -> dict[str, tuple[str, ...]]:
    if isinstance(value, list):
        return {"fr": tuple(str(v) for v in value)}
    return {str(k): tuple(str(v) for v in vs) for k, vs in value.items()}


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
