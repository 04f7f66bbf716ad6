"""Free text → proposed referential items, by word search over labels and alternative labels.

French and English, without accents or case, with a light suffix stemmer (« poser »,
« pose », « posée » and « poses » meet; "laying" and "lay" too) and stop words removed. Each
item scores the sum over query stems it contains of ``idf(stem)``, labels counting more than
alternative labels, normalised by the query's total; ties are broken by node id. These are
**proposals**: an employer confirms every item before it becomes a requirement (issue 7: no
silent guessing), so results say ``confirmed: false``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from referentials.graph import SkillsGraph
from referentials.model import ItemKind

__all__ = ["LabelIndex", "Proposal", "stems"]

_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "l",
        "d",
        "un",
        "une",
        "ou",
        "par",
        "pour",
        "sur",
        "se",
        "sa",
        "son",
        "ses",
        "qui",
        "que",
        "quoi",
        "il",
        "elle",
        "ils",
        "elles",
        "nous",
        "vous",
        "on",
        "ne",
        "pas",
        "plus",
        "tout",
        "tous",
        "the",
        "of",
        "and",
        "or",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "an",
        "at",
        "from",
        "as",
        "is",
        "are",
        "be",
        "into",
        "its",
        "their",
        "this",
        "that",
    ]
)
_SUFFIXES = (
    "neries", "nerie", "eries", "erie", "issements", "issement", "ements", "ement",
    "ations", "ation", "itions", "ition",
    "euses", "euse", "eurs", "eur", "trices", "trice", "ances", "ance", "ences", "ence",
    "ables", "able", "ibles", "ible", "iques", "ique", "ives", "ive", "ifs", "if",
    "ites", "ite", "ees", "ee", "es", "er", "ez", "ing", "ers", "ed", "e", "s",
)  # fmt: skip
_LABEL_WEIGHT = 1.0
_ALT_WEIGHT = 0.7


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if len(word) - len(suffix) >= 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def stems(text: str) -> list[str]:
    """The stems of ``text`` (accents and case removed, stop words dropped), in order."""
    folded = _fold(text).replace("'", " ").replace("’", " ")
    return [_stem(w) for w in _WORD.findall(folded) if w not in _STOP and len(w) > 1]


@dataclass(frozen=True, slots=True)
class Proposal:
    node: str
    label: str
    kind: str
    referential: str
    score: float
    matched: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "node": self.node,
            "label": self.label,
            "kind": self.kind,
            "referential": self.referential,
            "score": self.score,
            "matched": list(self.matched),
            "confirmed": False,
        }


_SEARCHABLE = frozenset(
    {
        ItemKind.CERTIFICATION,
        ItemKind.BLOCK,
        ItemKind.MODULE,
        ItemKind.ADDITIONAL_MODULE,
        ItemKind.COMPETENCE,
        ItemKind.OCCUPATION,
    }
)


class LabelIndex:
    """Inverted index stem → {node: weight} over every loaded referential's items."""

    def __init__(self, graph: SkillsGraph) -> None:
        self._postings: dict[str, dict[str, float]] = {}
        self._info: dict[str, tuple[str, str, str]] = {}
        for (slug, version), referential in sorted(graph.referentials.items()):
            for item in referential.items:
                if item.kind not in _SEARCHABLE:
                    continue
                node = item.node_id(graph.base, slug, version)
                self._info.setdefault(node, (item.label(), str(item.kind), slug))
                self._add(node, item.labels.values(), _LABEL_WEIGHT)
                self._add(node, (a for alts in item.alt_labels.values() for a in alts), _ALT_WEIGHT)
        self._count = max(1, len(self._info))

    def _add(self, node: str, texts: Iterable[str], weight: float) -> None:
        for text in texts:
            for stem in set(stems(text)):
                posting = self._postings.setdefault(stem, {})
                if posting.get(node, 0.0) < weight:
                    posting[node] = weight

    def search(
        self, text: str, *, limit: int = 10, kinds: Iterable[str] | None = None
    ) -> list[Proposal]:
        """Items whose labels share words with ``text``, best first (score, then node id)."""
        query = list(dict.fromkeys(stems(text)))
        wanted = set(kinds) if kinds is not None else None
        weights = {
            s: math.log(1 + self._count / len(self._postings[s]))
            for s in query
            if s in self._postings
        }
        total = sum(math.log(1 + self._count) for _ in query) or 1.0
        scores: dict[str, float] = {}
        matched: dict[str, list[str]] = {}
        for stem, idf in weights.items():
            for node, weight in self._postings[stem].items():
                scores[node] = scores.get(node, 0.0) + idf * weight
                matched.setdefault(node, []).append(stem)
        found: list[Proposal] = []
        for node, value in scores.items():
            label, kind, referential = self._info[node]
            if wanted is not None and kind not in wanted:
                continue
            found.append(
                Proposal(
                    node, label, kind, referential, round(value / total, 6), tuple(matched[node])
                )
            )
        found.sort(key=lambda p: (-p.score, p.node))
        return found[:limit]
