"""What a wallet page shows of a badge, extracted once at import (``wallet_items.summary``).

Built from the verifier's displayer data (``verifier.display.describe``, OB 3.0 displayer
conformance + reliability-ux.md B3): name, description, issuer, competences from the referential
alignments, criteria (what was observed), level (results), evidence, dates, image. French and
English are both kept so a page can follow the reader's language without re-parsing the badge.
Every value is text; templates escape it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from verifier.display import describe

__all__ = ["summarise"]


def _target_urls(credential: Mapping[str, Any] | None) -> list[str | None]:
    if not isinstance(credential, Mapping):
        return []
    subject = credential.get("credentialSubject")
    if isinstance(subject, list):
        subject = next((s for s in subject if isinstance(s, Mapping)), None)
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    alignments = achievement.get("alignment") if isinstance(achievement, Mapping) else None
    if isinstance(alignments, Mapping):
        alignments = [alignments]
    if not isinstance(alignments, list):
        return []
    return [
        a.get("targetUrl") if isinstance(a.get("targetUrl"), str) else None
        for a in alignments
        if isinstance(a, Mapping)
    ]


def summarise(credential: Mapping[str, Any] | None) -> dict[str, Any]:
    french = describe(credential, "fr")
    english = describe(credential, "en")
    summary = asdict(french)
    # The graph node of each competence is its alignment's ``targetUrl`` whatever its scheme
    # (``describe`` keeps only https links for display; a local demo runs on http).
    for competence, node in zip(summary["competences"], _target_urls(credential), strict=False):
        competence["node"] = node
    summary["en"] = {
        "name": english.name,
        "description": english.description,
        "criteria": english.criteria,
        "competences": [c.name for c in english.competences],
    }
    if not summary["name"] and isinstance(credential, Mapping):
        _ob2_fallback(summary, credential)
    return summary


def _ob2_fallback(summary: dict[str, Any], assertion: Mapping[str, Any]) -> None:
    """OB 2.0 assertions name their BadgeClass (often only by URL, hosted elsewhere)."""
    badge = assertion.get("badge")
    if isinstance(badge, Mapping):
        summary["name"] = str(badge.get("name") or "")
        summary["description"] = str(badge.get("description") or "")
        issuer = badge.get("issuer")
        if isinstance(issuer, Mapping):
            summary["issuer_name"] = str(issuer.get("name") or "")
            summary["issuer_id"] = str(issuer.get("id") or "")
        elif isinstance(issuer, str):
            summary["issuer_id"] = issuer
    elif isinstance(badge, str):
        summary["issuer_id"] = badge
    if not summary["name"]:
        summary["name"] = "Badge (Open Badges 2.0)"
    issued = assertion.get("issuedOn")
    if isinstance(issued, str) and not summary["valid_from"]:
        summary["valid_from"] = issued
