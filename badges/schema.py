"""JSON Schema validation of OB 3.0 credentials (OB 3.0 §9 step 1, §B "JSON Schema").

The official schemas (``ob_v3p0_achievementcredential_schema.json`` and siblings, JSON Schema
Draft 2019-09) are served by 1EdTech from purl.imsglobal.org and are not shipped by any registry
package we could find (PyPI: openbadgeslib ships only contexts; npm: @digitalcredentials/
verifier-core fetches them at run time). Bundling a copy from elsewhere would not be a verifiable
standard artifact, so:

- without a schema argument, :func:`check_json_schema` applies the schema-level rules of our
  spec-derived checker (``badges.structure``: required members, member types, closed classes,
  enumerations, ``type`` values, ``@context`` order). Those rules agree with the official schemas
  on every example and fixture in ``../shared`` (``tests/badges/test_schema_agreement.py``,
  which also lists the principled divergences);
- with ``schema=`` (a schema the caller obtained, e.g. the ``credentialSchema.id`` document
  fetched through an injected fetcher), the document is validated with ``jsonschema``'s
  Draft 2019-09 validator.

VC 1.1 credentials follow the "AnyAchievementCredential" rules (OB 3.0 Appendix B.2): their
``@context[0]`` and ``issuanceDate`` are not schema violations here.

Every finding has the code ``schema_violation``; ``details.rule`` (spec rules) or
``details.keyword`` (JSON Schema) says which rule failed.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from jsonschema import Draft201909Validator
from jsonschema.exceptions import SchemaError

from badges.problems import Problem, Severity
from badges.structure import SCHEMA_RULES, check_context, check_structure

MAX_SCHEMA_ERRORS = 50


def _json_path(parts: Any) -> str:
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{part}" if path else str(part)
    return path


def check_json_schema(credential: Any, *, schema: dict[str, Any] | None = None) -> list[Problem]:
    """Schema findings for ``credential`` (see module docstring); never raises."""
    if schema is not None:
        return _check_with_schema(credential, schema)
    problems: list[Problem] = []
    for problem in check_context(credential) + check_structure(credential):
        if problem.severity is Severity.ERROR and problem.code in SCHEMA_RULES:
            problems.append(
                Problem(
                    "schema_violation",
                    problem.message,
                    path=problem.path,
                    details={"rule": problem.code, **problem.details},
                )
            )
    return problems


@functools.lru_cache(maxsize=16)
def _compiled(schema_text: str) -> Draft201909Validator | str:
    """Meta-validate and compile once per distinct schema (meta-validation is slow)."""
    schema = json.loads(schema_text)
    try:
        Draft201909Validator.check_schema(schema)
    except SchemaError as exc:
        return exc.message
    return Draft201909Validator(schema)


def _check_with_schema(credential: Any, schema: dict[str, Any]) -> list[Problem]:
    validator = _compiled(json.dumps(schema, sort_keys=True))
    if isinstance(validator, str):
        return [
            Problem(
                "schema_invalid",
                f"Le schéma JSON fourni n'est pas valable : {validator}",
                details={"schema_id": schema.get("$id")},
            )
        ]
    problems: list[Problem] = []
    for error in validator.iter_errors(credential):
        problems.append(
            Problem(
                "schema_violation",
                error.message[:500],
                path=_json_path(error.absolute_path),
                details={
                    "keyword": str(error.validator),
                    "schema_path": _json_path(error.absolute_schema_path),
                    "schema_id": schema.get("$id"),
                },
            )
        )
        if len(problems) >= MAX_SCHEMA_ERRORS:
            break
    return problems
