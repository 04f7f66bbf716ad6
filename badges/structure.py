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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from badges.problems import Problem, Severity
from badges.structure_clr_spec import CLR_CLASSES, CLR_CREDENTIAL_TYPE
from badges.structure_context import check_context, is_legacy
from badges.structure_spec import CLASSES as OB_CLASSES
from badges.structure_spec import ClassSpec, Kind, Member

__all__ = [
    "CLASSES",
    "SCHEMA_RULES",
    "check_context",
    "check_endorsement",
    "check_profile",
    "check_structure",
    "has_errors",
    "is_legacy",
]

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
CLASSES: dict[str, ClassSpec] = {**OB_CLASSES, **CLR_CLASSES}
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
        "missing_clr_context",
    }
)
"""Codes of the rules the official JSON Schemas also express (``badges.schema`` uses them)."""


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _string_like(value: Any) -> bool:
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
        return all(isinstance(v, dict) and "@value" in v and _string_like(v) for v in value)
    return False


_PATTERN_CHECKS: dict[Kind, tuple[re.Pattern[str], str, str]] = {
    Kind.URI: (_URI, "url_invalid", "une URI absolue"),
    Kind.URL: (_URL, "url_invalid", "une URL absolue"),
    Kind.DATETIME: (_DATETIME, "datetime_invalid", "une date-heure avec fuseau (Z)"),
    Kind.DATE: (_DATE, "datetime_invalid", "une date AAAA-MM-JJ"),
    Kind.LANGUAGE: (_LANGUAGE, "language_tag_invalid", "un code de langue"),
    Kind.COMPACT_JWS: (_JWS, "member_type_invalid", "un JWS compact"),
}

Predicate = Callable[[Any], bool]


def _always(value: Any) -> bool:
    return True


def _predicate(member: Member) -> Predicate:
    """A fast test that is true only when ``_Walker.scalar`` would report nothing.

    It may be false for a valid value (the exact rule then runs), never true for an invalid one:
    the common case (a well-formed string) costs one type test and one regex match.
    """
    kind = member.kind
    if kind is Kind.STRING:
        allowed = frozenset(member.enum)
        extensible = member.extensible

        def string_ok(value: Any) -> bool:
            if type(value) is str:
                return not allowed or value in allowed or (extensible and bool(_EXT.match(value)))
            return _string_like(value)

        return string_ok
    if kind is Kind.NUMBER:
        return lambda value: type(value) is int or type(value) is float
    if kind is Kind.BOOLEAN:
        return lambda value: type(value) is bool
    if kind in _PATTERN_CHECKS:
        match = _PATTERN_CHECKS[kind][0].match
        return lambda value: type(value) is str and match(value) is not None
    return _always  # ANY, CONTEXT (check_context owns it)


@dataclass(frozen=True, slots=True)
class _Slot:
    """One member of a compiled class: the rule for its values."""

    member: Member
    ok: Predicate  # scalar values (and the URI form of a profile reference)
    child: str | None  # class name for object values
    plain: bool = False  # any string is valid (text without an enumeration)


@dataclass(frozen=True, slots=True)
class _Compiled:
    spec: ClassSpec
    slots: dict[str, _Slot]
    credential: bool
    rule: Callable[[_Walker, dict[str, Any], str], None] | None
    required: frozenset[str]
    type_ok: Predicate  # true only when type_member would report nothing


def _type_predicate(spec: ClassSpec) -> Predicate:
    """The common ``type`` values, settled without the exact rule (which runs otherwise)."""
    iri = spec.type_iri
    if spec.type_exact:
        return lambda value: value == iri
    if iri is None:
        return lambda value: type(value) is str and bool(value)

    def contains(value: Any) -> bool:
        if value == iri:
            return True
        return type(value) is list and len(value) == 1 and value[0] == iri

    return contains


def _compile(spec: ClassSpec) -> _Compiled:
    slots: dict[str, _Slot] = {}
    for name, member in spec.members.items():
        if member.cls is not None:
            slots[name] = _Slot(member, _always, member.cls)
        elif member.kind is Kind.PROFILE_REF:
            slots[name] = _Slot(member, _predicate(Member(Kind.URI)), "Profile")
        else:
            plain = member.kind in (Kind.STRING, Kind.ANY, Kind.CONTEXT) and not member.enum
            slots[name] = _Slot(member, _predicate(member), None, plain)
    return _Compiled(
        spec,
        slots,
        spec.name in _CREDENTIAL_CLASSES,
        _EXTRA_RULES.get(spec.name),
        frozenset(spec.required),
        _type_predicate(spec),
    )


class _Walker:
    """Walks a document along the compiled class tables and collects problems, in one pass."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: str, message: str, path: str, **details: Any) -> None:
        self.problems.append(Problem(code, message, path=path, details=details))

    # -- values (exact rules, run only when the fast predicate says "maybe not") -------------

    def scalar(self, member: Member, value: Any, path: str, name: str) -> None:
        kind = member.kind
        if kind is Kind.ANY or kind is Kind.CONTEXT:
            return
        if kind is Kind.STRING:
            if not _string_like(value):
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
        if kind in _PATTERN_CHECKS:
            pattern, code, what = _PATTERN_CHECKS[kind]
            if not pattern.match(value):
                self.add(code, f"« {name} » doit être {what}.", path, value=value[:200])

    def value(self, slot: _Slot, item: Any, path: str, name: str, depth: int) -> None:
        child = slot.child
        if child is not None and isinstance(item, dict):
            self.object(_COMPILED[child], item, path, depth + 1)
        elif slot.member.cls is not None:
            self.add("member_type_invalid", f"« {name} » doit être un objet.", path)
        elif not slot.ok(item):
            member = Member(Kind.URI) if slot.member.kind is Kind.PROFILE_REF else slot.member
            self.scalar(member, item, path, name)

    # -- objects ------------------------------------------------------------------------------

    def type_member(self, spec: ClassSpec, obj: dict[str, Any], path: str) -> None:
        if "type" not in obj:
            return  # reported as a missing required member
        value = obj["type"]
        if spec.type_exact:
            if value != spec.type_iri:
                self.add(
                    "type_missing", f"« type » doit être « {spec.type_iri} ».", _join(path, "type")
                )
            return
        items = value if isinstance(value, list) else [value]
        if not items or not all(isinstance(t, str) and t for t in items):
            self.add(
                "member_type_invalid", "« type » doit être une ou des IRI.", _join(path, "type")
            )
            return
        if spec.type_iri is not None and spec.type_iri not in items:
            self.add(
                "type_missing",
                f"« type » doit contenir « {spec.type_iri} ».",
                _join(path, "type"),
                expected=spec.type_iri,
            )

    def object(self, compiled: _Compiled, obj: dict[str, Any], path: str, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.add("json_too_deep", "Trop de niveaux imbriqués.", path)
            return
        spec = compiled.spec
        legacy = compiled.credential and is_legacy(obj)
        required = spec.required
        if legacy:
            # AchievementCredentialv1p1 / EndorsementCredentialv1p1: issuanceDate replaces
            # validFrom (VC 1.1 §4.6); verification only.
            required = tuple("issuanceDate" if r == "validFrom" else r for r in required)
        if compiled.credential and depth > 0:
            # An embedded credential (endorsement, CLR entry) has a context of its own.
            for problem in check_context(obj):
                if problem.severity is Severity.ERROR:
                    self.add(problem.code, problem.message, _join(path, problem.path))
        if legacy or not compiled.required <= obj.keys():
            for name in required:
                if name not in obj:
                    code = "type_missing" if name == "type" else "required_member_missing"
                    self.add(code, f"« {name} » est obligatoire ({spec.name}).", _join(path, name))
        if "type" in obj and not compiled.type_ok(obj["type"]):
            self.type_member(spec, obj, path)
        slots = compiled.slots
        for name, value in obj.items():
            slot = slots.get(name)
            if slot is None:
                if spec.closed and name != "type":
                    self.add(
                        "member_not_allowed",
                        f"« {name} » n'est pas permis dans {spec.name}.",
                        _join(path, name),
                    )
                continue
            if slot.plain and type(value) is str:
                continue  # the most common case: a plain text member
            if slot.child is None and slot.ok(value):
                continue  # one valid scalar
            member_path = f"{path}.{name}" if path else name
            if slot.member.many and type(value) is list:
                for index, item in enumerate(value):
                    if slot.child is not None or not slot.ok(item):
                        self.value(slot, item, f"{member_path}[{index}]", name, depth)
            else:
                self.value(slot, value, member_path, name, depth)
        if compiled.rule is not None:
            compiled.rule(self, obj, path)
        if compiled.credential:
            _credential_type_rule(self, obj, path, spec.name)
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


_CREDENTIAL_CLASSES = frozenset({"AchievementCredential", "EndorsementCredential", "ClrCredential"})

# Class rules that read member names and the JSON types and lengths of values, never the values:
# two objects of one shape get the same answer (the verifier's structure plans rely on it).
SHAPE_ONLY_RULES = frozenset({_criteria_rule, _subject_rule})

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
    walker: _Walker, credential: dict[str, Any], path: str, class_name: str
) -> None:
    if "type" not in credential:
        return
    types = _types(credential["type"])
    type_path = _join(path, "type")
    if "VerifiableCredential" not in types:
        walker.add("type_missing", "« type » doit contenir « VerifiableCredential ».", type_path)
    wanted = _WANTED_TYPES.get(class_name, OB_CREDENTIAL_TYPES)
    if not any(t in types for t in wanted):
        walker.add(
            "unsupported_credential_type",
            "« type » doit contenir « " + " » ou « ".join(wanted) + " ».",
            type_path,
            found=[t for t in types if isinstance(t, str)],
        )


# The members without which the dates-order rule compares nothing (the verifier's structure
# plans run it only for badge shapes that have one).
DATES_ORDER_END_MEMBERS = frozenset({"validUntil", "expirationDate"})


def _validity_rule(walker: _Walker, credential: dict[str, Any], path: str, legacy: bool) -> None:
    start_name, end_name = (
        ("issuanceDate", "expirationDate") if legacy else ("validFrom", "validUntil")
    )
    if end_name not in credential:
        return  # the common case: no end date, nothing to compare
    start = _parse_datetime(credential.get(start_name))
    end = _parse_datetime(credential.get(end_name))
    if start is not None and end is not None and end < start:
        walker.add(
            "valid_until_before_valid_from",
            f"« {end_name} » est antérieur à « {start_name} ».",
            _join(path, end_name),
        )


_WANTED_TYPES: dict[str, tuple[str, ...]] = {
    "EndorsementCredential": ("EndorsementCredential",),
    CLR_CREDENTIAL_TYPE: (CLR_CREDENTIAL_TYPE,),
}
# The class tables compiled once, at import (pure data, no I/O).
_COMPILED: dict[str, _Compiled] = {name: _compile(spec) for name, spec in CLASSES.items()}


def _check_credential(credential: Any, class_name: str) -> list[Problem]:
    if not isinstance(credential, dict):
        return [Problem("not_a_credential", "Le document n'est pas un objet JSON.")]
    walker = _Walker()
    walker.object(_COMPILED[class_name], credential, "", 0)
    return walker.problems


def check_structure(credential: Any) -> list[Problem]:
    """Structure problems of an OpenBadgeCredential / AchievementCredential (or endorsement).

    The class is chosen from ``type``: ``EndorsementCredential`` gets the endorsement rules,
    ``ClrCredential`` the CLR 2.0 rules (each embedded credential with the OB rules), anything
    else the achievement credential rules. Context problems are reported by
    :func:`check_context`, not here, so a report does not show them twice.
    """
    if isinstance(credential, dict):
        types = _types(credential.get("type"))
        if CLR_CREDENTIAL_TYPE in types:
            return _check_credential(credential, CLR_CREDENTIAL_TYPE)
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
    walker.object(_COMPILED["Profile"], profile, "", 0)
    return walker.problems


def has_errors(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)
