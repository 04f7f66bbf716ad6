"""RDF Dataset Canonicalization (RDFC-1.0 = URDNA2015) of JSON-LD documents, in safe mode.

- Safe mode (VC-DI 1.0 §2.4.3 "Securing Data Losslessly", attack S3 in reliability-ux.md A3):
  expansion that would drop a member, or that leaves a relative IRI (base IRI is null, so
  relative IRIs vanish from the RDF), ends in :class:`DataLossError` (``data_loss``). pyld drops
  such data silently, so it would let unsigned data look signed. Detection has three layers:
  pyld's own dropped-property hook; a walk of the expanded form for relative IRIs and blank-node
  predicates (which RDF cannot carry); and a comparison of the input's members with the expanded
  output — every scalar member of the input must survive as a value, IRI or type.
- Bounded work (RDF-canon §"Dataset Poisoning", test074c, attack S4): quads, blank nodes and the
  Hash N-Degree Quads work (calls and permutations) are counted against :class:`CanonLimits`;
  past a limit :class:`CanonicalizationLimitError` (``canonicalization_limit_exceeded``).
- :func:`canonical_nquads` is the dispatcher: the fast path ``badges.jsonld.fast`` (when present
  and when it returns a result) else :func:`reference_canonical_nquads` (plain pyld + checks).
"""

from __future__ import annotations

import copy
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer
from pyld.nquads import parse_nquads

from badges.jsonld.loader import ContextNotAllowedError, OfflineDocumentLoader, default_loader
from badges.problems import BadgeError

__all__ = [
    "CanonLimits",
    "CanonicalizationLimitError",
    "DataLossError",
    "JsonLdProcessingError",
    "canonical_nquads",
    "canonicalize_nquads",
    "expand_safely",
    "reference_canonical_nquads",
]

# pyld's own rule (``_is_absolute_iri``): a scheme, a colon, then no whitespace at all. An IRI with
# a space passes a scheme-only check but is then dropped silently by toRDF, so we must match pyld.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*|_):[^\s]*$")


class DataLossError(BadgeError):
    """JSON-LD processing would silently drop part of the document."""

    code = "data_loss"


class CanonicalizationLimitError(BadgeError):
    """Canonicalization needed more work than allowed (poison graph or oversized input)."""

    code = "canonicalization_limit_exceeded"


class JsonLdProcessingError(BadgeError):
    """The document is not valid JSON-LD (pyld error), e.g. a protected term redefinition."""

    code = "jsonld_invalid"


@dataclass(frozen=True, slots=True)
class CanonLimits:
    """Work bounds. Defaults are far above any credential (an OB 3.0 badge has ~60 quads and a
    dozen blank nodes, all distinguished at first degree) and far below a poison graph."""

    max_quads: int = 50_000
    max_blank_nodes: int = 10_000
    # Hash N-Degree Quads calls + permutations explored (RDFC-1.0 §4.8, the exponential part)
    max_work: int = 20_000


class _Budget:
    __slots__ = ("limit", "used")

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def tick(self) -> None:
        self.used += 1
        if self.used > self.limit:
            raise CanonicalizationLimitError(
                "Canonicalisation trop coûteuse (graphe piégé ?) : "
                f"limite de {self.limit} étapes dépassée"
            )


class _CountingIssuer(IdentifierIssuer):  # type: ignore[misc]
    """An identifier issuer whose copies (one per permutation in §4.8) tick the budget."""

    def __init__(self, prefix: str, budget: _Budget) -> None:
        super().__init__(prefix)
        self.budget = budget

    @classmethod
    def wrap(cls, issuer: Any, budget: _Budget) -> _CountingIssuer:
        new = cls(issuer.prefix, budget)
        new.counter = issuer.counter
        new.existing = dict(issuer.existing)
        new.order = list(issuer.order)
        return new

    def __deepcopy__(self, memo: dict[int, Any]) -> _CountingIssuer:
        self.budget.tick()
        return _CountingIssuer.wrap(self, self.budget)


class _BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    def __init__(self, budget: _Budget) -> None:
        super().__init__()
        self._budget = budget

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._budget.tick()
        if not isinstance(issuer, _CountingIssuer):
            issuer = _CountingIssuer.wrap(issuer, self._budget)
        return super().hash_n_degree_quads(id_, issuer)


def _check_dataset_size(dataset: dict[str, list[dict[str, Any]]], limits: CanonLimits) -> None:
    quads = 0
    blanks: set[str] = set()
    for graph_name, triples in dataset.items():
        quads += len(triples)
        if graph_name.startswith("_:"):
            blanks.add(graph_name)
        for triple in triples:
            for pos in ("subject", "object"):
                if triple[pos]["type"] == "blank node":
                    blanks.add(triple[pos]["value"])
    if quads > limits.max_quads:
        raise CanonicalizationLimitError(
            f"Trop de quads à canoniser ({quads} > {limits.max_quads})"
        )
    if len(blanks) > limits.max_blank_nodes:
        raise CanonicalizationLimitError(
            f"Trop de nœuds anonymes ({len(blanks)} > {limits.max_blank_nodes})"
        )


def _urdna2015(dataset: dict[str, list[dict[str, Any]]], limits: CanonLimits) -> str:
    _check_dataset_size(dataset, limits)
    result = _BoundedURDNA2015(_Budget(limits.max_work)).main(
        dataset, {"format": "application/n-quads"}
    )
    assert isinstance(result, str)
    return result


def canonicalize_nquads(nquads: str, *, limits: CanonLimits | None = None) -> str:
    """RDFC-1.0 of an N-Quads document (used for the W3C rdf-canon tests)."""
    return _urdna2015(parse_nquads(nquads), limits or CanonLimits())


# --- safe mode -----------------------------------------------------------------------------


def _is_absolute(iri: str) -> bool:
    return bool(_ABSOLUTE_IRI.match(iri))


def _count_input_scalars(node: Any) -> int:
    """Scalar members of the input (nulls and ``@context`` excluded)."""
    if isinstance(node, dict):
        return sum(_count_input_scalars(v) for k, v in node.items() if k != "@context")
    if isinstance(node, list):
        return sum(_count_input_scalars(v) for v in node)
    return 0 if node is None else 1


def _walk_expanded(node: Any, path: str, problems: list[str]) -> int:
    """Count surviving scalars in expanded JSON-LD and note what RDF cannot carry."""
    if isinstance(node, list):
        return sum(_walk_expanded(item, path, problems) for item in node)
    if not isinstance(node, dict):
        return 0 if node is None else 1
    count = 0
    if "@value" in node:
        datatype = node.get("@type")
        if isinstance(datatype, str) and datatype != "@json" and not _is_absolute(datatype):
            problems.append(f"type de donnée relatif « {datatype} » ({path})")
        if datatype == "@json":
            return _count_input_scalars(node["@value"]) + len(node) - 1
        return sum(0 if v is None else 1 for v in node.values())
    for key, value in node.items():
        if key == "@id":
            if isinstance(value, str) and not (value.startswith("_:") or _is_absolute(value)):
                problems.append(f"IRI relative « {value} » ({path})")
            count += 1
        elif key == "@type":
            for t in value if isinstance(value, list) else [value]:
                if isinstance(t, str) and not (t.startswith("_:") or _is_absolute(t)):
                    problems.append(f"type relatif « {t} » ({path})")
                count += 1
        elif key.startswith("@"):
            count += _walk_expanded(value, path, problems)
        else:
            if key.startswith("_:"):
                problems.append(f"propriété sans IRI « {key} » ({path})")
            count += _walk_expanded(value, f"{path}/{key.rsplit('#', 1)[-1]}", problems)
    return count


def _wrap_pyld_error(exc: Exception) -> BadgeError:
    """Turn a pyld exception into our error, keeping a BadgeError raised by the loader."""
    seen: Exception | None = exc
    while seen is not None:
        if isinstance(seen, BadgeError):
            return seen
        cause = seen.__cause__ or getattr(seen, "cause", None)
        seen = cause if isinstance(cause, Exception) else None
    codes: list[str] = []
    seen = exc
    while seen is not None:
        code = getattr(seen, "code", None)
        if isinstance(code, str):
            codes.append(code)
        cause = seen.__cause__
        seen = cause if isinstance(cause, Exception) else None
    if "protected term redefinition" in codes:
        return JsonLdProcessingError(
            "Le document redéfinit un terme protégé d'un contexte (interdit)",
            code="context_term_redefinition",
        )
    detail = codes[-1] if codes else type(exc).__name__
    return JsonLdProcessingError(f"JSON-LD invalide : {detail}")


def expand_safely(document: dict[str, Any], loader: OfflineDocumentLoader) -> list[Any]:
    """Expand with pyld (base IRI null) and raise :class:`DataLossError` if anything is lost."""
    dropped: list[str | None] = []
    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped.append)
    options = {**loader.pyld_options(), "base": None}
    try:
        expanded = processor.expand(copy.deepcopy(document), options)
    except RecursionError as exc:
        raise CanonicalizationLimitError("Document trop profondément imbriqué") from exc
    except ContextNotAllowedError:
        raise
    except Exception as exc:
        raise _wrap_pyld_error(exc) from exc
    if dropped:
        names = ", ".join(sorted({str(d) if d is not None else "(terme nul)" for d in dropped}))
        raise DataLossError(
            f"Termes non définis par les contextes, ils seraient ignorés à la signature : {names}",
            path=names,
        )
    problems: list[str] = []
    survived = _walk_expanded(expanded, "", problems)
    if problems:
        raise DataLossError(
            "Données qui disparaîtraient de la forme signée : " + "; ".join(problems[:5])
        )
    expected = _count_input_scalars(document)
    if survived < expected:
        raise DataLossError(
            f"{expected - survived} valeur(s) du document seraient ignorées à la signature"
        )
    assert isinstance(expanded, list)
    return expanded


def reference_canonical_nquads(
    document: dict[str, Any],
    *,
    loader: OfflineDocumentLoader | None = None,
    limits: CanonLimits | None = None,
) -> str:
    """The plain pyld path: safe expansion, toRdf, bounded URDNA2015 — the reference bytes."""
    loader = loader or default_loader()
    expanded = expand_safely(document, loader)
    try:
        dataset = _expanded_to_dataset(expanded)
    except Exception as exc:
        raise _wrap_pyld_error(exc) from exc
    return _urdna2015(dataset, limits or CanonLimits())


def _expanded_to_dataset(expanded: list[Any]) -> dict[str, list[dict[str, Any]]]:
    """pyld's toRdf (JSON-LD 1.1 API §8.1) from the already expanded form.

    ``JsonLdProcessor.to_rdf`` would expand the input a second time (about a third of the
    cost of the whole reference path); these are the exact steps it runs after expansion.
    """
    processor = jsonld.JsonLdProcessor()
    options = {
        "produceGeneralizedRdf": False,
        "rdfDirection": None,
        "processingMode": "json-ld-1.1",
    }
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    processor._create_node_map(expanded, node_map, "@default", issuer)
    dataset: dict[str, list[dict[str, Any]]] = {}
    for graph_name, graph in sorted(node_map.items()):
        # pyld skips graphs named by a relative IRI (safe mode has already refused those)
        if graph_name == "@default" or jsonld._is_absolute_iri(graph_name):
            dataset[graph_name] = processor._graph_to_rdf(graph, issuer, options)
    return dataset


_FastPath = Callable[..., "str | None"]
_fast_cache: list[_FastPath | None] = []


def _fast_path() -> _FastPath | None:
    """Import ``badges.jsonld.fast.fast_canonical_nquads`` once; absent module -> None."""
    if not _fast_cache:
        try:
            module = importlib.import_module("badges.jsonld.fast")
        except ModuleNotFoundError:
            _fast_cache.append(None)
        else:
            _fast_cache.append(getattr(module, "fast_canonical_nquads", None))
    return _fast_cache[0]


def canonical_nquads(
    document: dict[str, Any],
    *,
    loader: OfflineDocumentLoader | None = None,
    limits: CanonLimits | None = None,
) -> str:
    """RDFC-1.0 N-Quads of a JSON-LD document, safe mode on, work bounded.

    Tries the fast path first (same bytes, same safety; it returns None for shapes it does not
    handle), then the reference path.
    """
    fast = _fast_path()
    if fast is not None:
        result = fast(document, loader=loader, limits=limits)
        if result is not None:
            return result
    return reference_canonical_nquads(document, loader=loader, limits=limits)
