"""Issue 6, "What must hold", over HTTP with the whole application: a share link carries at least
128 random bits and only its hash is stored; once withdrawn or expired it answers 410 with a
plain page and reveals nothing (the same answer as a link that never existed, on the page, the
print view, the badge download and the JSON API); one holder can neither read, withdraw nor
reuse another holder's share. Both databases."""

from __future__ import annotations

import base64
import re

from fastapi.testclient import TestClient
from sqlmodel import select

from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import Share, ShareItem
from tests.api.test_wallet_routes import _app, _claim, _form
from tests.wallet import fixtures
from tests.wallet.fixtures import BASE, Clock
from wallet.context import WalletContext

btp_achievements = fixtures.btp_achievements
clock = fixtures.clock
engine = fixtures.engine
graph = fixtures.graph
ictx = fixtures.ictx
wctx = fixtures.wctx

NEVER = "A" * 22  # a well-formed token no share ever had


def _share(holder: TestClient, days: str = "7d") -> tuple[str, str, str, str]:
    """(link, token, share id, badge id) of a new share of the holder's first badge."""
    item_id = holder.get("/api/wallet").json()["badges"][0]["id"]
    created = holder.post(
        "/api/wallet/shares",
        json={"badges": [item_id], "audience": "Entreprise Exemple", "expires": days},
    )
    assert created.status_code == 201
    link = created.json()["url"]
    return link, link.rsplit("/", 1)[1], created.json()["id"], item_id


def _answers(visitor: TestClient, token: str, item_id: str) -> list[tuple[int, str]]:
    """Everything a visitor can ask about a token, the token itself blanked out."""
    paths = [f"/p/{token}", f"/p/{token}/imprimer", f"/p/{token}/badges/{item_id}"]
    answers = [visitor.get(path) for path in paths] + [visitor.get(f"/api/shares/{token}")]
    return [(r.status_code, r.text.replace(token, "TOKEN")) for r in answers]


def test_a_share_token_carries_128_random_bits_and_only_its_hash_is_stored(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    holder = TestClient(_app(wctx), base_url=BASE)
    _claim(holder, ictx, btp_achievements["secu"])
    tokens = {_share(holder)[1] for _ in range(3)}
    assert len(tokens) == 3
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", token)
        assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) >= 16
    with session_scope(wctx.engine, write=False) as session:
        stored = " ".join(str(s.model_dump()) for s in session.exec(select(Share)).all())
    assert all(token not in stored for token in tokens)


def test_a_withdrawn_link_reveals_nothing_more_than_a_link_that_never_existed(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    app = _app(wctx)
    holder, visitor = TestClient(app, base_url=BASE), TestClient(app, base_url=BASE)
    _claim(holder, ictx, btp_achievements["secu"])
    link, token, share_id, item_id = _share(holder)
    assert visitor.get(link).status_code == 200
    assert visitor.get(f"/p/{token}/badges/{item_id}").status_code == 200
    _form(holder, f"/portefeuille/partages/{share_id}/retirer")
    withdrawn = _answers(visitor, token, item_id)
    assert [status for status, _text in withdrawn] == [410, 410, 410, 410]
    assert withdrawn == _answers(visitor, NEVER, item_id)
    page = withdrawn[0][1]
    assert "Ce lien ne montre plus rien" in page
    for secret in ("Samir", "Entreprise Exemple", "CFA Exemple", "Sécurité"):
        assert all(secret not in text for _status, text in withdrawn), secret
    with session_scope(wctx.engine, write=False) as session:  # withdrawal is a hard delete
        assert session.get(Share, share_id) is None
        assert session.exec(select(ShareItem).where(ShareItem.share_id == share_id)).all() == []


def test_an_expired_link_answers_410_with_the_same_plain_page(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str], clock: Clock
) -> None:
    app = _app(wctx)
    holder, visitor = TestClient(app, base_url=BASE), TestClient(app, base_url=BASE)
    _claim(holder, ictx, btp_achievements["secu"])
    link, token, _share_id, item_id = _share(holder, "7d")
    clock.advance(days=7, seconds=-1)
    still = visitor.get(link)
    assert still.status_code == 200
    assert "Badge authentique" in still.text
    clock.advance(seconds=2)
    expired = _answers(visitor, token, item_id)
    assert [status for status, _text in expired] == [410, 410, 410, 410]
    assert expired == _answers(visitor, NEVER, item_id)
    assert "Ce lien ne montre plus rien" in expired[0][1]
    assert "Samir" not in expired[0][1]
    # the holder still has the badge: it does not expire with the link
    assert holder.get("/api/wallet").json()["badges"][0]["verdict"] == "verified"


def test_one_holder_can_never_read_withdraw_or_reuse_another_holders_share(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    app = _app(wctx)
    alice, bob = TestClient(app, base_url=BASE), TestClient(app, base_url=BASE)
    _claim(alice, ictx, btp_achievements["secu"])
    _claim(bob, ictx, btp_achievements["pla1"])
    link, _token, share_id, alice_item = _share(alice)
    refused = [
        bob.get(f"/api/wallet/shares/{share_id}/accesses"),
        bob.delete(f"/api/wallet/shares/{share_id}"),
        bob.get(f"/portefeuille/partages/{share_id}"),
        _form(bob, f"/portefeuille/partages/{share_id}/retirer"),
        bob.get(f"/api/wallet/badges/{alice_item}"),
        bob.get(f"/portefeuille/badges/{alice_item}"),
        bob.get(f"/portefeuille/badges/{alice_item}/fichier"),
        bob.post("/api/wallet/shares", json={"badges": [alice_item]}),
        _form(bob, "/portefeuille/partager", {"badge": [alice_item], "expires": "7d"}),
    ]
    assert all(r.status_code == 404 for r in refused), [r.status_code for r in refused]
    assert all("Entreprise Exemple" not in r.text for r in refused)
    assert bob.get("/api/wallet/shares").json() == []
    assert "Entreprise Exemple" not in bob.get("/portefeuille").text
    assert alice.get(link).status_code == 200  # untouched
    assert [s["id"] for s in alice.get("/api/wallet/shares").json()] == [share_id]
