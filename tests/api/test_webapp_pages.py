"""Every page: lang, title, one h1, labelled fields, skip link; French has no English left;
English pages are English; the language choice is remembered."""

from __future__ import annotations

import pytest
from sqlmodel import select

from storage.engine import session_scope
from storage.tables import Achievement, DocumentFormat, MemberRole, ReferentialStatus
from storage.tables import Referential as ReferentialRow
from tests.api.page_checks import english_words, structure_problems
from tests.api.webapp_fixtures import Web, add_member, add_org, add_user, signed_in

PUBLIC_PAGES = [
    "/",
    "/referentiels",
    "/referentials/btp-blocs-exemple/1.0",
    "/referentials/btp-blocs-exemple/1.0/blocks/MAC-B1",
    "/referentials/attitude-pro-reunion/1.0",
    "/referentials/attitude-pro-reunion/1.0/competences/SE01",
    "/referentials/modules-additionnels-exemple/1.0/additional-modules/AM-TEILLAGE",
    "/connexion",
    "/accessibilite",
    "/verifier",
    "/nulle-part",
]


def _issuer_pages(web: Web) -> list[str]:
    org = add_org(web.engine, "of-pages", issuing=True)
    with session_scope(web.engine) as session:
        session.add(
            ReferentialRow(
                slug="r",
                version="1",
                title="R",
                status=ReferentialStatus.PUBLISHED,
                document_format=DocumentFormat.YAML,
                document="x",
                document_sha256="0" * 64,
            )
        )
        session.flush()
        row = Achievement(
            organisation_id=org,
            name="Accueil du public",
            referential_slug="r",
            referential_version="1",
            achievement={
                "name": "Accueil du public",
                "description": "Accueillir les clients.",
                "criteria": {"narrative": "Observé en situation réelle."},
                "alignment": [
                    {
                        "targetName": "Être à l'écoute",
                        "targetUrl": "http://testserver/referentials/attitude-pro-reunion/1.0/competences/SE01",
                    }
                ],
            },
        )
        session.add(row)
        session.flush()
        achievement_id = row.id
    return ["/organismes/of-pages", f"/realisations/{achievement_id}"]


def _get(client, path: str):  # type: ignore[no-untyped-def]
    return client.get(path, headers={"accept": "text/html"})


def test_every_public_page_has_the_required_structure_in_french(web: Web) -> None:
    problems = {}
    for path in PUBLIC_PAGES + _issuer_pages(web):
        response = _get(web.client, path)
        assert response.status_code in (200, 404), path
        found = structure_problems(response.text) + [
            f"English: {w}" for w in english_words(response.text)
        ]
        if found:
            problems[path] = found
    assert problems == {}


def test_signed_in_pages_have_the_required_structure(web: Web) -> None:
    org = add_org(web.engine, "of-espace", issuing=True)
    user = add_user(web.engine, "Formatrice")
    add_member(web.engine, user, org, MemberRole.ADMIN)
    client = signed_in(web, user)
    for path in ("/mon-espace", "/referentials/btp-blocs-exemple/1.0"):
        response = _get(client, path)
        assert response.status_code == 200
        assert structure_problems(response.text) == [], path
        assert english_words(response.text) == [], path
    assert (
        "Préparer une nouvelle version" in _get(client, "/referentials/btp-blocs-exemple/1.0").text
    )


@pytest.mark.parametrize(
    "path", ["/", "/referentiels", "/referentials/btp-blocs-exemple/1.0", "/connexion"]
)
def test_english_pages_are_marked_and_translated(web: Web, path: str) -> None:
    web.client.cookies.set("atouts_lang", "en")
    response = _get(web.client, path)
    assert structure_problems(response.text, lang="en") == []
    assert "Skip to main content" in response.text
    assert "Aller au contenu principal" not in response.text


def test_language_choice_is_remembered_in_a_cookie(web: Web) -> None:
    response = web.client.get(
        "/langue/en", params={"suivant": "/referentiels"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/referentiels"
    assert "atouts_lang=en" in response.headers["set-cookie"]
    assert '<html lang="en"' in _get(web.client, "/").text
    web.client.get("/langue/fr")
    assert '<html lang="fr"' in _get(web.client, "/").text


def test_accept_language_is_used_when_no_choice_was_made(web: Web) -> None:
    english = web.client.get("/", headers={"accept-language": "en-GB,en;q=0.9,fr;q=0.5"})
    assert '<html lang="en"' in english.text
    other = web.client.get("/", headers={"accept-language": "de-DE"})
    assert '<html lang="fr"' in other.text


def test_french_plural_treats_zero_as_singular() -> None:
    from api.i18n import ngettext, use_language

    use_language("fr")
    assert ngettext("%(n)d organisation", "%(n)d organisations", 0) == "%(n)d organisation"
    use_language("en")
    assert ngettext("%(num)d organisation", "%(num)d organisations", 0) == "%(num)d organisations"
    use_language("fr")


def test_problem_titles_are_translated_for_english_programs(web: Web) -> None:
    response = web.client.get("/nulle-part", headers={"accept-language": "en"})
    assert response.json()["title"] == "Page not found"
    assert response.json()["code"] == "not_found"


def test_issuer_identifier_opens_as_a_page_in_a_browser(web: Web) -> None:
    pages = _issuer_pages(web)
    page = _get(web.client, "/issuers/of-pages")
    assert page.status_code == 200
    assert "Accueil du public" in page.text
    achievement = _get(web.client, pages[1].replace("/realisations/", "/achievements/"))
    assert "Observé en situation réelle." in achievement.text
    assert 'href="/referentials/attitude-pro-reunion/1.0/competences/SE01"' in achievement.text
    with session_scope(web.engine, write=False) as session:
        assert session.exec(select(Achievement)).first() is not None


SAME_IN_ENGLISH = {
    "API",
    "Module",
    "Certification",
    "Structure",
    "code",
    "Code",
    "Type",
    "Version %(v)s",
}
MY_MODULES = [
    "app",
    "auth",
    "audit",
    "diagrams",
    "i18n",
    "pages",
    "problems",
    "public_routes",
    "referential_routes",
    "referential_editing",
    "security",
    "signin_routes",
]
MY_TEMPLATES = [
    "base",
    "accueil",
    "connexion",
    "connexion_code",
    "connexion_envoyee",
    "connexion_lien",
    "demo_connexion",
    "erreur",
    "mon_espace",
    "organisme",
    "realisation",
    "referentials/element",
    "referentials/liste",
    "referentials/referentiel",
]


def test_english_catalogue_translates_every_message_of_the_pages() -> None:
    from babel.messages.extract import extract_from_file

    from api.i18n import LOCALES, translations
    from tests.conftest import REPO

    catalogue = translations("en")
    assert (LOCALES / "en" / "LC_MESSAGES" / "messages.po").is_file()
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2)}
    sources = [("python", REPO / "api" / f"{m}.py") for m in MY_MODULES] + [
        ("jinja2", REPO / "api" / "templates" / f"{t}.html") for t in MY_TEMPLATES
    ]
    untranslated = []
    for method, path in sources:
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords, options=options
        ):
            singular = message[0] if isinstance(message, tuple) else message
            translated = (
                catalogue.ngettext(message[0], message[1], 2)
                if isinstance(message, tuple)
                else catalogue.gettext(message)
            )
            if (
                translated == singular
                and singular not in SAME_IN_ENGLISH
                and not (isinstance(message, tuple) and message[0].endswith(" organisation"))
            ):
                untranslated.append(f"{path.name}: {singular}")
    assert untranslated == []


def test_right_to_left_badge_text_is_shown_in_its_own_direction(web: Web) -> None:
    org = add_org(web.engine, "of-rtl", issuing=True)
    with session_scope(web.engine) as session:
        session.add(
            ReferentialRow(
                slug="rtl",
                version="1",
                title="R",
                status=ReferentialStatus.PUBLISHED,
                document_format=DocumentFormat.YAML,
                document="x",
                document_sha256="1" * 64,
            )
        )
        session.flush()
        row = Achievement(
            organisation_id=org,
            name="استقبال",
            referential_slug="rtl",
            referential_version="1",
            achievement={"name": {"ar": "استقبال العملاء", "fr": "Accueil"}, "description": "وصف"},
        )
        session.add(row)
        session.flush()
        achievement_id = row.id
    page = _get(web.client, f"/realisations/{achievement_id}").text
    assert '<h1 dir="auto">Accueil</h1>' in page  # the French name first on a French page
    assert '<p class="narrative" dir="auto">وصف</p>' in page
