"""Shared base of the OB 3.0 wire models and the serialization rules.

OB 3.0 §"Serialization": null values and empty arrays MUST be omitted from output; the JSON-LD
compacted form (one value instead of a one-element array) MAY be used for ``type``, ``proof``,
``credentialSchema`` and ``termsOfUse`` and is accepted for every repeated member (as the published
schemas do). Unknown members (JSON-LD extensions) are kept as they are: ``extra="allow"``.

Values keep the form they arrived in (a single value stays single, an integer stays an integer,
a date-time stays the exact string), so parsing then dumping a credential gives back equal JSON.
Models never validate the standard's rules: ``badges.structure`` does, with coded problems.
"""

from __future__ import annotations

from typing import Any, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")

OneOrMany: TypeAlias = T | list[T]
"""A member of cardinality 0..* / 1..*: compacted single value or an array."""

LanguageString: TypeAlias = str | dict[str, str] | list[dict[str, str]]
"""A String member: plain text, a language map ``{"fr": "…"}`` (OB 3.0 JSON-LD schemas) or VC 2.0
value objects ``{"@value": "…", "@language": "fr"}`` (alone or as an array) (VC 2.0 §11.1)."""

Number: TypeAlias = int | float
"""Float members keep an integer as an integer (``3`` must not come back as ``3.0``)."""


def prune(value: Any) -> Any:
    """Drop ``None`` values and empty arrays, recursively (OB 3.0 §"Serialization")."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            cleaned = prune(item)
            if cleaned is None or (isinstance(cleaned, list) and not cleaned):
                continue
            out[key] = cleaned
        return out
    if isinstance(value, list):
        return [prune(item) for item in value if item is not None]
    return value


def as_list(value: OneOrMany[T] | None) -> list[T]:
    """Read a compacted member as a list (``None`` is an empty list)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def localized(
    value: LanguageString | None, languages: tuple[str, ...] = ("fr", "en")
) -> str | None:
    """The text of a language-tagged String in the first available preferred language."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and "@value" in value:
        value = [value]
    if isinstance(value, list):
        by_language = {v.get("@language", ""): v.get("@value") for v in value if "@value" in v}
    else:
        by_language = dict(value)
    for language in (*languages, ""):
        for tag, text in by_language.items():
            if isinstance(text, str) and (tag == language or tag.split("-")[0] == language):
                return text
    texts = [t for t in by_language.values() if isinstance(t, str)]
    return texts[0] if texts else None


class OBModel(BaseModel):
    """Base of every model: unknown members kept, strict types (no silent coercion)."""

    model_config = ConfigDict(extra="allow", strict=True, populate_by_name=True)

    def to_json(self) -> dict[str, Any]:
        """The JSON object: aliases (``@context``), no nulls, no empty arrays."""
        dumped = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        result = prune(dumped)
        assert isinstance(result, dict)
        return result
