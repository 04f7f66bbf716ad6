"""The ``structure``, ``context`` and ``schema`` checks (``badges.structure``, ``badges.schema``).

OB 3.0 §9 Verification step 1 ("conforms"): structure written from the specification, the
``@context`` rules of VCDM 2.0 §4.3, and the official OB 3.0 JSON Schema. Problems with severity
``error`` fail the check; warnings (a VC 1.1 credential, an example vocabulary) leave it passed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from badges.problems import Problem, Severity
from verifier.inputs import error_problem
from verifier.report import Check, CheckId, Outcome


def _run(check_id: CheckId, function: Callable[[Any], list[Problem]], document: Any) -> Check:
    try:
        problems = list(function(document))
    except Exception as exc:  # a primitive must not turn a finding into a crash
        return Check(check=check_id, outcome=Outcome.INDETERMINATE, problems=[error_problem(exc)])
    failed = any(p.severity == Severity.ERROR for p in problems)
    return Check(
        check=check_id, outcome=Outcome.FAILED if failed else Outcome.PASSED, problems=problems
    )


def structure_check(credential: Any, *, endorsement: bool = False) -> Check:
    from badges.structure import check_endorsement, check_structure

    return _run(
        CheckId.STRUCTURE, check_endorsement if endorsement else check_structure, credential
    )


def context_check(credential: Any) -> Check:
    from badges.structure import check_context

    return _run(CheckId.CONTEXT, check_context, credential)


def schema_check(credential: Any) -> Check:
    from badges.schema import check_json_schema

    return _run(CheckId.SCHEMA, check_json_schema, credential)


def document_checks(credential: Any, *, endorsement: bool = False) -> list[Check]:
    """``structure``, ``context`` and ``schema`` with each underlying rule run once.

    ``badges.schema.check_json_schema`` (without an explicit schema) is the context and structure
    findings whose rule the official JSON Schemas also express (``badges.structure.SCHEMA_RULES``),
    recoded ``schema_violation``; computing it from the findings we already have halves the cost.
    """
    from badges.structure import SCHEMA_RULES, check_context, check_endorsement, check_structure

    structure = _run(
        CheckId.STRUCTURE, check_endorsement if endorsement else check_structure, credential
    )
    context = _run(CheckId.CONTEXT, check_context, credential)
    if structure.outcome == Outcome.INDETERMINATE or context.outcome == Outcome.INDETERMINATE:
        return [structure, context, schema_check(credential)]
    schema_problems = [
        Problem(
            "schema_violation",
            p.message,
            path=p.path,
            details={"rule": p.code, **p.details},
        )
        for p in context.problems + structure.problems
        if p.severity is Severity.ERROR and p.code in SCHEMA_RULES
    ]
    schema = Check(
        check=CheckId.SCHEMA,
        outcome=Outcome.FAILED if schema_problems else Outcome.PASSED,
        problems=schema_problems,
    )
    return [structure, context, schema]
