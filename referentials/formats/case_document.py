"""The CFDocument of a foreign CASE package as a :class:`~referentials.model.Referential`
(1EdTech CASE v1.1 §CFDocument; CASE 1.0 fields accepted). Split from
:mod:`referentials.formats.case_import`, which reads the items and associations.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from referentials.model import Item, Referential, Relation, Status

__all__ = ["foreign_referential"]

_DOCUMENT_FIELDS = frozenset(
    {
        "identifier",
        "sourcedId",
        "uri",
        "title",
        "creator",
        "publisher",
        "lastChangeDateTime",
        "caseVersion",
        "language",
        "version",
        "adoptionStatus",
        "licenseURI",
        "description",
        "extensions",
    }
)
_STATUS = {
    "draft": Status.DRAFT,
    "private draft": Status.DRAFT,
    "deprecated": Status.RETIRED,
    "retired": Status.RETIRED,
}


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text.lower()).split())


def foreign_referential(
    document: Mapping[str, Any],
    definitions: Any,
    *,
    ids: tuple[str, str],
    lang: str,
    items: list[Item],
    relations: list[Relation],
) -> Referential:
    """The referential of a package atouts did not write: its CFDocument fields, and every
    field or definition atouts does not model kept in ``properties["case_extra"]``.
    ``ids`` is the document's ``(identifier, uri)``."""
    doc_id, doc_uri = ids
    title = str(document.get("title") or doc_id or "CASE")
    changed = str(document.get("lastChangeDateTime") or "")
    version = str(document.get("version") or changed[:10] or "1")
    status = _STATUS.get(
        str(document.get("adoptionStatus") or "").strip().casefold(),
        Status.PUBLISHED if document.get("adoptionStatus") else Status.DRAFT,
    )
    licence = document.get("licenseURI")
    props: dict[str, Any] = {
        "source_format": "case",
        "case_identifier": doc_id,
        "case_uri": doc_uri,
    }
    case_version = str(document.get("caseVersion") or "")
    props["case_version"] = case_version or ("1.1" if "v1p1" in doc_uri else "1.0")
    if changed:
        props["case_last_change"] = changed
    # Nothing is dropped: document fields atouts does not model, and the definitions (item
    # types, subjects, concepts…), are kept as found.
    extra = {k: v for k, v in document.items() if k not in _DOCUMENT_FIELDS}
    definitions = {k: v for k, v in dict(definitions or {}).items() if v}
    if definitions:
        extra["CFDefinitions"] = definitions
    if extra:
        props["case_extra"] = extra
    return Referential(
        slug=_slug(title) or doc_id,
        version=version.replace("/", "-").replace(" ", "-"),
        title={lang: title},
        status=status,
        languages=(lang,),
        licence=str(licence.get("title")) if isinstance(licence, Mapping) else None,
        description={lang: str(document["description"])} if document.get("description") else {},
        publisher=str(document.get("publisher") or document.get("creator") or "") or None,
        items=tuple(items),
        relations=tuple(relations),
        properties=props,
    )
