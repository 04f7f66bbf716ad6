"""The JSON Schema of the atouts YAML format, and its errors in French with line numbers.

The schema (``referentials/schema/atouts-referential.schema.json``, JSON Schema 2020-12) checks
the shape of a file before :mod:`referentials.yaml_format` reads it into the model; every error
is reported at the line of the value it is about (:class:`referentials.yaml_located.Located`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from referentials.yaml_located import Located
from referentials.yaml_located import Path as DataPath

__all__ = ["SCHEMA_PATH", "schema", "schema_errors"]

SCHEMA_PATH = Path(__file__).parent / "schema" / "atouts-referential.schema.json"


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def schema_errors(doc: Located) -> list[tuple[int | None, str]]:
    """``(line, message)`` for every place ``doc`` breaks the schema (all of them, not the
    first one only: an author fixes a file in one go)."""
    if not isinstance(doc.data, dict):
        return [(1, "le fichier doit décrire un référentiel (une suite de « clé: valeur »)")]
    validator = _validator()
    found: list[tuple[int | None, str]] = []
    for error in validator.iter_errors(doc.data):
        error = _precise(error)
        path: DataPath = tuple(error.absolute_path)
        found.append((doc.line(path), _french(error, path)))
    return found


def _precise(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For "one of these forms" errors, the error of the form the author most likely meant
    (a mapping that was meant as ``{ref: …}`` gets "unknown key", not "wrong form")."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        # "is not of type" errors come from the forms the value plainly is not.
        same_type = [e for e in error.context if e.validator != "type" or e.relative_path]
        if not same_type:
            break
        error = jsonschema.exceptions.best_match(same_type) or error
    return error


def _french(error: jsonschema.ValidationError, path: DataPath) -> str:
    where = "/".join(str(p) for p in path) or "le document"
    kind = error.validator
    if kind == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else error.message
        return f"{where} : la clé « {missing} » est obligatoire"
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"{where} : clé inconnue « {', '.join(extra)} »"
    if kind == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"{where} : « {error.instance} » n'est pas permis (valeurs possibles : {allowed})"
    if kind == "type":
        expected = {
            "string": "du texte",
            "boolean": "true ou false",
            "integer": "un nombre entier",
            "number": "un nombre",
            "array": "une liste",
            "object": "une suite de clés",
            "null": "vide",
        }
        raw = error.validator_value
        wanted = [str(w) for w in (raw if isinstance(raw, list) else [raw])]
        return f"{where} : doit être {' ou '.join(expected.get(w, w) for w in wanted)}"
    if kind in ("oneOf", "anyOf"):
        return f"{where} : la valeur « {error.instance} » n'a pas la forme attendue"
    if kind in ("minimum", "maximum"):
        return f"{where} : {error.instance} est hors des bornes permises"
    if kind == "pattern":
        return f"{where} : « {error.instance} » n'a pas la forme attendue"
    return f"{where} : {error.message}"
