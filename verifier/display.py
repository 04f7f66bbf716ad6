"""What a badge proves, in plain data for the verification page (OB 3.0 displayer conformance).

``ob_v3p0/cert/displayer.md`` asks for the image, name, description, issuer name, issue date and
status; reliability-ux.md B3 adds the competences (alignments), the criteria, the level (result),
the evidence and the validity period. Every value stays text: templates escape it (VCDM 2.0
§"Code Injection", reliability-ux.md §A3-S12); links are kept only when they are https URLs.
Language-tagged values (VCDM 2.0 §11.1) are read in the page language, French first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def text_in(value: Any, lang: str = "fr") -> str:
    """A plain string from a string, a language map or VCDM 2.0 value objects."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        if "@value" in value:
            return str(value["@value"])
        for key in (lang, "fr", "en"):
            if isinstance(value.get(key), str):
                return str(value[key])
        for item in value.values():
            if isinstance(item, str):
                return item
        return ""
    if isinstance(value, list):
        objects = [v for v in value if isinstance(v, Mapping)]
        for wanted in (lang, "fr", "en"):
            for item in objects:
                language = str(item.get("@language", ""))
                if language.split("-")[0] == wanted:
                    return str(item.get("@value", ""))
        if value:
            return text_in(value[0], lang)
    return ""


def safe_link(value: Any) -> str | None:
    return value if isinstance(value, str) and value.startswith("https://") else None


@dataclass(slots=True)
class Competence:
    name: str
    code: str = ""
    framework: str = ""
    description: str = ""
    url: str | None = None


@dataclass(slots=True)
class EvidenceItem:
    name: str
    narrative: str = ""
    url: str | None = None


@dataclass(slots=True)
class BadgeDescription:
    name: str = ""
    description: str = ""
    image: str | None = None
    achievement_type: str = ""
    criteria: str = ""
    criteria_url: str | None = None
    competences: list[Competence] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    issuer_name: str = ""
    issuer_id: str = ""
    issuer_url: str | None = None
    recipient_name: str = ""
    valid_from: str = ""
    valid_until: str = ""


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _image(value: Any) -> str | None:
    if isinstance(value, Mapping):
        value = value.get("id")
    if isinstance(value, str) and (value.startswith(("https://", "data:image/png;base64,"))):
        # SVG data URLs can carry script: only PNG data URLs and https images are shown.
        return value
    return None


def describe(credential: Mapping[str, Any] | None, lang: str = "fr") -> BadgeDescription:
    out = BadgeDescription()
    if not isinstance(credential, Mapping):
        return out
    subject_raw = credential.get("credentialSubject")
    subjects = [s for s in _list(subject_raw) if isinstance(s, Mapping)]
    subject: Mapping[str, Any] = subjects[0] if subjects else {}
    achievement = subject.get("achievement")
    if not isinstance(achievement, Mapping):
        achievement = {}
    out.name = text_in(achievement.get("name"), lang) or text_in(credential.get("name"), lang)
    out.description = text_in(achievement.get("description"), lang) or text_in(
        credential.get("description"), lang
    )
    out.image = _image(achievement.get("image")) or _image(credential.get("image"))
    out.achievement_type = text_in(achievement.get("achievementType"), lang)
    criteria = achievement.get("criteria")
    if isinstance(criteria, Mapping):
        out.criteria = text_in(criteria.get("narrative"), lang)
        out.criteria_url = safe_link(criteria.get("id"))
    for alignment in _list(achievement.get("alignment")):
        if isinstance(alignment, Mapping):
            out.competences.append(
                Competence(
                    name=text_in(alignment.get("targetName"), lang),
                    code=text_in(alignment.get("targetCode"), lang),
                    framework=text_in(alignment.get("targetFramework"), lang),
                    description=text_in(alignment.get("targetDescription"), lang),
                    url=safe_link(alignment.get("targetUrl")),
                )
            )
    descriptions = {
        d.get("id"): d
        for d in _list(achievement.get("resultDescription"))
        if isinstance(d, Mapping)
    }
    for result in _list(subject.get("result")):
        if not isinstance(result, Mapping):
            continue
        described = descriptions.get(result.get("resultDescription"), {})
        label = text_in(described.get("name"), lang) if isinstance(described, Mapping) else ""
        value = text_in(result.get("value"), lang)
        level = result.get("achievedLevel")
        if level and isinstance(described, Mapping):
            for rubric in _list(described.get("rubricCriterionLevel")):
                if isinstance(rubric, Mapping) and rubric.get("id") == level:
                    value = text_in(rubric.get("name"), lang) or value
        if value or label:
            out.results.append(f"{label} : {value}" if label and value else value or label)
    for item in _list(credential.get("evidence")):
        if isinstance(item, Mapping):
            out.evidence.append(
                EvidenceItem(
                    name=text_in(item.get("name"), lang) or "Preuve",
                    narrative=text_in(item.get("narrative"), lang)
                    or text_in(item.get("description"), lang),
                    url=safe_link(item.get("id")),
                )
            )
    issuer = credential.get("issuer")
    if isinstance(issuer, Mapping):
        out.issuer_name = text_in(issuer.get("name"), lang)
        out.issuer_id = str(issuer.get("id", ""))
        out.issuer_url = safe_link(issuer.get("url"))
    elif isinstance(issuer, str):
        out.issuer_id = issuer
    out.recipient_name = text_in(subject.get("name"), lang)
    out.valid_from = str(credential.get("validFrom", credential.get("issuanceDate", "")) or "")
    out.valid_until = str(credential.get("validUntil", credential.get("expirationDate", "")) or "")
    return out
