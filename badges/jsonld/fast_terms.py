"""RDF terms for the fast path: literals, IRIs and per-context plans of how keys expand.

Exactly the rules of pyld 3.3.0 for the parts credentials use: §5.3.2 Value Expansion
(``JsonLdProcessor._expand_value``), §8.2 Object to RDF Conversion (``_object_to_rdf``), IRI
expansion with a null base (``_expand_iri``) and N-Quads serialization (``serialize_nquad``,
``nquads.escape``). Anything outside them raises :class:`Unsupported` (see
:mod:`badges.jsonld.fast_rdf`).
"""

from __future__ import annotations

import math
from typing import Any

from pyld.jsonld import _canonicalize_double

from badges.jsonld.fast_context import ABSOLUTE_IRI, SCOPED, Ctx

RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
RDF_FIRST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>"
RDF_REST = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>"
RDF_NIL = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

_NO_DATATYPE = (None, "@id", "@vocab", "@none")
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", '"': '\\"'})


class Unsupported(Exception):
    """The document leaves the subset this converter reproduces exactly."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def quoted(text: str) -> str:
    # pyld ``nquads.escape``: only these five characters are escaped.
    if "\\" in text or '"' in text or "\n" in text or "\r" in text or "\t" in text:
        return '"' + text.translate(_ESCAPES) + '"'
    return '"' + text + '"'


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
            return quoted(text) + "@" + language
        datatype = datatype or XSD_STRING
    else:
        raise Unsupported("value_type")
    if not isinstance(text, str):
        raise Unsupported("value_type")
    if datatype == XSD_STRING:
        return quoted(text)
    if datatype == RDF_LANGSTRING:
        raise Unsupported("langstring_without_language")
    return quoted(text) + "^^<" + datatype + ">"


def expand_id(ctx: Ctx, value: str) -> str:
    """``@id``-style IRI expansion with a null base (pyld ``_expand_iri``, vocab off), refusing
    what would not be an absolute IRI in RDF (relative: data loss) or a blank node."""
    colon = value.find(":")
    if colon > 0:
        prefix = value[:colon]
        suffix = value[colon + 1 :]
        if prefix == "_":
            raise Unsupported("blank_node_identifier")
        if not suffix.startswith("//"):
            mapping = ctx.raw["mappings"].get(prefix)
            if mapping and mapping["_prefix"]:
                value = mapping["@id"] + suffix
        if ABSOLUTE_IRI.match(value) and not value.startswith("_:"):
            return value
        raise Unsupported("relative_iri")
    raise Unsupported("relative_iri")


class Plan:
    """How a key expands in one active context (§5.1.2 step 13), computed once per context."""

    __slots__ = (
        "container",
        "datatype",
        "direction",
        "keyword",
        "language",
        "mode",
        "plain",
        "predicate",
        "reason",
        "scalar_reason",
        "term_ctx",
    )

    def __init__(self, active: Ctx, key: str) -> None:
        self.reason: str | None = None
        self.scalar_reason: str | None = None
        self.keyword: str | None = None
        self.predicate = ""
        self.container = 0  # 0: none or @set, 1: @list, 2: @graph
        self.term_ctx = active
        self.mode = 0  # scalars: 0 literal, 1 @id IRI, 2 @vocab IRI
        self.datatype: str | None = None
        self.language: str | None = None
        self.direction = False
        self.plain = False  # a string value is a plain xsd:string literal
        expanded = active.vocab_iri(key)
        if expanded is None:
            self.reason = "dropped_term"
            return
        if expanded[0] == "@":
            self.keyword = expanded
            return
        if not ABSOLUTE_IRI.match(expanded) or expanded.startswith("_:"):
            self.reason = "dropped_term"  # relative or blank-node predicate: lost in RDF
            return
        self.predicate = "<" + expanded + ">"
        mapping = active.mapping(key)
        container = mapping.get("@container")
        if container == ["@list"]:
            self.container = 1
        elif container == ["@graph"]:
            self.container = 2
        elif container and container != ["@set"]:
            self.reason = "container"
        if mapping.get("reverse") or mapping.get("@type") == "@json":
            self.reason = "term_definition"
        scoped = mapping.get("@context")
        term_ctx = active.derive(SCOPED, scoped) if scoped is not None else active
        self.term_ctx = term_ctx
        # §5.3.2 Value Expansion, with the term as seen from the term's own context.
        term = term_ctx.mapping(key)
        if term.get("reverse") or term.get("@type") == "@json":
            self.reason = "term_definition"
        type_ = term.get("@type")
        if type_ == "@id":
            self.mode = 1
        elif type_ == "@vocab":
            self.mode = 2
        if type_ not in _NO_DATATYPE:
            self.datatype = type_
            if type_.startswith("_:") or not ABSOLUTE_IRI.match(type_):
                self.scalar_reason = "datatype"
        else:
            raw = term_ctx.raw
            direction = term["@direction"] if "@direction" in term else raw.get("@direction")
            self.direction = direction is not None  # dropped by toRDF without rdfDirection
            self.language = term["@language"] if "@language" in term else raw.get("@language")
            self.plain = self.mode == 0 and not self.direction and self.language is None
