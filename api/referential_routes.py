"""Referentials on the web: browse, item pages (human and CASE JSON), co-edit, publish.

Public URLs (DESIGN.md §3.1): ``{base}/referentials/{slug}/{version}`` and
``{base}/referentials/{slug}/{version}/{kind-plural}/{code}`` answer a page to browsers and
JSON to programs (``Accept: application/json`` or ``?format=json``): the CASE 1.1 CFPackage of
the version, or the item's ``CFItem`` from that package (so an alignment's ``targetUrl``
resolves to what ``targetType: "CFItem"`` promises). The JSON API mirrors it under
``/api/referentials``.

Co-editing (drafts, organisations, items, publishing) is in :mod:`api.referential_editing`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from api.database import engine_of
from api.diagrams import kind_name, structure_svg, structure_tree
from api.i18n import current_language
from api.pages import render
from api.problems import ApiProblem, problem_responses
from api.referential_catalogue import Entry, catalogue, find, versions_of
from referentials.formats.case_export import dump as case_dump
from referentials.model import (
    ItemKind,
    OrganisationRole,
    Referential,
)

router = APIRouter()
_PLURALS = {kind.plural: kind for kind in ItemKind}
_JSON = "application/json"


def _base(request: Request) -> str:
    return str(request.app.state.settings.base_url)


def _now(request: Request) -> datetime:
    return request.app.state.clock()  # type: ignore[no-any-return]


def _entry(request: Request, slug: str, version: str) -> Entry:
    entry = find(engine_of(request), slug, version)
    if entry is None:
        raise ApiProblem(
            404, "referential_not_found", "Ce référentiel ou cette version n'existe pas."
        )
    return entry


def _wants_json(request: Request, format_: str | None) -> bool:
    if format_ == "json":
        return True
    accept = request.headers.get("accept", "")
    return ("json" in accept) and "text/html" not in accept


_PACKAGES: dict[tuple[int, str], tuple[Referential, dict[str, Any]]] = {}


def _package(ref: Referential, base: str) -> dict[str, Any]:
    """The CASE package, kept per referential object (the catalogue reuses parsed objects)."""
    key = (id(ref), base)
    cached = _PACKAGES.get(key)
    if cached is not None and cached[0] is ref:
        return cached[1]
    if len(_PACKAGES) > 64:
        _PACKAGES.clear()
    package = case_dump(ref, base=base)
    _PACKAGES[key] = (ref, package)
    return package


def _cf_item(ref: Referential, base: str, kind: ItemKind, code: str) -> dict[str, Any]:
    item = ref.items_by_code.get(code)
    if item is None or item.kind != kind:
        raise ApiProblem(404, "referential_item_not_found", "Cet élément n'existe pas.")
    uri = item.url(base, ref.slug, ref.version)
    for cf_item in _package(ref, base).get("CFItems", []):
        if cf_item.get("uri") == uri:
            return dict(cf_item)
    raise ApiProblem(404, "referential_item_not_found", "Cet élément n'existe pas.")


class ReferentialSummary(BaseModel):
    slug: str
    version: str
    title: dict[str, str]
    status: str
    source: str
    url: str
    organisations: list[dict[str, str]]
    items: int


def _summary(entry: Entry, base: str) -> ReferentialSummary:
    ref = entry.referential
    return ReferentialSummary(
        slug=ref.slug,
        version=ref.version,
        title=dict(ref.title),
        status=str(ref.status),
        source=entry.source,
        url=ref.url(base),
        organisations=[{"name": o.name, "role": str(o.role)} for o in ref.organisations],
        items=len(ref.items),
    )


# -- pages ------------------------------------------------------------------------------------


@router.get("/referentiels", response_class=HTMLResponse, include_in_schema=False)
def referentials_page(request: Request) -> HTMLResponse:
    entries = catalogue(engine_of(request))
    lang = current_language()
    rows = sorted(entries.values(), key=lambda e: (e.referential.slug, e.referential.version))
    return render(
        request,
        "referentials/liste.html",
        {
            "active": "referentiels",
            "entries": rows,
            "ui_lang": lang,
            "base": _base(request),
        },
    )


@router.get("/referentials/{slug}/{version}", include_in_schema=False)
def referential_page(
    request: Request, slug: str, version: str, format: str | None = None
) -> Response:
    entry = _entry(request, slug, version)
    ref = entry.referential
    if _wants_json(request, format):
        return JSONResponse(_package(ref, _base(request)))
    lang = current_language()
    tree = structure_tree(ref, _base(request), lang)
    levels = [i for i in ref.items if i.kind == ItemKind.LEVEL]
    return render(
        request,
        "referentials/referentiel.html",
        {
            "active": "referentiels",
            "ref": ref,
            "entry": entry,
            "tree": tree,
            "svg": structure_svg(ref, tree, lang),
            "levels": levels,
            "ui_lang": lang,
            "versions": versions_of(catalogue(engine_of(request)), slug),
            "kind_name": kind_name,
            "organisation_roles": list(OrganisationRole),
            "containers": [
                i
                for i in ref.items
                if i.kind
                in (
                    ItemKind.CERTIFICATION,
                    ItemKind.BLOCK,
                    ItemKind.MODULE,
                    ItemKind.ADDITIONAL_MODULE,
                )
            ],
            "base": _base(request),
        },
    )


@router.get("/referentials/{slug}/{version}/{plural}/{code}", include_in_schema=False)
def item_page(
    request: Request, slug: str, version: str, plural: str, code: str, format: str | None = None
) -> Response:
    kind = _PLURALS.get(plural)
    if kind is None:
        raise ApiProblem(404, "referential_item_not_found", "Cet élément n'existe pas.")
    ref = _entry(request, slug, version).referential
    cf_item = _cf_item(ref, _base(request), kind, code)
    if _wants_json(request, format):
        return JSONResponse(cf_item)
    item = ref.items_by_code[code]
    lang = current_language()
    base = _base(request)
    parents, children = [], []
    for rel in ref.relations:
        if rel.type in ("isPartOf", "isChildOf"):
            if rel.source == code and rel.target in ref.items_by_code:
                parents.append((ref.items_by_code[rel.target], rel.mandatory))
            elif rel.target == code and rel.source in ref.items_by_code:
                children.append((ref.items_by_code[rel.source], rel.mandatory))
    return render(
        request,
        "referentials/element.html",
        {
            "active": "referentiels",
            "ref": ref,
            "item": item,
            "ui_lang": lang,
            "kind_label": kind_name(item.kind),
            "parents": parents,
            "children": children,
            "base": base,
            "item_url": item.url(base, slug, version),
            "json_url": f"/referentials/{slug}/{version}/{plural}/{code}?format=json",
            "kind_name": kind_name,
        },
    )


# -- JSON API ---------------------------------------------------------------------------------

_TAGS: list[str | Any] = ["référentiels"]


@router.get(
    "/api/referentials",
    response_model=list[ReferentialSummary],
    tags=_TAGS,
    summary="Lister les référentiels et leurs versions",
)
def list_api(request: Request) -> list[ReferentialSummary]:
    base = _base(request)
    entries = catalogue(engine_of(request))
    return [_summary(e, base) for _, e in sorted(entries.items())]


@router.get(
    "/api/referentials/{slug}/{version}",
    tags=_TAGS,
    summary="Un référentiel au format CASE 1.1 (CFPackage)",
    responses=problem_responses(404),
)
def package_api(request: Request, slug: str, version: str) -> dict[str, Any]:
    return _package(_entry(request, slug, version).referential, _base(request))


@router.get(
    "/api/referentials/{slug}/{version}/{plural}/{code}",
    tags=_TAGS,
    summary="Un élément (CASE CFItem)",
    responses=problem_responses(404),
)
def item_api(request: Request, slug: str, version: str, plural: str, code: str) -> dict[str, Any]:
    kind = _PLURALS.get(plural)
    if kind is None:
        raise ApiProblem(404, "referential_item_not_found", "Cet élément n'existe pas.")
    return _cf_item(_entry(request, slug, version).referential, _base(request), kind, code)
