"""The employer and « métiers proches » pages speak English too: every message of their modules
and templates has an English translation in ``api/locales/en`` (French is the source)."""

from __future__ import annotations

from babel.messages.extract import extract_from_file

from api.i18n import LOCALES, translations
from tests.api.test_employer_pages import _employer, _new_job
from tests.api.webapp_fixtures import Web
from tests.conftest import REPO

MODULES = ["charts", "employer_pages", "employer_candidates", "employer_reasons", "match_pages"]
TEMPLATE_DIRS = ["employeur", "rapprochement"]
SAME_IN_ENGLISH = {"Certification", "Module", "Badge", "module"}


def test_every_message_of_these_pages_has_an_english_translation() -> None:
    catalogue = translations("en")
    assert (LOCALES / "en" / "LC_MESSAGES" / "messages.po").is_file()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    sources = [("python", REPO / "api" / f"{m}.py") for m in MODULES] + [
        ("jinja2", path)
        for folder in TEMPLATE_DIRS
        for path in sorted((REPO / "api" / "templates" / folder).glob("*.html"))
    ]
    untranslated = []
    for method, path in sources:
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords, options=options
        ):
            if isinstance(message, tuple):
                same = catalogue.ngettext(message[0], message[1], 2) == message[1]
                singular = message[0]
            else:
                same = catalogue.gettext(message) == message
                singular = message
            if same and singular not in SAME_IN_ENGLISH:
                untranslated.append(f"{path.name}: {singular}")
    assert untranslated == []


def test_an_employer_who_chose_english_gets_the_job_page_in_english(web: Web) -> None:
    client = _employer(web)
    job_id = _new_job(client)
    client.cookies.set("atouts_lang", "en")
    page = client.get(f"/employeur/postes/{job_id}").text
    assert "Describe a job" in page
    assert "Search by words" in page
    assert "Décrire un poste" not in page
