"""Referential pages and API: item URLs resolve to pages and CASE CFItems, the structure
diagram is an accessible SVG with a text version, co-editing goes draft -> published."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from sqlmodel import select

from api.demo import DEMO_PEOPLE, TRAINING_SLUG, seed_demo
from api.diagrams import structure_svg, structure_tree
from api.referential_catalogue import catalogue
from referentials.bundled import load_bundled
from referentials.store import FilesystemReferentialStore
from storage.engine import session_scope
from storage.tables import MemberRole, User
from tests.api.webapp_fixtures import (
    BASE,
    Web,
    add_member,
    add_org,
    add_user,
    make_web,
    signed_in,
)
from tests.conftest import REPO

ITEM = "/referentials/btp-blocs-exemple/1.0/blocks/MAC-B1"


def test_item_url_answers_a_page_to_people_and_a_cfitem_to_programs(web: Web) -> None:
    page = web.client.get(ITEM, headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "<h1>" in page.text
    as_json = web.client.get(ITEM, headers={"accept": "application/json"})
    assert as_json.headers["content-type"].startswith("application/json")
    item = as_json.json()
    assert item["uri"] == BASE + ITEM
    assert item["CFItemType"]
    assert item["identifier"]
    assert web.client.get(ITEM + "?format=json").json() == item
    assert web.client.get("/api" + ITEM).json() == item


def test_referential_url_gives_the_case_package_to_programs(web: Web) -> None:
    package = web.client.get("/api/referentials/btp-blocs-exemple/1.0").json()
    assert package["CFDocument"]["uri"] == BASE + "/referentials/btp-blocs-exemple/1.0"
    assert len(package["CFItems"]) > 30


def test_unknown_referential_or_item_is_a_404_problem(web: Web) -> None:
    missing = web.client.get("/referentials/nope/1.0", headers={"accept": "application/json"})
    assert missing.status_code == 404
    assert missing.json()["code"] == "referential_not_found"
    wrong_kind = web.client.get("/api/referentials/btp-blocs-exemple/1.0/competences/MAC-B1")
    assert wrong_kind.json()["code"] == "referential_item_not_found"


def test_list_shows_the_bundled_referentials_with_their_organisations(web: Web) -> None:
    listed = web.client.get("/api/referentials").json()
    slugs = {r["slug"] for r in listed}
    assert {"attitude-pro-reunion", "btp-blocs-exemple", "modules-additionnels-exemple"} <= slugs
    btp = next(r for r in listed if r["slug"] == "btp-blocs-exemple")
    assert any(o["role"] == "employer" for o in btp["organisations"])


def test_structure_diagram_is_an_accessible_svg_with_a_text_version(web: Web) -> None:
    page = web.client.get("/referentials/modules-additionnels-exemple/1.0").text
    svg_text = re.search(r"<svg.*?</svg>", page, re.S).group(0)  # type: ignore[union-attr]
    svg = ElementTree.fromstring(svg_text)
    ns = "{http://www.w3.org/2000/svg}"
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "schema-titre schema-desc"
    assert svg.find(f"{ns}title").text.startswith("Structure du référentiel")  # type: ignore[union-attr]
    assert "module additionnel" in svg.find(f"{ns}desc").text  # type: ignore[union-attr]
    drawn = "".join(svg.itertext())
    assert "(facultatif)" in drawn  # optional said in words, not only by a dashed border
    assert 'stroke-dasharray="6 4"' in svg_text
    text_version = page.split('id="version-texte"')[1]
    for code in ("AM-TEILLAGE", "AM-NAVAL", "LIN1"):
        assert (
            f"/additional-modules/{code}" in text_version or f"/competences/{code}" in text_version
        )


def test_diagram_escapes_labels_and_says_how_many_rows_it_left_out() -> None:
    ref = next(r for r in load_bundled() if r.slug == "btp-blocs-exemple")
    tree = structure_tree(ref, BASE)
    svg = str(structure_svg(ref, tree))
    ElementTree.fromstring(svg)  # well-formed
    assert "éléments de plus" in svg  # the BTP tree is longer than the drawing

    def parents_of(code: str, nodes: list) -> list[str]:  # type: ignore[type-arg]
        found = []
        for node in nodes:
            found += [node.code for child in node.children if child.code == code]
            found += parents_of(code, node.children)
        return found

    assert len(set(parents_of("B-SECU", tree))) >= 2  # a shared block shows under each parent


def test_employer_co_edits_a_draft_then_publishes_it(web: Web) -> None:
    org = add_org(web.engine, "hotel-exemple", issuing=False)
    boss = add_user(web.engine, "Directrice")
    add_member(web.engine, boss, org, MemberRole.ADMIN)
    client = signed_in(web, boss)
    draft = client.post(
        "/api/referentials/attitude-pro-reunion/1.0/drafts", json={"version": "1.1"}
    )
    assert draft.status_code == 201, draft.text
    assert draft.json()["status"] == "draft"
    again = client.post(
        "/api/referentials/attitude-pro-reunion/1.0/drafts", json={"version": "1.1"}
    )
    assert again.json()["code"] == "referential_version_exists"
    added = client.post(
        "/api/referentials/attitude-pro-reunion/1.1/organisations",
        json={"name": "Hôtel Exemple du Port", "role": "employer"},
    )
    assert "Hôtel Exemple du Port" in [o["name"] for o in added.json()["organisations"]]
    published = client.post("/api/referentials/attitude-pro-reunion/1.1/publish")
    assert published.json()["status"] == "published"
    frozen = client.post(
        "/api/referentials/attitude-pro-reunion/1.1/organisations",
        json={"name": "Autre", "role": "other"},
    )
    assert frozen.status_code == 409
    assert frozen.json()["code"] == "referential_published"
    page = client.get("/referentials/attitude-pro-reunion/1.1").text
    assert "Hôtel Exemple du Port" in page
    assert "validée le 02/03/2026" in page
    bundled_stays = client.post(
        "/api/referentials/attitude-pro-reunion/1.0/organisations",
        json={"name": "X", "role": "other"},
    )
    assert bundled_stays.status_code == 409


def test_co_editing_through_the_page_forms(web: Web) -> None:
    org = add_org(web.engine, "of-forms", issuing=True)
    trainer = add_user(web.engine, "Formateur")
    add_member(web.engine, trainer, org, MemberRole.ISSUER)
    client = signed_in(web, trainer)
    page = client.get("/referentials/btp-blocs-exemple/1.0").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    created = client.post(
        "/referentials/btp-blocs-exemple/1.0/brouillon",
        data={"new_version": "2.0", "csrf_token": token},
        follow_redirects=False,
    )
    assert created.status_code == 303
    assert created.headers["location"] == "/referentials/btp-blocs-exemple/2.0"
    draft_page = client.get("/referentials/btp-blocs-exemple/2.0").text
    assert "brouillon" in draft_page
    assert "Publier cette version" in draft_page
    client.post("/referentials/btp-blocs-exemple/2.0/publication", data={"csrf_token": token})
    assert "Publier cette version" not in client.get("/referentials/btp-blocs-exemple/2.0").text


def test_reviewer_may_read_but_not_edit(web: Web) -> None:
    org = add_org(web.engine, "of-relecture", issuing=True)
    reviewer = add_user(web.engine, "Relectrice")
    add_member(web.engine, reviewer, org, MemberRole.REVIEWER)
    client = signed_in(web, reviewer)
    refused = client.post("/api/referentials/btp-blocs-exemple/1.0/drafts", json={"version": "3"})
    assert refused.status_code == 403
    assert (
        "Préparer une nouvelle version"
        not in client.get("/referentials/btp-blocs-exemple/1.0").text
    )


def test_a_draft_gets_new_competences_under_its_blocks(web: Web) -> None:
    org = add_org(web.engine, "of-items", issuing=True)
    trainer = add_user(web.engine, "Formatrice Items")
    add_member(web.engine, trainer, org, MemberRole.ISSUER)
    client = signed_in(web, trainer)
    client.post("/api/referentials/btp-blocs-exemple/1.0/drafts", json={"version": "1.2"})
    added = client.post(
        "/api/referentials/btp-blocs-exemple/1.2/items",
        json={
            "code": "MAC-ECHAF",
            "label": "Monter un échafaudage roulant",
            "parent": "MAC-B1",
            "mandatory": False,
        },
    )
    assert added.status_code == 201, added.text
    item = client.get("/api/referentials/btp-blocs-exemple/1.2/competences/MAC-ECHAF").json()
    assert item["fullStatement"] == "Monter un échafaudage roulant"
    page = client.get("/referentials/btp-blocs-exemple/1.2/blocks/MAC-B1").text
    assert "Monter un échafaudage roulant" in page
    assert "(facultatif)" in page
    twice = client.post(
        "/api/referentials/btp-blocs-exemple/1.2/items",
        json={"code": "MAC-ECHAF", "label": "Encore"},
    )
    assert twice.json()["code"] == "item_code_exists"
    orphan = client.post(
        "/api/referentials/btp-blocs-exemple/1.2/items",
        json={"code": "X1", "label": "X", "parent": "NOPE"},
    )
    assert orphan.json()["code"] == "item_parent_unknown"
    published = client.post(
        "/api/referentials/btp-blocs-exemple/1.0/items", json={"code": "X2", "label": "X"}
    )
    assert published.status_code == 409


def test_adding_a_competence_through_the_page_form(web: Web) -> None:
    org = add_org(web.engine, "hotel-items", issuing=False)
    boss = add_user(web.engine, "Gérante")
    add_member(web.engine, boss, org, MemberRole.ADMIN)
    client = signed_in(web, boss)
    client.post("/api/referentials/attitude-pro-reunion/1.0/drafts", json={"version": "2.0"})
    page = client.get("/referentials/attitude-pro-reunion/2.0").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/referentials/attitude-pro-reunion/2.0/elements",
        data={
            "code": "SE13",
            "label": "Parler créole avec les clients",
            "kind": "competence",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert (
        "Parler créole avec les clients"
        in client.get("/referentials/attitude-pro-reunion/2.0").text
    )


def _demo_user(web: Web, email: str) -> str:
    with session_scope(web.engine, write=False) as session:
        return session.exec(select(User).where(User.email == email)).one().id


def _import_through_the_cli(home: Path, slug: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cli.main import main

    text = (REPO / "referentials" / "bundled" / "attitude-pro-reunion.yaml").read_text("utf-8")
    text = text.replace("referentiel: attitude-pro-reunion", f"referentiel: {slug}", 1)
    text = text.replace("fr: Attitudes professionnelles", "fr: Attitudes importées", 1)
    source = home / f"{slug}.yaml"
    source.write_text(text, encoding="utf-8")
    monkeypatch.setenv("ATOUTS_HOME", str(home))
    assert main(["referential", "import", str(source)]) == 0


def test_a_referential_imported_through_the_cli_is_listed_and_issuable(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _import_through_the_cli(tmp_path, "attitude-importe-cli", monkeypatch)
    web = make_web(db_url, tmp_path)
    try:
        seed_demo(web.app)
        listing = web.client.get("/referentiels").text
        assert "/referentials/attitude-importe-cli/1.0" in listing
        page = web.client.get("/referentials/attitude-importe-cli/1.0")
        assert page.status_code == 200
        api = web.client.get("/api/referentials", headers={"accept": "application/json"})
        slugs = [r["slug"] for r in api.json()] if isinstance(api.json(), list) else api.text
        assert "attitude-importe-cli" in str(slugs)
        trainer = _demo_user(web, DEMO_PEOPLE[0].email)
        client = signed_in(web, trainer)
        made = client.post(
            "/api/issuer/achievements",
            json={
                "organisation": TRAINING_SLUG,
                "referential": "attitude-importe-cli",
                "version": "1.0",
                "items": ["SE01"],
            },
        )
        assert made.status_code == 201, made.text
        assert "attitude-importe-cli" in json.dumps(made.json()["achievement"])
    finally:
        web.engine.dispose()


def test_a_version_published_on_the_web_reaches_the_store_issuer_and_matching_read(
    web: Web,
) -> None:
    seed_demo(web.app)
    trainer = _demo_user(web, DEMO_PEOPLE[0].email)
    client = signed_in(web, trainer)
    base = "/api/referentials/attitude-pro-reunion"
    assert client.post(f"{base}/1.0/drafts", json={"version": "1.5"}).status_code == 201
    client.post(f"{base}/1.5/organisations", json={"name": "CFA Démo", "role": "training_body"})
    store = FilesystemReferentialStore(web.home / "referentials")
    assert "1.5" not in store.versions("attitude-pro-reunion")  # drafts stay on the web side
    assert client.post(f"{base}/1.5/publish").json()["status"] == "published"
    stored = store.get("attitude-pro-reunion", "1.5")
    assert stored.is_published
    listed = [k for k, e in catalogue(web.engine).items() if k[0] == "attitude-pro-reunion"]
    assert listed.count(("attitude-pro-reunion", "1.5")) == 1  # one entry, not two
    made = client.post(
        "/api/issuer/achievements",
        json={
            "organisation": TRAINING_SLUG,
            "referential": "attitude-pro-reunion",
            "version": "1.5",
            "items": ["SE01"],
        },
    )
    assert made.status_code == 201, made.text
