"""``@context`` rules of OB 3.0 and CLR 2.0 credentials (VC 2.0 §4.3; OB 3.0 §B.1.1).

OB 3.0: ``[0]`` is the VC 2.0 context, ``[1]`` an OB 3.0 context (``…/ob/v3p0/context.json`` or
``context-3.x.y.json``). CLR 2.0: ``[1]`` is the CLR 2.0 context and an OB 3.0 context follows. A
VC 1.1 ``[0]`` is the legacy "AnyAchievementCredential" path: accepted with the warning
``legacy_vc_1_1``.
"""

from __future__ import annotations

import re
from typing import Any

from badges.problems import Problem, Severity
from badges.structure_clr_spec import CLR_CONTEXT_PATTERN, CLR_CREDENTIAL_TYPE
from badges.structure_spec import OB_CONTEXT_PATTERN, VC_V1, VC_V2

_OB_CONTEXT = re.compile(OB_CONTEXT_PATTERN)
_CLR_CONTEXT = re.compile(CLR_CONTEXT_PATTERN)


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def is_legacy(credential: dict[str, Any]) -> bool:
    """A VC Data Model 1.1 credential (OB 3.0 "AchievementCredentialv1p1")."""
    context = credential.get("@context")
    first = context[0] if isinstance(context, list) and context else context
    return first == VC_V1


def check_context(credential: Any) -> list[Problem]:
    """``@context`` order and content (VC 2.0 §4.3; OB 3.0 AchievementCredential ``@context``)."""
    if not isinstance(credential, dict):
        return [Problem("not_a_credential", "Le document n'est pas un objet JSON.")]
    if "@context" not in credential:
        return [Problem("missing_vc_context", "« @context » est absent.", path="@context")]
    context = credential["@context"]
    items = context if isinstance(context, list) else [context]
    problems: list[Problem] = []
    for index, item in enumerate(items):
        if not isinstance(item, str | dict):
            problems.append(
                Problem(
                    "context_invalid",
                    "Chaque élément de « @context » doit être une URL ou un objet.",
                    path=_join("@context", index),
                )
            )
    first = items[0] if items else None
    if first == VC_V1:
        problems.append(
            Problem(
                "legacy_vc_1_1",
                "Attestation au format VC 1.1 : acceptée en lecture seulement.",
                severity=Severity.WARNING,
                path="@context[0]",
            )
        )
    elif first != VC_V2:
        code = "context_order" if VC_V2 in items or VC_V1 in items else "missing_vc_context"
        problems.append(
            Problem(
                code,
                f"« @context[0] » doit être {VC_V2}.",
                path="@context[0]",
                details={"found": first if isinstance(first, str) else None},
            )
        )
    second = items[1] if len(items) > 1 else None
    if CLR_CREDENTIAL_TYPE in _types(credential.get("type")):
        problems.extend(_clr_context(items, second))
    elif not (isinstance(second, str) and _OB_CONTEXT.match(second)):
        anywhere = any(isinstance(i, str) and _OB_CONTEXT.match(i) for i in items)
        problems.append(
            Problem(
                "context_order" if anywhere else "missing_ob_context",
                "« @context[1] » doit être un contexte Open Badges 3.0 "
                "(https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json).",
                path="@context[1]",
            )
        )
    return problems


def _clr_context(items: list[Any], second: Any) -> list[Problem]:
    """CLR 2.0 ``@context``: ``[1]`` is the CLR 2.0 context; an OB 3.0 context follows."""
    problems: list[Problem] = []
    if not (isinstance(second, str) and _CLR_CONTEXT.match(second)):
        anywhere = any(isinstance(i, str) and _CLR_CONTEXT.match(i) for i in items)
        problems.append(
            Problem(
                "context_order" if anywhere else "missing_clr_context",
                "« @context[1] » doit être le contexte CLR 2.0 "
                "(https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json).",
                path="@context[1]",
            )
        )
    if not any(isinstance(i, str) and _OB_CONTEXT.match(i) for i in items[2:]):
        problems.append(
            Problem(
                "missing_ob_context",
                "Un contexte Open Badges 3.0 doit suivre le contexte CLR 2.0.",
                path="@context",
            )
        )
    return problems
