"""CASE 1.0 / 1.1 packages (1EdTech Competencies and Academic Standards Exchange v1.1).

``load`` imports CFPackage JSON files (CASE 1.0 leniently, see
:mod:`referentials.formats.case_import`); ``dump`` writes a referential as a CASE 1.1 package
that validates against the official schema (:mod:`referentials.formats.case_export`);
``schema_errors`` validates a package against a schema the caller supplies (the official one is
a standard artifact read from ``shared/data/case/``, not shipped here).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft201909Validator, FormatChecker

from referentials.formats.case_export import dump
from referentials.formats.case_import import CaseFormatError, from_package
from referentials.formats.summary import summarise
from referentials.model import ImportSummary, Referential

__all__ = ["CaseFormatError", "dump", "from_package", "load", "schema_errors"]


def load(paths: list[Path]) -> tuple[list[Referential], ImportSummary]:
    """Import CASE package files (``.json``; folders are searched for them), one referential each.

    A file given by name that is not JSON or has no ``CFDocument`` raises
    :class:`CaseFormatError`; inside a folder, JSON files without ``CFDocument`` (schemas,
    other documents) are skipped with a warning.
    """
    referentials: list[Referential] = []
    warnings: list[str] = []
    for path in paths:
        for file in sorted(path.rglob("*.json")) if path.is_dir() else [path]:
            try:
                package = json.loads(file.read_text(encoding="utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise CaseFormatError(f"JSON illisible ({exc})", source=file.name) from exc
            if path.is_dir() and not (isinstance(package, Mapping) and "CFDocument" in package):
                warnings.append(f"{file.name} : pas de CFDocument, pas un paquet CASE — ignoré")
                continue
            if not isinstance(package, Mapping):
                raise CaseFormatError("un paquet CASE est un objet JSON", source=file.name)
            referential, found = from_package(package, file.name)
            referentials.append(referential)
            warnings.extend(found)
    return referentials, summarise(referentials, warnings)


_FORMATS = FormatChecker()
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _date_time(value: object) -> bool:
    """RFC 3339 ``date-time`` (jsonschema checks it only with an optional package installed)."""
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    return True


_FORMATS.checks("date-time", raises=ValueError)(_date_time)


def schema_errors(package: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Every violation of ``schema`` (draft 2019-09; formats checked, ``date-time`` as RFC 3339),
    as ``path: message``."""
    validator = Draft201909Validator(schema, format_checker=_FORMATS)
    return [
        f"/{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
    ]
