"""What every page must hold (issue 8): ``<html lang>``, a title, one ``h1``, a label for every
field, a skip link; and French pages without untranslated English."""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Common English words that have no business in a French page (French homographs left out:
# "a", "on", "an", "me", "but", "son", "plus", "page", "client", "type", "global"...).
_WORDS = """the and with your you please click here sign submit error found welcome search verify
    issued skills jobs home back next previous cancel continue loading required optional
    mandatory share shares wallet employer trainer badge's download upload link expired invalid
    valid missing unknown yes no settings account password email login logout competence
    framework frameworks level levels block blocks this that these those what which when where
    who why how there their they them from into about after before should would could"""
ENGLISH_WORDS = frozenset(_WORDS.split())

_VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "col", "area", "wbr"})


class PageFacts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.title = ""
        self.h1 = 0
        self.labels: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.skip_link = False
        self.words: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, excluded from the language scan)
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "title" and not self._stack_has("svg"):
            self._in_title = True
        if tag == "h1":
            self.h1 += 1
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append(a)
        if tag == "a" and a.get("href") in ("#contenu", "#main", "#content"):
            self.skip_link = True
        excluded = (
            self._excluded()
            or (a.get("lang") not in (None, "fr"))
            or tag in ("code", "script", "style", "pre")
        )
        if tag not in _VOID:
            self._stack.append((tag, excluded))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        while self._stack:
            top, _ = self._stack.pop()
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if not self._excluded():
            self.words += re.findall(r"[^\W\d_]+", data)

    def _excluded(self) -> bool:
        return bool(self._stack and self._stack[-1][1])

    def _stack_has(self, tag: str) -> bool:
        return any(t == tag for t, _ in self._stack)


def facts(html: str) -> PageFacts:
    parser = PageFacts()
    parser.feed(html)
    return parser


def structure_problems(html: str, *, lang: str = "fr") -> list[str]:
    page = facts(html)
    found = []
    if page.html_lang != lang:
        found.append(f"<html lang> is {page.html_lang!r}")
    if not page.title.strip():
        found.append("no <title>")
    if page.h1 != 1:
        found.append(f"{page.h1} h1")
    if not page.skip_link:
        found.append("no skip link")
    for field in page.fields:
        if field.get("id") not in page.labels and not field.get("aria-label"):
            found.append(f"field without label: {field}")
    return found


def english_words(html: str) -> list[str]:
    return sorted({w for w in facts(html).words if w.lower() in ENGLISH_WORDS})
