"""A holder's competences: what their **verified** badges assert (DESIGN §6, OB 3.0 §B.1).

Matching does not verify: the caller passes each credential (the JSON object, for a VC-JWT
the decoded ``vc``) with the verifier's verdict — a ``bool``, the verdict text
(``"verified"``) or any object whose ``verdict`` attribute is it (a ``VerificationReport``).
Only verified credentials count. Each ``achievement.alignment[]`` (``targetUrl``, else
``targetCode``) that names a graph node asserts that node — a badge for a block asserts the
block — and so does the achievement ``id`` itself when it is a node. The level comes from the
results: ``result[].achievedLevel`` names a ``rubricCriterionLevel`` of the achievement's
``resultDescription``, whose alignment (a level item) or ``level`` text gives the rank.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from matching.credit import CreditTables
from matching.model import Holder, Holding
from matching.resolve import NodeResolver

__all__ = ["disclosed", "holder_from_credentials", "holdings_of", "is_verified", "resolved"]


def is_verified(verdict: object) -> bool:
    if isinstance(verdict, bool):
        return verdict
    if isinstance(verdict, Mapping):
        verdict = verdict.get("verdict")
    else:
        verdict = getattr(verdict, "verdict", verdict)
    return str(verdict) == "verified"


def _list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _level(
    subject: Mapping[str, Any],
    achievement: Mapping[str, Any],
    tables: CreditTables,
    resolver: NodeResolver,
) -> int | None:
    levels: dict[str, Mapping[str, Any]] = {}
    for description in _list(achievement.get("resultDescription")):
        if isinstance(description, Mapping):
            for level in _list(description.get("rubricCriterionLevel")):
                if isinstance(level, Mapping) and isinstance(level.get("id"), str):
                    levels[level["id"]] = level
    best: int | None = None
    for result in _list(subject.get("result")):
        if not isinstance(result, Mapping):
            continue
        achieved = result.get("achievedLevel")
        rank: int | None = None
        level = levels.get(achieved) if isinstance(achieved, str) else None
        if level is not None:
            for alignment in _list(level.get("alignment")):
                if isinstance(alignment, Mapping):
                    target = alignment.get("targetUrl") or alignment.get("targetCode")
                    node = resolver.resolve(target) if isinstance(target, str) else None
                    rank = rank or tables.level_rank(node)
            if rank is None and isinstance(level.get("level"), str | int):
                rank = tables.level_rank(str(level["level"]))
        elif isinstance(achieved, str):
            rank = tables.level_rank(resolver.resolve(achieved) or achieved)
        if rank is not None:
            best = rank if best is None else max(best, rank)
    return best


def holdings_of(
    credential: Mapping[str, Any], tables: CreditTables, resolver: NodeResolver
) -> list[Holding]:
    """The competences one (verified) credential asserts."""
    found: list[Holding] = []
    badge_id = credential.get("id") if isinstance(credential.get("id"), str) else None
    for subject in _list(credential.get("credentialSubject")):
        if not isinstance(subject, Mapping):
            continue
        achievement = subject.get("achievement")
        if not isinstance(achievement, Mapping):
            continue
        level = _level(subject, achievement, tables, resolver)
        seen: set[str] = set()
        for alignment in _list(achievement.get("alignment")):
            if not isinstance(alignment, Mapping):
                continue
            for key in ("targetUrl", "targetCode"):
                target = alignment.get(key)
                node = resolver.resolve(target) if isinstance(target, str) else None
                if node is not None:
                    if node not in seen:
                        seen.add(node)
                        found.append(Holding(node, badge_id, level, dict(alignment)))
                    break
        own = achievement.get("id")
        node = resolver.resolve(own) if isinstance(own, str) else None
        if node is not None and node not in seen:
            found.append(Holding(node, badge_id, level, {"targetUrl": own}))
    return found


def holder_from_credentials(
    holder_id: str,
    evidence: Iterable[tuple[Mapping[str, Any], object]],
    tables: CreditTables,
    *,
    origins: Iterable[str] = (),
    disclosure: Mapping[str, Any] | None = None,
) -> Holder:
    """The holder whose verified credentials are ``evidence`` (credential, verdict) pairs."""
    resolver = NodeResolver(tables.graph)
    holdings: list[Holding] = []
    for credential, verdict in evidence:
        if is_verified(verdict):
            holdings.extend(holdings_of(credential, tables, resolver))
    return Holder(holder_id, tuple(holdings), tuple(origins), dict(disclosure or {}))


def disclosed(holder: Holder, tables: CreditTables) -> Holder:
    """What an employer may see of an opted-in holder (``Holder.disclosure``):

    * ``referentials``: list of referential slugs — only competences of those count and show;
    * ``badges``: ``false`` hides badge ids and alignments from explanations (the competence
      still counts: it was verified when it was recorded).
    """
    disclosure = holder.disclosure
    holdings = holder.holdings
    allowed = disclosure.get("referentials")
    if isinstance(allowed, list | tuple):
        slugs = {str(s) for s in allowed}
        holdings = tuple(h for h in holdings if tables.referential(h.node) in slugs)
    if disclosure.get("badges") is False:
        holdings = tuple(Holding(h.node, None, h.level, None) for h in holdings)
    return Holder(holder.id, holdings, holder.origins, holder.disclosure)


def resolved(holder: Holder, resolver: NodeResolver) -> Holder:
    """``holder`` with each held node named as the graph names it (a wallet may have recorded
    an alignment's ``targetUrl`` or code as written); unknown names are kept as they are."""
    holdings = tuple(
        Holding(resolver.resolve(h.node) or h.node, h.badge_id, h.level, h.alignment)
        for h in holder.holdings
    )
    return Holder(holder.id, holdings, holder.origins, holder.disclosure)
