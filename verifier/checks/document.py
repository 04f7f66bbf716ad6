"""The ``structure``, ``context`` and ``schema`` checks (``badges.structure``, ``badges.schema``).

OB 3.0 §9 Verification step 1 ("conforms"): structure written from the specification, the
``@context`` rules of VCDM 2.0 §4.3, and the official OB 3.0 JSON Schema. Problems with severity
``error`` fail the check; warnings (a VC 1.1 credential, an example vocabulary) leave it passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from badges.problems import Problem, Severity
from badges.structure import SCHEMA_RULES, check_context, check_endorsement, check_structure
from verifier.inputs import error_problem
from verifier.report import Check, CheckId, Outcome, new_check

# Enum members read on the hot path, as module globals: reading ``Outcome.PASSED`` is an
# attribute lookup on the enum class (~45 ns), a global costs a few.
_CONTEXT = CheckId.CONTEXT
_ERROR = Severity.ERROR
_FAILED = Outcome.FAILED
_INDETERMINATE = Outcome.INDETERMINATE
_PASSED = Outcome.PASSED
_SCHEMA = CheckId.SCHEMA
_STRUCTURE = CheckId.STRUCTURE


def _run(check_id: CheckId, function: Callable[[Any], list[Problem]], document: Any) -> Check:
    try:
        problems = list(function(document))
    except Exception as exc:  # a primitive must not turn a finding into a crash
        return Check(check=check_id, outcome=_INDETERMINATE, problems=[error_problem(exc)])
    if not problems:
        return new_check(check_id, _PASSED, problems)
    failed = any(p.severity == _ERROR for p in problems)
    return new_check(check_id, _FAILED if failed else _PASSED, problems)


def structure_check(credential: Any, *, endorsement: bool = False) -> Check:
    return _run(
        CheckId.STRUCTURE, check_endorsement if endorsement else check_structure, credential
    )


def context_check(credential: Any) -> Check:
    return _run(CheckId.CONTEXT, check_context, credential)


def schema_check(credential: Any) -> Check:
    from badges.schema import check_json_schema

    return _run(CheckId.SCHEMA, check_json_schema, credential)


def document_checks(
    credential: Any, *, endorsement: bool = False, structure_cleared: bool = False
) -> list[Check]:
    """``structure``, ``context`` and ``schema`` with each underlying rule run once.

    Without an explicit schema, ``badges.schema.check_json_schema`` is the context and structure
    findings whose rule the official JSON Schemas also express (``badges.structure.SCHEMA_RULES``).
    Those findings are already listed under ``structure`` and ``context``, so the ``schema`` check
    does not list them a second time: it fails with one ``schema_violation`` that names the rules
    and paths (``details.rules``, ``details.paths``) and points at the checks that list them.
    ``structure_cleared``: a structure plan found the badge's structure and ``@context``
    conforming (``parse_input``).
    """
    if structure_cleared and not endorsement:
        # A structure plan ran the walker's rules on this badge already and found nothing, and
        # pinned its @context and type to a badge whose context check found nothing
        # (verifier.checks.structure_plan): the same passed checks, without running them again.
        return [
            new_check(_STRUCTURE, _PASSED, []),
            new_check(_CONTEXT, _PASSED, []),
            new_check(_SCHEMA, _PASSED),
        ]
    structure = _run(_STRUCTURE, check_endorsement if endorsement else check_structure, credential)
    context = _run(_CONTEXT, check_context, credential)
    if not structure.problems and not context.problems:
        return [structure, context, new_check(_SCHEMA, _PASSED)]
    if structure.outcome == _INDETERMINATE or context.outcome == _INDETERMINATE:
        return [structure, context, schema_check(credential)]
    violations = [
        (check, p)
        for check in (context, structure)
        for p in check.problems
        if p.severity is _ERROR and p.code in SCHEMA_RULES
    ]
    if not violations:
        return [structure, context, new_check(_SCHEMA, _PASSED)]
    summary = Problem(
        "schema_violation",
        f"{len(violations)} écart(s) au schéma JSON officiel, détaillés sous "
        + " et ".join(sorted({f"« {check.check} »" for check, _ in violations})),
        path=violations[0][1].path,
        details={
            "rules": sorted({p.code for _, p in violations}),
            "paths": [p.path for _, p in violations],
            "listed_under": sorted({str(check.check) for check, _ in violations}),
        },
    )
    return [
        structure,
        context,
        Check(check=_SCHEMA, outcome=_FAILED, problems=[summary]),
    ]
