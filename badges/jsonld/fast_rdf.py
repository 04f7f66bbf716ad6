"""Direct JSON-LD → RDF for the credential shapes, without building the expanded form.

This walks the compacted document once and emits RDF triples, applying exactly the rules
of the JSON-LD 1.1 Expansion Algorithm (§5.1.2, as pyld 3.3.0 implements it in
``JsonLdProcessor._expand`` / ``_expand_object`` / ``_expand_value``) and of
"Deserialize JSON-LD to RDF" (§8.1/§8.2, pyld ``_graph_to_rdf`` / ``_object_to_rdf``),
with active contexts from :mod:`badges.jsonld.fast_context`.

It handles the subset that credentials use: node objects (with or without ``id``),
``type``, properties with ``@set`` or no container, type coercion (``@id``, ``@vocab``,
datatypes), default and term languages, value objects with ``@value``/``@language``/
``@type``, embedded, property-scoped and type-scoped contexts. Anything else raises
:class:`Unsupported` and the caller falls back to the reference path: lists, ``@graph``,
``@nest``, ``@reverse``, ``@included``, ``@index``, ``@json``, base direction, explicit blank
node identifiers, ``null`` and empty arrays, dropped terms and relative IRIs (the last two are
data loss, which the reference path reports), and any duplicate triple (the reference merges
nodes and values with its own equality rules; those cases are rare, so they go back to it).

Triples are ``(subject, predicate, object)`` where the predicate is an N-Quads IRI term
(``<…>``), and subject and object are either an N-Quads term string or an ``int`` — the
index of a blank node. Blank nodes are only created for embedded node objects without
``id``, each with exactly one parent, so the graph is a tree by construction.
"""

from __future__ import annotations

import math
from typing import Any

from pyld.jsonld import _canonicalize_double

from badges.jsonld.fast_context import ABSOLUTE_IRI, SCOPED, TYPED, Ctx

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF_FIRST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>"
RDF_REST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>"
RDF_NIL = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

Term = str | int
# (subject, predicate, object, graph name): graph None is the default graph, else a blank node.
Quad = tuple[Term, str, Term, int | None]

_VALUE_KEYS = frozenset(("@value", "@language", "@type"))
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})


class Unsupported(Exception):
    """The document leaves the subset this converter reproduces exactly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def literal(value: Any, datatype: str | None, language: str | None) -> str:
    """An RDF literal as N-Quads text, exactly as pyld ``_object_to_rdf`` + ``serialize_nquad``."""
    if isinstance(value, bool):
        text = "true" if value else "false"
        datatype = datatype or XSD_BOOLEAN
    elif isinstance(value, float) and not value.is_integer():
        if not math.isfinite(value):
            raise Unsupported("non_finite_number")
        text = _canonicalize_double(value)
        datatype = datatype or XSD_DOUBLE
    elif datatype == XSD_DOUBLE:
        try:
            number = float(value)
        except (ValueError, TypeError):
            text = value
        else:
            if not math.isfinite(number):
                raise Unsupported("non_finite_number")
            text = _canonicalize_double(number)
    elif isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise Unsupported("non_finite_number")
        if abs(value) >= 1e21:
            text = _canonicalize_double(value)
            datatype = datatype or XSD_DOUBLE
        else:
            text = str(int(value))
            datatype = datatype or XSD_INTEGER
    elif isinstance(value, str):
        text = value
        if language is not None and datatype is None:
            if not language:
                raise Unsupported("empty_language")
            return '"' + text.translate(_ESCAPES) + '"@' + language
        datatype = datatype or XSD_STRING
    else:
        raise Unsupported("value_type")
    if not isinstance(text, str):
        raise Unsupported("value_type")
    if datatype == XSD_STRING:
        return '"' + text.translate(_ESCAPES) + '"'
    if datatype == RDF_LANGSTRING:
        raise Unsupported("langstring_without_language")
    return '"' + text.translate(_ESCAPES) + '"^^<' + datatype + ">"


class TreeBuilder:
    """Converts one compacted JSON-LD document into triples (see the module docstring)."""

    __slots__ = ("ambiguous", "bnodes", "graph", "literals", "max_triples", "triples")

    def __init__(self, max_triples: int) -> None:
        self.triples: list[Quad] = []
        self.bnodes = 0
        self.graph: int | None = None
        self.max_triples = max_triples
        # The node map of the reference merges equal values (pyld ``compare_values``: same
        # @type, @language and strictly equal @value) before toRDF. Identical quads are
        # therefore merged here too — unless two *different* JSON-LD values produced the same
        # literal text (``true`` and ``"true"^^xsd:boolean``), where the reference keeps both.
        self.literals: dict[str, tuple[bool, Any, str | None, str | None]] = {}
        self.ambiguous = False

    # -- §5.1.2 Expansion Algorithm, for a map element -------------------------------------

    def top(self, initial: Ctx, document: Any) -> None:
        if not isinstance(document, dict):
            raise Unsupported("top_level_not_object")
        result = self._map(initial, None, document, top=True)
        if isinstance(result, str) and result.startswith('"'):
            raise Unsupported("top_level_value")

    def _map(self, active: Ctx, prop: str | None, element: dict[str, Any], top: bool) -> Term:
        # step 7: revert a type-scoped context unless this is a value object or a reference.
        property_scoped = active.mapping(prop).get("@context")
        must_revert = True
        if active.has_previous() and len(element) <= 2 and "@context" not in element:
            type_scoped_for_value = active
            for key in sorted(element):
                expanded = type_scoped_for_value.vocab_iri(key)
                if expanded == "@value":
                    must_revert = False
                    break
                if expanded == "@id" and len(element) == 1:
                    must_revert = False
                    break
        if must_revert:
            active = active.previous()
        # step 8: property-scoped context, after reverting.
        if property_scoped is not None:
            active = active.derive(SCOPED, property_scoped)
        # step 9: embedded context.
        if "@context" in element:
            active = active.derive_embedded(element["@context"])
        # steps 10-11: type-scoped contexts, looked up in the context before any of them.
        type_scoped = active
        type_values: list[str] = []
        type_key: str | None = None
        keys = sorted(element)
        for key in keys:
            if active.vocab_iri(key) != "@type":
                continue
            if type_key is not None:
                raise Unsupported("several_type_keys")
            type_key = key
            value = element[key]
            if isinstance(value, str):
                type_values.append(value)
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                type_values.extend(value)
            else:
                raise Unsupported("type_value")
        for type_name in sorted(type_values):
            scoped = type_scoped.mapping(type_name).get("@context")
            if scoped is not None and scoped is not False:
                active = active.derive(TYPED, scoped)

        # step 13: each entry.
        node_id: str | None = None
        types: list[str] = []
        value_entries: dict[str, Any] = {}
        properties: list[tuple[str, list[Term]]] = []
        for key in keys:
            if key == "@context":
                continue
            value = element[key]
            expanded = active.vocab_iri(key)
            if expanded is None:
                raise Unsupported("dropped_term")
            if expanded[0] == "@":
                if expanded in value_entries or (expanded == "@id" and node_id is not None):
                    raise Unsupported("colliding_keywords")
                if expanded == "@id":
                    node_id = self._node_id(active, value)
                elif expanded == "@type":
                    if key != type_key:
                        raise Unsupported("type_key_redefined")
                    for name in [value] if isinstance(value, str) else value:
                        types.append(self._type_iri(type_scoped, name))
                    value_entries["@type"] = value
                elif expanded in _VALUE_KEYS:
                    value_entries[expanded] = value
                else:
                    raise Unsupported("keyword:" + expanded)
                continue
            if not ABSOLUTE_IRI.match(expanded) or expanded.startswith("_:"):
                raise Unsupported("dropped_term")
            properties.append(("<" + expanded + ">", self._property(active, key, value)))

        if "@value" in value_entries:
            if node_id is not None or properties:
                raise Unsupported("invalid_value_object")
            return self._value_object(type_scoped, value_entries)
        if "@language" in value_entries:
            raise Unsupported("language_without_value")
        if top and not types and not properties:
            raise Unsupported("free_floating_node")

        if node_id is None:
            subject: Term = self.bnodes
            self.bnodes += 1
        else:
            subject = "<" + node_id + ">"
        emit = self.triples.append
        graph = self.graph
        for type_iri in types:
            emit((subject, RDF_TYPE, "<" + type_iri + ">", graph))
        for predicate, objects in properties:
            for obj in objects:
                emit((subject, predicate, obj, graph))
        if len(self.triples) > self.max_triples:
            raise Unsupported("too_many_triples")
        return subject

    def _node_id(self, active: Ctx, value: Any) -> str:
        if not isinstance(value, str):
            raise Unsupported("id_value")
        iri = active.iri(value)
        if iri is None or not ABSOLUTE_IRI.match(iri):
            raise Unsupported("relative_iri")
        if iri.startswith("_:"):
            raise Unsupported("blank_node_identifier")
        return iri

    def _type_iri(self, type_scoped: Ctx, name: str) -> str:
        iri = type_scoped.vocab_iri(name)
        if iri is None or not ABSOLUTE_IRI.match(iri) or iri.startswith("_:"):
            raise Unsupported("type_iri")
        return iri

    def _value_object(self, type_scoped: Ctx, entries: dict[str, Any]) -> str:
        value = entries["@value"]
        language = entries.get("@language")
        type_name = entries.get("@type")
        if value is None or isinstance(value, dict | list):
            raise Unsupported("value_object_value")
        datatype: str | None = None
        if type_name is not None:
            if language is not None or not isinstance(type_name, str):
                raise Unsupported("invalid_value_object")
            datatype = self._type_iri(type_scoped, type_name)
        if language is not None:
            if not isinstance(language, str) or not isinstance(value, str):
                raise Unsupported("invalid_language")
            language = language.lower()
        return self._literal(value, datatype, language)

    def _literal(self, value: Any, datatype: str | None, language: str | None) -> str:
        text = literal(value, datatype, language)
        identity = (type(value) is bool, value, datatype, language)
        seen = self.literals.setdefault(text, identity)
        if seen != identity:
            self.ambiguous = True
        return text

    # -- §5.1.2 step 13.7-13.13 for one property -------------------------------------------

    def _property(self, active: Ctx, key: str, value: Any) -> list[Term]:
        mapping = active.mapping(key)
        container: Any = None
        if mapping:
            container = mapping.get("@container")
            if container == ["@set"]:
                container = None
            elif container and container != ["@list"] and container != ["@graph"]:
                raise Unsupported("container")
            if mapping.get("reverse") or mapping.get("@type") == "@json":
                raise Unsupported("term_definition")
            scoped = mapping.get("@context")
            term_ctx = active.derive(SCOPED, scoped) if scoped is not None else active
            term_mapping = term_ctx.mapping(key)
            if term_mapping is not mapping and (
                term_mapping.get("reverse") or term_mapping.get("@type") == "@json"
            ):
                raise Unsupported("term_definition")
        else:
            term_ctx = active
        out: list[Term] = []
        # (The container that matters is the one in the active context, §5.1.2 steps 13.7 and
        # 13.11-13.12; the term context's only decides how nested arrays expand, refused below.)
        if container == ["@graph"]:
            return [self._graph(term_ctx, key, item) for item in _items(value)]
        if container == ["@list"]:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, list) or item is None:
                    raise Unsupported("list_item")
                self._values(term_ctx, key, item, out)
            return [self._list(out)]
        self._values(term_ctx, key, value, out)
        return out

    def _graph(self, ctx: Ctx, key: str, item: Any) -> Term:
        """A ``@graph`` container value: the node goes into a new named graph (§8.1 step 1)."""
        if not isinstance(item, dict):
            raise Unsupported("graph_item")
        name = self.bnodes
        self.bnodes += 1
        outer = self.graph
        self.graph = name
        try:
            self._map(ctx, key, item, top=False)
        finally:
            self.graph = outer
        return name

    def _list(self, items: list[Term]) -> Term:
        """§8.3 List to RDF Conversion: a chain of blank nodes (each with one parent)."""
        if not items:
            return RDF_NIL
        first = self.bnodes
        self.bnodes += len(items)
        emit = self.triples.append
        graph = self.graph
        last = first + len(items) - 1
        for offset, item in enumerate(items):
            node = first + offset
            emit((node, RDF_FIRST, item, graph))
            emit((node, RDF_REST, node + 1 if node < last else RDF_NIL, graph))
        return first

    def _values(self, ctx: Ctx, key: str, value: Any, out: list[Term]) -> None:
        if isinstance(value, list):
            if not value:
                raise Unsupported("empty_array")
            for item in value:
                if isinstance(item, list):  # becomes a list or is flattened, by container
                    raise Unsupported("nested_array")
                self._values(ctx, key, item, out)
        elif isinstance(value, dict):
            out.append(self._map(ctx, key, value, top=False))
        elif value is None:
            raise Unsupported("null_value")
        else:
            out.append(self._scalar(ctx, key, value))

    def _scalar(self, ctx: Ctx, key: str, value: Any) -> str:
        """§5.3.2 Value Expansion (pyld ``_expand_value``) followed by §8.2 to an RDF term."""
        mapping = ctx.mapping(key)
        type_ = mapping.get("@type")
        if isinstance(value, str) and type_ in ("@id", "@vocab"):
            iri = ctx.iri(value) if type_ == "@id" else ctx.vocab_iri(value)
            if iri is None or not ABSOLUTE_IRI.match(iri):
                raise Unsupported("relative_iri")
            if iri.startswith("_:"):
                raise Unsupported("blank_node_identifier")
            if iri[0] == "@":
                raise Unsupported("keyword_value")
            return "<" + iri + ">"
        language: str | None = None
        if type_ is not None and type_ not in ("@id", "@vocab", "@none"):
            datatype: str | None = type_
        else:
            datatype = None
            if isinstance(value, str):
                raw = ctx.raw
                if "@direction" in mapping:
                    direction = mapping["@direction"]
                else:
                    direction = raw.get("@direction")
                if direction is not None:  # dropped by toRDF without rdfDirection: reference
                    raise Unsupported("direction")
                language = mapping["@language"] if "@language" in mapping else raw.get("@language")
        if datatype is not None and (datatype.startswith("_:") or not ABSOLUTE_IRI.match(datatype)):
            raise Unsupported("datatype")
        return self._literal(value, datatype, language)


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        if not value:
            raise Unsupported("empty_array")
        return value
    return [value]
