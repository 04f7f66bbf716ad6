"""Open Badges 3.0 structure checks, written from the specification (not from the JSON Schema).

What is checked (OB 3.0 Appendix B data model, §"Serialization", VC 2.0 §4):

- ``@context`` (:func:`check_context`): ``[0]`` is the VC 2.0 context, ``[1]`` an OB 3.0 context
  (``…/ob/v3p0/context.json`` or ``context-3.x.y.json``). A VC 1.1 ``[0]`` is the legacy
  "AnyAchievementCredential" path: accepted with the warning ``legacy_vc_1_1``.
- ``type`` of the credential holds ``VerifiableCredential`` and ``OpenBadgeCredential`` or
  ``AchievementCredential`` (or ``EndorsementCredential``); every nested object carries its own
  type (Achievement, Profile, Alignment, Result, IdentityObject, …).
- Required members of every class, the JSON type of every known member, closed classes
  (IdentityObject, IdentifierEntry, Image), the extensible enumerations.
- Beyond the JSON Schema: ids are absolute URIs, ``targetUrl`` is a URL, dates are XSD
  ``dateTimeStamp`` (``Z`` or an offset), ``validFrom`` ≤ ``validUntil``, the subject has ``id`` or
  an ``identifier``, criteria have ``id`` or ``narrative``, a hashed ``identityHash`` is
  ``sha256$``/``md5$`` + hex.

Each problem has a stable code and a JSON path (``credentialSubject.achievement.criteria``,
``proof[0].type``). Checks never raise.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from badges.problems import Problem, Severity
from badges.structure_spec import (
    CLASSES,
    OB_CONTEXT_PATTERN,
    VC_V1,
    VC_V2,
    ClassSpec,
    Kind,
    Member,
)

MAX_DEPTH = 32
OB_CREDENTIAL_TYPES = ("OpenBadgeCredential", "AchievementCredential")

# XSD dateTimeStamp: a dateTime whose time zone is mandatory (VC 2.0 §4.9).
_DATETIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))$"
)
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#]+\S*$")
_LANGUAGE = re.compile(r"^[a-z]{2,4}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
_LANGUAGE_MAP_KEY = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")
_EXT = re.compile(r"^ext:[A-Za-z0-9.\-_|]+$")
_IDENTITY_HASH = re.compile(r"^(sha256|md5)\$[0-9a-fA-F]+$")
_OB_CONTEXT = re.compile(OB_CONTEXT_PATTERN)
_VALUE_OBJECT_KEYS = {"@value", "@language", "@direction"}

# Problem codes (documented in docs/error-codes.md).
SCHEMA_RULES = frozenset(
    {
        "missing_vc_context",
        "missing_ob_context",
        "context_order",
        "context_invalid",
        "not_a_credential",
        "unsupported_credential_type",
        "type_missing",
        "required_member_missing",
        "member_type_invalid",
        "member_not_allowed",
        "value_not_allowed",
        "language_tag_invalid",
    }
)
"""Codes of the rules the official JSON Schemas also express (``badges.schema`` uses them)."""


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


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
    if not (isinstance(second, str) and _OB_CONTEXT.match(second)):
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


class _Walker:
    """Walks a document along the class tables and collects problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: str, message: str, path: str, **details: Any) -> None:
        self.problems.append(Problem(code, message, path=path, details=details))

    # -- values -------------------------------------------------------------------------------

    def string_like(self, value: Any, path: str) -> bool:
        """String, language map (schemas) or VC 2.0 value object(s) (VC 2.0 §11.1)."""
        if isinstance(value, str):
            return True
        if isinstance(value, dict):
            if "@value" in value:
                return (
                    isinstance(value["@value"], str)
                    and set(value) <= _VALUE_OBJECT_KEYS
                    and all(isinstance(value[k], str) for k in value)
                )
            return all(
                isinstance(k, str) and _LANGUAGE_MAP_KEY.match(k) and isinstance(v, str)
                for k, v in value.items()
            )
        if isinstance(value, list) and value:
            return all(
                isinstance(v, dict) and "@value" in v and self.string_like(v, path) for v in value
            )
        return False

    def scalar(self, member: Member, value: Any, path: str, name: str) -> None:
        kind = member.kind
        if kind is Kind.ANY:
            return
        if kind is Kind.STRING:
            if not self.string_like(value, path):
                self.add("member_type_invalid", f"« {name} » doit être un texte.", path)
            elif (
                member.enum
                and isinstance(value, str)
                and value not in member.enum
                and not (member.extensible and _EXT.match(value))
            ):
                self.add(
                    "value_not_allowed",
                    f"« {name} » : valeur « {value} » non prévue par la norme.",
                    path,
                    allowed=list(member.enum),
                )
            return
        if kind is Kind.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.add("member_type_invalid", f"« {name} » doit être un nombre.", path)
            return
        if kind is Kind.BOOLEAN:
            if not isinstance(value, bool):
                self.add("member_type_invalid", f"« {name} » doit être vrai ou faux.", path)
            return
        if not isinstance(value, str):
            self.add("member_type_invalid", f"« {name} » doit être une chaîne.", path)
            return
        checks: dict[Kind, tuple[re.Pattern[str], str, str]] = {
            Kind.URI: (_URI, "url_invalid", "une URI absolue"),
            Kind.URL: (_URL, "url_invalid", "une URL absolue"),
            Kind.DATETIME: (_DATETIME, "datetime_invalid", "une date-heure avec fuseau (Z)"),
            Kind.DATE: (_DATE, "datetime_invalid", "une date AAAA-MM-JJ"),
            Kind.LANGUAGE: (_LANGUAGE, "language_tag_invalid", "un code de langue"),
            Kind.COMPACT_JWS: (_JWS, "member_type_invalid", "un JWS compact"),
        }
        if kind in checks:
            pattern, code, what = checks[kind]
            if not pattern.match(value):
                self.add(code, f"« {name} » doit être {what}.", path, value=value[:200])

    def member(self, member: Member, value: Any, path: str, name: str, depth: int) -> None:
        values = value if member.many and isinstance(value, list) else [value]
        many = member.many and isinstance(value, list)
        for index, item in enumerate(values):
            item_path = _join(path, index) if many else path
            if member.cls is not None:
                if isinstance(item, dict):
                    self.object(CLASSES[member.cls], item, item_path, depth + 1)
                else:
                    self.add("member_type_invalid", f"« {name} » doit être un objet.", item_path)
            elif member.kind is Kind.PROFILE_REF:
                if isinstance(item, dict):
                    self.object(CLASSES["Profile"], item, item_path, depth + 1)
                else:
                    self.scalar(Member(Kind.URI), item, item_path, name)
            elif member.kind is Kind.CONTEXT:
                continue  # check_context owns it
            else:
                self.scalar(member, item, item_path, name)

    # -- objects ------------------------------------------------------------------------------

    def type_member(self, spec: ClassSpec, obj: dict[str, Any], path: str) -> None:
        if "type" not in obj:
            return  # reported as a missing required member
        value = obj["type"]
        type_path = _join(path, "type")
        if spec.type_exact:
            if value != spec.type_iri:
                self.add("type_missing", f"« type » doit être « {spec.type_iri} ».", type_path)
            return
        items = _types(value)
        if not items or not all(isinstance(t, str) and t for t in items):
            self.add("member_type_invalid", "« type » doit être une ou des IRI.", type_path)
            return
        if spec.type_iri is not None and spec.type_iri not in items:
            self.add(
                "type_missing",
                f"« type » doit contenir « {spec.type_iri} ».",
                type_path,
                expected=spec.type_iri,
            )

    def object(self, spec: ClassSpec, obj: dict[str, Any], path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.add("json_too_deep", "Trop de niveaux imbriqués.", path)
            return
        legacy = spec.name in _CREDENTIAL_CLASSES and is_legacy(obj)
        required = spec.required
        if legacy:
            # AchievementCredentialv1p1 / EndorsementCredentialv1p1: issuanceDate replaces
            # validFrom (VC 1.1 §4.6); verification only.
            required = tuple("issuanceDate" if r == "validFrom" else r for r in required)
        if spec.name in _CREDENTIAL_CLASSES and depth > 0:
            # An embedded endorsement is a credential of its own: its context counts too.
            for problem in check_context(obj):
                if problem.severity is Severity.ERROR:
                    self.add(problem.code, problem.message, _join(path, problem.path))
        for name in required:
            if name not in obj:
                code = "type_missing" if name == "type" else "required_member_missing"
                self.add(code, f"« {name} » est obligatoire ({spec.name}).", _join(path, name))
        self.type_member(spec, obj, path)
        for name, value in obj.items():
            member = spec.members.get(name)
            if member is None:
                if spec.closed and name != "type":
                    self.add(
                        "member_not_allowed",
                        f"« {name} » n'est pas permis dans {spec.name}.",
                        _join(path, name),
                    )
                continue
            self.member(member, value, _join(path, name), name, depth)
        extra = _EXTRA_RULES.get(spec.name)
        if extra is not None:
            extra(self, obj, path)
        if spec.name in _CREDENTIAL_CLASSES:
            _credential_type_rule(self, obj, path, spec.name == "EndorsementCredential")
            _validity_rule(self, obj, path, legacy)


def _criteria_rule(walker: _Walker, obj: dict[str, Any], path: str) -> None:
    if "id" not in obj and "narrative" not in obj:
        walker.add("criteria_empty", "Les critères doivent avoir « id » ou « narrative ».", path)


def _subject_rule(walker: _Walker, obj: dict[str, Any], path: str) -> None:
    identifiers = obj.get("identifier")
    has_identifier = isinstance(identifiers, dict) or (
        isinstance(identifiers, list) and len(identifiers) > 0
    )
    if "id" not in obj and not has_identifier:
        walker.add(
            "subject_identity_missing",
            "Le titulaire doit avoir « id » ou au moins un « identifier ».",
            path,
        )


def _identity_rule(walker: _Walker, obj: dict[str, Any], path: str) -> None:
    value = obj.get("identityHash")
    if obj.get("hashed") is True and isinstance(value, str) and not _IDENTITY_HASH.match(value):
        walker.add(
            "identity_hash_invalid",
            "« identityHash » haché doit être « sha256$ » ou « md5$ » suivi d'hexadécimal.",
            _join(path, "identityHash"),
        )


_CREDENTIAL_CLASSES = frozenset({"AchievementCredential", "EndorsementCredential"})

_EXTRA_RULES: dict[str, Callable[[_Walker, dict[str, Any], str], None]] = {
    "Criteria": _criteria_rule,
    "AchievementSubject": _subject_rule,
    "IdentityObject": _identity_rule,
}


def _parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str) or not _DATETIME.match(value):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _credential_type_rule(
    walker: _Walker, credential: dict[str, Any], path: str, endorsement: bool
) -> None:
    if "type" not in credential:
        return
    types = _types(credential["type"])
    type_path = _join(path, "type")
    if "VerifiableCredential" not in types:
        walker.add("type_missing", "« type » doit contenir « VerifiableCredential ».", type_path)
    wanted = ("EndorsementCredential",) if endorsement else OB_CREDENTIAL_TYPES
    if not any(t in types for t in wanted):
        walker.add(
            "unsupported_credential_type",
            "« type » doit contenir « " + " » ou « ".join(wanted) + " ».",
            type_path,
            found=[t for t in types if isinstance(t, str)],
        )


def _validity_rule(walker: _Walker, credential: dict[str, Any], path: str, legacy: bool) -> None:
    start_name, end_name = (
        ("issuanceDate", "expirationDate") if legacy else ("validFrom", "validUntil")
    )
    start = _parse_datetime(credential.get(start_name))
    end = _parse_datetime(credential.get(end_name))
    if start is not None and end is not None and end < start:
        walker.add(
            "valid_until_before_valid_from",
            f"« {end_name} » est antérieur à « {start_name} ».",
            _join(path, end_name),
        )


def _check_credential(credential: Any, class_name: str) -> list[Problem]:
    if not isinstance(credential, dict):
        return [Problem("not_a_credential", "Le document n'est pas un objet JSON.")]
    walker = _Walker()
    walker.object(CLASSES[class_name], credential, "", 0)
    return walker.problems


def check_structure(credential: Any) -> list[Problem]:
    """Structure problems of an OpenBadgeCredential / AchievementCredential (or endorsement).

    The class is chosen from ``type``: ``EndorsementCredential`` gets the endorsement rules,
    anything else the achievement credential rules. Context problems are reported by
    :func:`check_context`, not here, so a report does not show them twice.
    """
    if isinstance(credential, dict):
        types = _types(credential.get("type"))
        if "EndorsementCredential" in types and not any(t in types for t in OB_CREDENTIAL_TYPES):
            return _check_credential(credential, "EndorsementCredential")
    return _check_credential(credential, "AchievementCredential")


def check_endorsement(credential: Any) -> list[Problem]:
    """Structure problems of an EndorsementCredential (OB 3.0 §B.1.7)."""
    return _check_credential(credential, "EndorsementCredential")


def check_profile(profile: Any) -> list[Problem]:
    """Structure problems of a Profile document (issuer profile, ``GET /profile``)."""
    if not isinstance(profile, dict):
        return [Problem("not_a_credential", "Le document n'est pas un objet JSON.")]
    walker = _Walker()
    walker.object(CLASSES["Profile"], profile, "", 0)
    return walker.problems


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)
