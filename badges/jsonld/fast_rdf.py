"""Direct JSON-LD → RDF for the credential shapes, without building the expanded form.

This walks the compacted document once and emits RDF triples, applying exactly the rules
of the JSON-LD 1.1 Expansion Algorithm (§5.1.2, as pyld 3.3.0 implements it in
``JsonLdProcessor._expand`` / ``_expand_object`` / ``_expand_value``) and of
"Deserialize JSON-LD to RDF" (§8.1/§8.2, pyld ``_graph_to_rdf`` / ``_object_to_rdf``),
with active contexts from :mod:`badges.jsonld.fast_context`.

It handles the subset that credentials use: node objects (with or without ``id``),
``type``, properties with no container, ``@set``, ``@list`` (``allowedValue``) or ``@graph``
(``proof`` of an embedded endorsement), type coercion (``@id``, ``@vocab``, datatypes),
default and term languages, value objects with ``@value``/``@language``/``@type``, embedded,
property-scoped and type-scoped contexts. Anything else raises :class:`Unsupported` and the
caller falls back to the reference path: ``@nest``, ``@reverse``, ``@included``, ``@index``,
``@json``, other containers, base direction, explicit blank node identifiers, ``null`` and
empty arrays, nested arrays, and everything the reference calls data loss (dropped terms,
relative IRIs and types, blank-node predicates).

How each key expands in an active context is worked out once and kept on the context
(:class:`~badges.jsonld.fast_terms.Plan`: predicate, container, scoped term context,
coercion, language), as are the contexts a node enters with (after reverting /
property-scoped contexts) and the contexts after its type-scoped contexts: a credential walk
is then mostly dictionary look-ups.

Quads are ``(subject, predicate, object, graph)``: the predicate is an N-Quads IRI term
(``<…>``); subject and object are an N-Quads term string or an ``int``, the index of a blank
node; the graph is None (default graph) or a blank node index. Blank nodes are only created
for embedded nodes without ``id``, list cells and named graphs, each with one parent, so the
graph is a tree by construction.
"""

from __future__ import annotations

from typing import Any

from badges.jsonld.fast_context import ABSOLUTE_IRI, SCOPED, TYPED, Ctx
from badges.jsonld.fast_terms import (
    RDF_FIRST,
    RDF_NIL,
    RDF_REST,
    RDF_TYPE,
    XSD_STRING,
    Plan,
    Unsupported,
    expand_id,
    literal,
    quoted,
)

Term = str | int
# (subject, predicate, object, graph name): graph None is the default graph, else a blank node.
Quad = tuple[Term, str, Term, int | None]

_VALUE_KEYS = frozenset(("@value", "@language", "@type"))
# Per-context memo sizes: the keys and type names come from documents, so each memo is bounded.
MEMO_LIMIT = 4096


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

    def _plan(self, ctx: Ctx, key: str) -> Plan:
        plan: Plan | None = ctx.plans.get(key)
        if plan is None:
            plan = Plan(ctx, key)
            if len(ctx.plans) < MEMO_LIMIT:
                ctx.plans[key] = plan
        return plan

    def _map(self, active: Ctx, prop: str | None, element: dict[str, Any], top: bool) -> Term:
        # step 7: revert a type-scoped context unless this is a value object or a reference.
        must_revert = True
        if active.has_previous and len(element) <= 2 and "@context" not in element:
            for key in element:
                expanded = active.vocab_iri(key)
                if expanded == "@value" or (expanded == "@id" and len(element) == 1):
                    must_revert = False
                    break
        # step 8: property-scoped context (looked up before reverting, applied after).
        ctx = active.entries.get((prop, must_revert))
        if ctx is None:
            ctx = active.previous() if must_revert else active
            property_scoped = active.mapping(prop).get("@context")
            if property_scoped is not None:
                ctx = ctx.derive(SCOPED, property_scoped)
            if len(active.entries) < MEMO_LIMIT:  # keys come from documents: keep it bounded
                active.entries[(prop, must_revert)] = ctx
        # step 9: embedded context.
        if "@context" in element:
            ctx = ctx.derive_embedded(element["@context"])
        # steps 10-11: type-scoped contexts, looked up in the context before any of them.
        type_scoped = ctx
        type_key: str | None = None
        type_names: tuple[str, ...] = ()
        for key in ctx.type_keys:
            if key not in element:
                continue
            if type_key is not None:
                raise Unsupported("several_type_keys")
            type_key = key
            value = element[key]
            if isinstance(value, str):
                type_names = (value,)
            elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
                type_names = tuple(sorted(value))
            else:
                raise Unsupported("type_value")
        if type_names:
            typed = ctx.typed.get(type_names)
            if typed is None:
                typed = ctx
                for name in type_names:
                    scoped = ctx.mapping(name).get("@context")
                    if scoped is not None and scoped is not False:
                        typed = typed.derive(TYPED, scoped)
                if len(ctx.typed) < MEMO_LIMIT:
                    ctx.typed[type_names] = typed
            ctx = typed

        # step 13: each entry.
        plans = ctx.plans
        node_id: str | None = None
        typed_here = False
        value_entries: dict[str, Any] | None = None
        objects: list[tuple[str, Term]] = []
        for key, value in element.items():
            if key == "@context":
                continue
            plan = plans.get(key) or self._plan(ctx, key)
            keyword = plan.keyword
            if keyword is None:
                if plan.reason is not None:
                    raise Unsupported(plan.reason)
                self._property(plan, key, value, objects)
            elif keyword == "@id":
                if not isinstance(value, str):
                    raise Unsupported("id_value")
                node_id = expand_id(ctx, value)
            elif keyword == "@type":
                if key != type_key:
                    raise Unsupported("type_key_redefined")
                typed_here = True
            elif keyword in _VALUE_KEYS:
                if value_entries is None:
                    value_entries = {}
                if keyword in value_entries:
                    raise Unsupported("colliding_keywords")
                value_entries[keyword] = value
            else:
                raise Unsupported("keyword:" + keyword)

        if type_key is not None and not typed_here:  # a type-scoped context redefined it
            raise Unsupported("type_key_redefined")
        if value_entries is not None:
            if "@value" not in value_entries:
                raise Unsupported("language_without_value")
            if node_id is not None or objects:
                raise Unsupported("invalid_value_object")
            if type_key is not None:
                value_entries["@type"] = element[type_key]
            return self._value_object(type_scoped, value_entries)
        if top and not type_names and not objects:
            raise Unsupported("free_floating_node")

        if node_id is None:
            subject: Term = self.bnodes
            self.bnodes += 1
        else:
            subject = "<" + node_id + ">"
        emit = self.triples.append
        graph = self.graph
        for name in type_names:
            emit((subject, RDF_TYPE, self._type_iri(type_scoped, name), graph))
        for predicate, obj in objects:
            emit((subject, predicate, obj, graph))
        if len(self.triples) > self.max_triples:
            raise Unsupported("too_many_triples")
        return subject

    def _type_iri(self, type_scoped: Ctx, name: str) -> str:
        """An ``@type`` value as an N-Quads IRI (vocab expansion in the type-scoped context)."""
        term = type_scoped.type_iris.get(name)
        if term is None:
            iri = type_scoped.vocab_iri(name)
            if iri is None or not ABSOLUTE_IRI.match(iri) or iri.startswith("_:"):
                raise Unsupported("type_iri")  # relative type: data loss, the reference decides
            term = "<" + iri + ">"
            if len(type_scoped.type_iris) < MEMO_LIMIT:
                type_scoped.type_iris[name] = term
        return term

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
            datatype = self._type_iri(type_scoped, type_name)[1:-1]
        if language is not None:
            if not isinstance(language, str) or not isinstance(value, str):
                raise Unsupported("invalid_language")
            return self._literal(value, None, language.lower())
        return self._literal(value, datatype, None)

    def _literal(self, value: Any, datatype: str | None, language: str | None) -> str:
        text = literal(value, datatype, language)
        if datatype == XSD_STRING:
            self.ambiguous = True  # the same text as a plain string, another value for pyld
        elif language is None and (datatype is not None or not isinstance(value, str)):
            # Typed and non-string literals are where two different JSON-LD values can give
            # the same text (see __init__); plain and language-tagged strings cannot, except
            # against an explicit xsd:string, which is recorded here as well.
            identity = (type(value) is bool, value, datatype, language)
            seen = self.literals.setdefault(text, identity)
            if seen != identity:
                self.ambiguous = True
        return text

    # -- §5.1.2 step 13.7-13.13 for one property -------------------------------------------

    def _property(self, plan: Plan, key: str, value: Any, out: list[tuple[str, Term]]) -> None:
        # (The container that matters is the one in the active context, §5.1.2 steps 13.7 and
        # 13.11-13.12; the term context's only decides how nested arrays expand, refused below.)
        predicate = plan.predicate
        if plan.container == 0:
            if type(value) is str and plan.plain:  # the common case, inlined
                out.append((predicate, quoted(value)))
            elif isinstance(value, list):
                if not value:
                    raise Unsupported("empty_array")
                for item in value:
                    out.append((predicate, self._value(plan, key, item)))
            else:
                out.append((predicate, self._value(plan, key, value)))
        elif plan.container == 2:
            for item in _items(value):
                out.append((predicate, self._graph(plan.term_ctx, key, item)))
        else:
            items = [self._value(plan, key, item) for item in _list_items(value)]
            out.append((predicate, self._list(items)))

    def _value(self, plan: Plan, key: str, value: Any) -> Term:
        if isinstance(value, str):
            return self._scalar(plan, value)
        if isinstance(value, dict):
            return self._map(plan.term_ctx, key, value, top=False)
        if isinstance(value, list):  # becomes a list or is flattened, by container
            raise Unsupported("nested_array")
        if value is None:
            raise Unsupported("null_value")
        return self._scalar(plan, value)

    def _scalar(self, plan: Plan, value: Any) -> str:
        """§5.3.2 Value Expansion (pyld ``_expand_value``) followed by §8.2 to an RDF term."""
        is_string = isinstance(value, str)
        if plan.mode and is_string:
            if plan.mode == 1:
                return "<" + expand_id(plan.term_ctx, value) + ">"
            iri = plan.term_ctx.vocab_iri(value)
            if iri is None or not ABSOLUTE_IRI.match(iri) or iri.startswith("_:"):
                raise Unsupported("relative_iri")
            return "<" + iri + ">"
        datatype = plan.datatype
        if datatype is not None:
            if plan.scalar_reason is not None:
                raise Unsupported(plan.scalar_reason)
            return self._literal(value, datatype, None)
        if is_string:
            if plan.direction:
                raise Unsupported("direction")
            if plan.language is None:
                return quoted(value)
            return self._literal(value, None, plan.language)
        return self._literal(value, None, None)

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


def _list_items(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, list) or item is None:
            raise Unsupported("list_item")
    return items


def _items(value: Any) -> list[Any]:
    if isinstance(value, list):
        if not value:
            raise Unsupported("empty_array")
        return value
    return [value]
