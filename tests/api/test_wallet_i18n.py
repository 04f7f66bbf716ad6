"""The wallet pages speak French first and English second (issue 6 "Understanding", issue 8
"Languages"): every message of the wallet's modules, templates and refusals has an English
translation; French pages carry no English; English pages are marked ``lang="en"`` and carry no
French of ours; badge text from any script (Arabic, Hebrew) is shown with ``dir="auto"``."""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from typing import Any

from babel.messages.extract import extract_from_file
from fastapi.testclient import TestClient
from sqlmodel import select

from api.i18n import translations
from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import WalletItem
from tests.api.page_checks import english_words, structure_problems
from tests.api.test_wallet_routes import _app, _claim, _form
from tests.conftest import REPO
from tests.wallet import fixtures
from tests.wallet.fixtures import BASE
from wallet.context import WalletContext
from wallet.holders import CUSTODY_WORDING_FR

btp_achievements = fixtures.btp_achievements
clock = fixtures.clock
engine = fixtures.engine
graph = fixtures.graph
ictx = fixtures.ictx
wctx = fixtures.wctx

SAME_IN_ENGLISH = {"Badge", "Module", "%(num)d badge", "%(num)d badge."}


def _wallet_messages() -> list[tuple[str, str | tuple[str, str]]]:
    """Every msgid of the wallet: ``_``/``ngettext``/``N_`` in api/wallet_*.py and the wallet
    templates, the French messages of ``WalletError`` in wallet/ and api/wallet_*.py (pages and
    problem documents translate them), and the custody wording."""
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
    sources = [("python", p) for p in sorted((REPO / "api").glob("wallet_*.py"))] + [
        ("jinja2", p) for p in sorted((REPO / "api" / "templates" / "wallet").glob("*.html"))
    ]
    found: list[tuple[str, str | tuple[str, str]]] = []
    for method, path in sources:
        options = {"extensions": "jinja2.ext.i18n"} if method == "jinja2" else {}
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=keywords, options=options
        ):
            found.append((path.name, message))
    for path in sorted((REPO / "wallet").glob("*.py")) + sorted((REPO / "api").glob("wallet_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "WalletError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.append((path.name, str(node.args[0].value)))
    found.append(("wallet/holders.py", CUSTODY_WORDING_FR))
    return found


def test_every_wallet_message_has_an_english_translation() -> None:
    catalogue = translations("en")
    messages = _wallet_messages()
    assert len(messages) > 150  # the extraction really saw the templates and modules
    untranslated = []
    for where, message in messages:
        if isinstance(message, tuple):
            singular = message[0]
            same = catalogue.ngettext(message[0], message[1], 2) == message[1]
        else:
            singular = message
            same = catalogue.gettext(message) == message
        if same and singular not in SAME_IN_ENGLISH:
            untranslated.append(f"{where}: {singular}")
    assert untranslated == []


class _OurText(HTMLParser):
    """The page's own words: text outside badge-provided elements (``dir="auto"``), outside
    elements marked in another language, scripts and drawings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.auto_dir = 0
        self._stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("dir") == "auto":
            self.auto_dir += 1
        skip = (
            bool(self._stack and self._stack[-1][1])
            or a.get("dir") == "auto"
            or a.get("lang") not in (None, "en")
            or tag in ("script", "style", "svg", "title", "code")
        )
        if tag not in ("input", "br", "img", "meta", "link", "hr", "path"):
            self._stack.append((tag, skip))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if not (self._stack and self._stack[-1][1]):
            self.words += re.findall(r"[^\W\d_]+", data)


FRENCH = {"vous", "votre", "vos", "les", "des", "une", "est", "avec", "dans", "pour", "mes", "mon"}


def _french_words(html: str) -> list[str]:
    page = _OurText()
    page.feed(html)
    return sorted({w for w in page.words if w.lower() in FRENCH})


def _journey(holder: TestClient, visitor: TestClient, ictx: IssuerContext, achievement: str) -> Any:
    """The pages a holder and an employer meet, in the client's language."""
    pages = {"entry": visitor.get("/portefeuille").text, "claim": visitor.get("/reclamer").text}
    from tests.wallet.fixtures import issue_with_claim_code

    issued = issue_with_claim_code(ictx, achievement)
    pages["claimed"] = _form(holder, "/reclamer", {"code": issued.claim_code}).text
    home = holder.get("/portefeuille").text
    pages["home"] = home
    item_id = re.search(r"/portefeuille/badges/([0-9a-f-]{36})", home).group(1)  # type: ignore[union-attr]
    pages["badge"] = holder.get(f"/portefeuille/badges/{item_id}").text
    pages["share form"] = holder.get("/portefeuille/partager").text
    choice = {"badge": [item_id], "audience": "Entreprise Exemple", "expires": "7d"}
    pages["preview"] = _form(holder, "/portefeuille/partager/apercu", choice).text
    created = _form(holder, "/portefeuille/partager", choice).text
    pages["created"] = created
    link = re.search(rf"{re.escape(BASE)}/p/[A-Za-z0-9_-]+", created).group(0)  # type: ignore[union-attr]
    share_id = re.search(r"/portefeuille/partages/([0-9a-f-]{36})", created).group(1)  # type: ignore[union-attr]
    pages["employer"] = visitor.get(link).text
    pages["access log"] = holder.get(f"/portefeuille/partages/{share_id}").text
    pages["erase"] = holder.get("/portefeuille/supprimer").text
    pages["custody refused"] = holder.get(
        "/portefeuille/accompagnement", headers={"accept": "text/html"}
    ).text
    engine = ictx.engine
    own = holder.get("/api/wallet").json()["id"]
    fixtures.make_counsellor(engine, fixtures.holder_user_id(engine, own))
    pages["custody"] = holder.get("/portefeuille/accompagnement").text
    pages["wrong share"] = _form(holder, "/portefeuille/partager/apercu", {"expires": "7d"}).text
    pages["withdrawn"] = _form(holder, f"/portefeuille/partages/{share_id}/retirer").text
    gone = visitor.get(link)
    assert gone.status_code == 410
    pages["gone"] = gone.text
    return pages


def test_french_wallet_pages_have_no_english_left(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    app = _app(wctx)
    holder, visitor = TestClient(app, base_url=BASE), TestClient(app, base_url=BASE)
    _claim(holder, ictx, btp_achievements["pla1"])
    pages = _journey(holder, visitor, ictx, btp_achievements["secu"])
    problems = {
        name: structure_problems(html) + english_words(html)
        for name, html in pages.items()
        if structure_problems(html) + english_words(html)
    }
    assert problems == {}
    assert "Bonjour Samir. Vous avez 2 badges." in pages["home"]


def test_english_wallet_pages_are_in_english(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    app = _app(wctx)
    holder, visitor = TestClient(app, base_url=BASE), TestClient(app, base_url=BASE)
    _claim(holder, ictx, btp_achievements["pla1"])
    holder.cookies.set("atouts_lang", "en")
    visitor.cookies.set("atouts_lang", "en")
    pages = _journey(holder, visitor, ictx, btp_achievements["secu"])
    problems = {
        name: structure_problems(html, lang="en") + _french_words(html)
        for name, html in pages.items()
        if structure_problems(html, lang="en") + _french_words(html)
    }
    assert problems == {}
    assert "Hello Samir. You have 2 badges." in pages["home"]
    assert "Authentic badge" in pages["badge"]
    assert "What this badge proves" in pages["badge"]
    assert "Choose at least one badge to show." in pages["wrong share"]
    assert "This link no longer shows anything" in pages["gone"]
    assert "The link is taken back. It shows nothing anymore." in pages["withdrawn"]
    assert "Your badges do not end with the link." in pages["preview"]


def test_badge_text_in_a_right_to_left_script_is_marked_dir_auto(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    holder = TestClient(_app(wctx), base_url=BASE)
    _claim(holder, ictx, btp_achievements["secu"])
    name, description = "سلامة في الموقع", "يعرف قواعد السلامة في موقع البناء."
    with session_scope(wctx.engine) as session:
        item = session.exec(select(WalletItem)).one()
        item.summary = {**item.summary, "name": name, "description": description}
        session.add(item)
        item_id = item.id
    for html in (
        holder.get("/portefeuille").text,
        holder.get(f"/portefeuille/badges/{item_id}").text,
        holder.get(f"/portefeuille/partager?badge={item_id}").text,
    ):
        assert re.search(rf'<(h1|h3|span)[^>]* dir="auto"[^>]*>{name}<', html), html
    badge = holder.get(f"/portefeuille/badges/{item_id}").text
    assert re.search(rf'<p dir="auto">{description}</p>', badge)
    # the page itself stays left to right, French: only the badge's words turn around
    assert '<html lang="fr">' in badge


def test_the_wallet_api_explains_a_refusal_in_the_callers_language(wctx: WalletContext) -> None:
    client = TestClient(_app(wctx), base_url=BASE)
    french = client.get("/api/wallet")
    english = client.get("/api/wallet", headers={"accept-language": "en"})
    assert french.status_code == english.status_code == 401
    assert french.json()["code"] == english.json()["code"] == "not_signed_in"
    assert french.json()["detail"] == "Ouvrez d'abord votre portefeuille."
    assert english.json()["detail"] == "Open your wallet first."
