"""Beneficiary pages follow easy-to-read rules (issue 8: « short sentences, common words, no
acronyms »), checked on every message the wallet, claim and « métiers proches » pages can show
(their templates, their modules and the refusals of ``wallet/``), in French:

- no sentence longer than 15 words;
- no acronym, apart from the few a person meets as they are (listed below with the reason);
- no technical word of ours (the list below): people say « badge », « lien », « code ».
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_file

from tests.api.test_wallet_i18n import _wallet_messages
from tests.conftest import REPO

MAX_WORDS = 15

# Written as people meet them, so spelling them out would make them harder to recognise.
KNOWN_ACRONYMS = {
    "QR": "« QR code » is the name people know the square picture by",
    "PNG": "what the file's name ends with",
    "SVG": "what the file's name ends with",
    "JSON": "what the file's name ends with",
    "SUPPRIMER": "the word to type to confirm an erasure, in capitals on purpose",
}
EXAMPLE_CODE = re.compile(r"\b[A-Z]{4}(?:-[A-Z]{4}){3}\b")  # a claim code shown as an example
JARGON = ("credential", "identifiant décentralisé", "clé publique", "JWT", "hash", "token", "URL")


def _messages() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for where, message in _wallet_messages():
        found.extend((where, m) for m in (message if isinstance(message, tuple) else (message,)))
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    for path in sorted((REPO / "api" / "templates" / "rapprochement").glob("*.html")):
        for _line, message, _c, _x in extract_from_file(
            "jinja2", str(path), keywords=keywords, options={"extensions": "jinja2.ext.i18n"}
        ):
            texts = message if isinstance(message, tuple) else (message,)
            found.extend((Path(path).name, str(m)) for m in texts)
    return found


def _sentences(message: str) -> list[str]:
    text = re.sub(r"%\(\w+\)[sd]|\{\w+\}", "X", message)
    text = re.sub(r"<[^>]+>", " ", text)
    return [s for s in re.split(r"(?<=[.!?:;])\s+", text) if s.strip()]


def _words(sentence: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", sentence)


def test_there_are_beneficiary_messages_to_read() -> None:
    messages = _messages()
    assert len(messages) > 150
    assert any(where == "metiers.html" for where, _ in messages)


def test_every_sentence_is_short() -> None:
    long = [
        f"{where}: {sentence}"
        for where, message in _messages()
        for sentence in _sentences(message)
        if len(_words(sentence)) > MAX_WORDS
    ]
    assert long == []


def test_no_acronym_and_no_jargon() -> None:
    found = []
    for where, message in _messages():
        text = EXAMPLE_CODE.sub("", message)
        for word in _words(text):
            if len(word) >= 2 and word.isupper() and word not in KNOWN_ACRONYMS:
                found.append(f"{where}: {word} in « {message} »")
        found += [
            f"{where}: {term} in « {message} »"
            for term in JARGON
            if re.search(rf"\b{re.escape(term)}\b", text, re.IGNORECASE)
        ]
    assert found == []
