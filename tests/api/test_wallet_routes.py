"""The wallet over HTTP (issue 6, "What must hold"): a badge issued with a claim code is claimed
into a new wallet with no e-mail, shared with an employer for 7 days, the link shows "verified",
then answers 410 with a plain page after withdrawal, and after expiry (clock injected). Plus the
JSON API, per-holder isolation, OpenID4VCI offer, presentations and erasure. Both databases."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import RateLimiter
from api.settings import Settings
from issuer.context import IssuerContext
from tests.api.webapp_fixtures import csrf_of
from tests.wallet import fixtures
from tests.wallet.fixtures import (
    BASE,
    Clock,
    holder_user_id,
    issue_with_claim_code,
    make_counsellor,
)
from verifier import VerifyOptions, verify
from wallet.context import WalletContext

btp_achievements = fixtures.btp_achievements
clock = fixtures.clock
engine = fixtures.engine
graph = fixtures.graph
ictx = fixtures.ictx
wctx = fixtures.wctx


def _app(ctx: WalletContext) -> FastAPI:
    """The whole application (security headers, CSRF, languages) with the test's wallet
    context (its clock and database)."""
    app = create_app(
        Settings(base_url=BASE), engine=ctx.engine, clock=ctx.clock, rate_limiter=RateLimiter([])
    )
    app.state.wallet_ctx = ctx
    return app


def _form(client: TestClient, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
    """Post a form the way a browser does: with the CSRF field of a page of the site."""
    token = client.cookies.get("atouts_csrf") or csrf_of(client.get("/reclamer").text)
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kw)


@pytest.fixture
def client(wctx: WalletContext) -> TestClient:
    return TestClient(_app(wctx), base_url=BASE)


def _claim(client: TestClient, ictx: IssuerContext, achievement_id: str) -> str:
    issued = issue_with_claim_code(ictx, achievement_id)
    page = client.get(f"/reclamer/{issued.claim_code}")
    assert page.status_code == 200
    assert issued.claim_code in page.text  # the claim link fills the form; GET never redeems
    done = _form(client, "/reclamer", {"code": issued.claim_code, "display_name": "Samir"})
    assert done.status_code == 200, done.text
    assert "Votre badge est arrivé" in done.text
    assert "Votre code" in done.text  # personal link + code to come back, no e-mail needed
    return issued.signed_text


def test_claim_share_verified_withdraw_gone(
    client: TestClient, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    _claim(client, ictx, btp_achievements["secu"])
    home = client.get("/portefeuille")
    assert home.status_code == 200
    assert "Bonjour Samir" in home.text
    item_id = re.search(r"/portefeuille/badges/([0-9a-f-]{36})", home.text).group(1)  # type: ignore[union-attr]

    badge = client.get(f"/portefeuille/badges/{item_id}")
    assert "Badge authentique" in badge.text
    assert "Ce que ce badge prouve" in badge.text
    assert badge.text.count("<h1") == 1

    choice = {"badge": [item_id], "audience": "Entreprise Exemple Maçonnerie", "expires": "7d"}
    preview = _form(client, "/portefeuille/partager/apercu", choice)
    assert preview.status_code == 200
    assert "Ce que l'entreprise verra" in preview.text
    assert "CFA Exemple du Bâtiment" in preview.text  # each issuer's name is shown
    assert "n'expirent pas avec le lien" in preview.text

    created = _form(client, "/portefeuille/partager", choice)
    assert created.status_code == 200
    link = re.search(rf"{re.escape(BASE)}/p/[A-Za-z0-9_-]+", created.text).group(0)  # type: ignore[union-attr]
    assert "<svg" in created.text  # QR code
    linkedin = re.search(r'href="(https://www.linkedin.com/profile/add\?[^"]+)"', created.text)
    assert linkedin is not None
    params = parse_qs(urlsplit(linkedin.group(1).replace("&amp;", "&")).query)
    cert_url = params["certUrl"][0]  # the lasting verification page of a badge issued here
    assert cert_url.startswith(f"{BASE}/verifier?url=")
    assert unquote(cert_url.split("url=", 1)[1]).startswith(f"{BASE}/credentials/")
    assert params["organizationName"] == ["CFA Exemple du Bâtiment"]

    employer = TestClient(client.app, base_url=BASE)  # another browser, not signed in
    page = employer.get(link)
    assert page.status_code == 200
    assert "Badge authentique" in page.text
    assert 'property="og:title"' in page.text
    assert "Samir" in page.text
    assert employer.get(f"{link}/imprimer").status_code == 200

    share_id = re.search(r"/portefeuille/partages/([0-9a-f-]{36})", created.text).group(1)  # type: ignore[union-attr]
    log = client.get(f"/portefeuille/partages/{share_id}")
    assert "ouvert" in log.text
    assert "imprimé" in log.text

    withdrawn = _form(client, f"/portefeuille/partages/{share_id}/retirer", follow_redirects=False)
    assert withdrawn.status_code == 303
    gone = employer.get(link)
    assert gone.status_code == 410
    assert "Ce lien ne montre plus rien" in gone.text
    assert "Samir" not in gone.text
    assert "CFA Exemple" not in gone.text


def test_share_link_answers_410_after_expiry(
    client: TestClient, ictx: IssuerContext, btp_achievements: dict[str, str], clock: Clock
) -> None:
    _claim(client, ictx, btp_achievements["secu"])
    item_id = client.get("/api/wallet").json()["badges"][0]["id"]
    created = client.post(
        "/api/wallet/shares", json={"badges": [item_id], "audience": "Entreprise", "expires": "7d"}
    )
    assert created.status_code == 201
    link = created.json()["url"]
    employer = TestClient(client.app, base_url=BASE)
    assert employer.get(link).status_code == 200
    shared = employer.get(f"/api/shares/{link.rsplit('/', 1)[1]}").json()
    assert [b["verdict"] for b in shared["badges"]] == ["verified"]
    clock.advance(days=7, seconds=1)
    assert employer.get(link).status_code == 410
    assert employer.get(f"/api/shares/{link.rsplit('/', 1)[1]}").json()["code"] == "share_gone"


def test_one_holder_cannot_read_or_withdraw_anothers_share_over_http(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    app = _app(wctx)
    alice, bob = TestClient(app, base_url=BASE), TestClient(app, base_url=BASE)
    _claim(alice, ictx, btp_achievements["secu"])
    _claim(bob, ictx, btp_achievements["pla1"])
    alice_item = alice.get("/api/wallet").json()["badges"][0]["id"]
    share = alice.post("/api/wallet/shares", json={"badges": [alice_item]}).json()
    assert bob.get(f"/api/wallet/badges/{alice_item}").status_code == 404
    assert bob.get(f"/api/wallet/shares/{share['id']}/accesses").status_code == 404
    assert bob.delete(f"/api/wallet/shares/{share['id']}").status_code == 404
    assert bob.post("/api/wallet/shares", json={"badges": [alice_item]}).status_code == 404
    assert bob.get(f"/portefeuille/partages/{share['id']}").status_code == 404
    assert [s["id"] for s in bob.get("/api/wallet/shares").json()] == []
    assert TestClient(app, base_url=BASE).get("/api/wallet").status_code == 401
    assert alice.get(share["url"]).status_code == 200  # untouched


def test_a_program_acts_with_the_wallet_session_as_bearer_and_other_roles_are_refused(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    """The wallet API declares its roles (beneficiary, counsellor) and still takes the wallet
    session as ``Authorization: Bearer``, as the module says programs may."""
    app = _app(wctx)
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    claimed = TestClient(app, base_url=BASE).post(
        "/api/wallet/claim", json={"code": issued.claim_code, "display_name": "Samir"}
    )
    assert claimed.status_code == 201, claimed.text
    program = TestClient(app, base_url=BASE)
    bearer = {"Authorization": f"Bearer {claimed.json()['session']}"}
    mine = program.get("/api/wallet", headers=bearer)
    assert mine.status_code == 200, mine.text
    badge = mine.json()["badges"][0]["id"]
    shared = program.post("/api/wallet/shares", json={"badges": [badge]}, headers=bearer)
    assert shared.status_code == 201, shared.text
    unknown = program.get("/api/wallet", headers={"Authorization": "Bearer nothing-like-it"})
    assert unknown.status_code == 401
    assert program.get("/api/wallet").json()["code"] == "not_signed_in"


def test_import_export_offer_presentation_and_erasure_through_the_api(
    client: TestClient, ictx: IssuerContext, btp_achievements: dict[str, str], wctx: WalletContext
) -> None:
    signed_text = _claim(client, ictx, btp_achievements["secu"])
    other = issue_with_claim_code(ictx, btp_achievements["pla1"])
    imported = client.post("/api/wallet/badges", content=other.signed_text.encode())
    assert imported.status_code == 201
    assert imported.json()["verdict"] == "verified"
    again = client.post("/api/wallet/badges", content=other.signed_text.encode())
    assert again.json()["outcome"] == "duplicate"
    junk = client.post("/api/wallet/badges", content=b"hello")
    assert junk.status_code == 422
    assert junk.json()["code"] == "import_not_a_badge"

    wallet = client.get("/api/wallet").json()
    assert len(wallet["badges"]) == 2
    assert any("acquis" in line for g in wallet["referentials"] for line in g["progress"])

    archive = client.get("/api/wallet/export")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as opened:
        originals = {opened.read(n) for n in opened.namelist() if n.startswith("badges/")}
    assert signed_text.encode() in originals

    # OpenID4VCI pre-authorized code: offer -> token -> the exact credential, once
    item_id = wallet["badges"][0]["id"]
    offer = client.post("/api/wallet/offers", json={"badge": item_id}).json()
    assert offer["credential_offer_uri"].startswith("openid-credential-offer://?credential_offer=")
    assert '"credential_issuer"' in unquote(offer["credential_offer_uri"])
    metadata = client.get("/.well-known/openid-credential-issuer").json()
    assert metadata["credential_endpoint"] == f"{BASE}/oid4vci/credential"
    code = offer["credential_offer"]["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]["pre-authorized_code"]
    grant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    wrong = client.post(
        "/oid4vci/token",
        data={
            "grant_type": grant,
            "pre-authorized_code": code,
            "tx_code": "000000" if offer["tx_code"] != "000000" else "111111",
        },
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_grant"
    token = client.post(
        "/oid4vci/token",
        data={"grant_type": grant, "pre-authorized_code": code, "tx_code": offer["tx_code"]},
    )
    assert token.status_code == 200, token.text
    access = token.json()["access_token"]
    credential = client.post(
        "/oid4vci/credential",
        json={"credential_configuration_id": "OpenBadgeCredential_ldp_vc"},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert credential.status_code == 200, credential.text
    delivered = credential.json()["credentials"][0]["credential"]
    assert verify(delivered, options=wctx.verify_options()).verdict == "verified"
    replay = client.post(
        "/oid4vci/credential", json={}, headers={"Authorization": f"Bearer {access}"}
    )
    assert replay.status_code == 401

    # presentation on request, only with consent, verifiable with challenge and domain
    request = {"badges": [item_id], "challenge": "c-123", "domain": "recrutement.example"}
    refused = client.post("/api/wallet/presentations", json=request)
    assert refused.status_code == 403
    assert client.put("/api/wallet/consents/presentation").status_code == 204
    presentation = client.post("/api/wallet/presentations", json=request).json()
    options = wctx.verify_options(expected_challenge="c-123", expected_domain="recrutement.example")
    assert verify(presentation, options=options).verdict == "verified"
    replayed = VerifyOptions(
        now=wctx.now(),
        fetcher=wctx.fetcher,
        expected_challenge="other",
        expected_domain="recrutement.example",
    )
    assert verify(presentation, options=replayed).verdict == "not_verified"

    # erasure after a plain confirmation: shares go, the issuer's record stays
    share = client.post("/api/wallet/shares", json={"badges": [item_id]}).json()
    assert client.request("DELETE", "/api/wallet", json={"confirmation": "oui"}).status_code == 422
    assert (
        client.request("DELETE", "/api/wallet", json={"confirmation": "SUPPRIMER"}).status_code
        == 204
    )
    assert TestClient(client.app, base_url=BASE).get(share["url"]).status_code == 410
    from issuer.service import get_credential

    assert get_credential(ictx, other.row_id).signed_text == other.signed_text


def test_counsellor_opens_a_wallet_in_custody_acts_for_it_and_hands_it_over(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    app = _app(wctx)
    counsellor = TestClient(app, base_url=BASE)
    _claim(counsellor, ictx, btp_achievements["secu"])  # the counsellor has a session
    own = counsellor.get("/api/wallet").json()["id"]
    refused_member = counsellor.post(
        "/api/wallet/custody", json={"display_name": "Yonas", "consent": True}
    )
    assert refused_member.status_code == 403  # not a counsellor of a structure yet
    make_counsellor(wctx.engine, holder_user_id(wctx.engine, own))
    refused = counsellor.post(
        "/api/wallet/custody", json={"display_name": "Yonas", "consent": False}
    )
    assert refused.status_code == 422
    kept = counsellor.post(
        "/api/wallet/custody", json={"display_name": "Yonas", "consent": True}
    ).json()
    issued = issue_with_claim_code(ictx, btp_achievements["pla1"])
    claimed = counsellor.post(
        f"/api/wallet/claim?wallet={kept['wallet']}", json={"code": issued.claim_code}
    )
    assert claimed.status_code == 201
    in_custody = counsellor.get(f"/api/wallet?wallet={kept['wallet']}").json()
    assert in_custody["custody"] is not None
    assert in_custody["display_name"] == "Yonas"
    assert [b["name"] for b in in_custody["badges"]] == [claimed.json()["badge"]["name"]]
    assert len(counsellor.get("/api/wallet").json()["badges"]) == 1  # their own: unchanged
    stranger = TestClient(app, base_url=BASE)
    _claim(stranger, ictx, btp_achievements["secu"])
    assert stranger.get(f"/api/wallet?wallet={kept['wallet']}").status_code == 404
    handed = counsellor.post(
        "/api/wallet/custody/hand-over", json={"wallet": kept["wallet"], "display_name": "Yonas"}
    ).json()
    beneficiary = TestClient(app, base_url=BASE)
    token = handed["personal_link"].rsplit("/", 1)[1]
    opened = _form(
        beneficiary,
        f"/portefeuille/lien/{token}",
        {"code": handed["personal_code"]},
        follow_redirects=False,
    )
    assert opened.status_code == 303
    mine = beneficiary.get("/api/wallet").json()
    assert mine["id"] == kept["wallet"]
    assert mine["custody"] is None
    assert counsellor.get(f"/api/wallet?wallet={kept['wallet']}").status_code == 404


def test_a_magic_link_opened_by_a_mail_scanner_is_not_spent(wctx: WalletContext) -> None:
    from wallet.access import request_magic_link
    from wallet.holders import open_wallet
    from wallet.outbox import MemorySender, deliver_pending

    open_wallet(wctx, display_name="Awa", email="awa@example.org")
    request_magic_link(wctx, "awa@example.org")
    sender = MemorySender()
    deliver_pending(wctx.engine, sender, now=wctx.now())
    link = sender.sent[0]["body"].split()[sender.sent[0]["body"].split().index("lien") + 2]
    path = urlsplit(link).path
    app = _app(wctx)
    scanner = TestClient(app, base_url=BASE)
    assert scanner.get(path).status_code == 200  # shows a button, spends nothing
    assert scanner.get(path).status_code == 200
    person = TestClient(app, base_url=BASE)
    opened = _form(person, path, follow_redirects=False)
    assert opened.status_code == 303
    assert person.get("/api/wallet").json()["display_name"] == "Awa"
    assert _form(TestClient(app, base_url=BASE), path).status_code == 410


def test_a_counsellor_uses_the_pages_to_open_act_for_and_hand_over_a_wallet(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    app = _app(wctx)
    counsellor = TestClient(app, base_url=BASE)
    _claim(counsellor, ictx, btp_achievements["secu"])
    own = counsellor.get("/api/wallet").json()["id"]
    make_counsellor(wctx.engine, holder_user_id(wctx.engine, own))
    page = counsellor.get("/portefeuille/accompagnement")
    assert "Elle doit être d'accord" in page.text
    refused = _form(counsellor, "/portefeuille/accompagnement", {"display_name": "Yonas"})
    assert "d'accord" in refused.text
    opened = _form(
        counsellor, "/portefeuille/accompagnement", {"display_name": "Yonas", "consent": "oui"}
    )
    wallet_id = re.search(r"/portefeuille/accompagnement/([0-9a-f-]{36})/agir", opened.text).group(
        1
    )  # type: ignore[union-attr]
    acting = _form(counsellor, f"/portefeuille/accompagnement/{wallet_id}/agir")
    assert "Bonjour Yonas" in acting.text
    assert "Votre conseiller garde ce portefeuille" in acting.text
    issued = issue_with_claim_code(ictx, btp_achievements["pla1"])
    _form(counsellor, "/reclamer", {"code": issued.claim_code})
    assert "Monter des cloisons" in counsellor.get("/portefeuille").text  # into Yonas's wallet
    handed = _form(
        counsellor, f"/portefeuille/accompagnement/{wallet_id}/rendre", {"display_name": "Yonas"}
    )
    assert "À donner à Yonas" in handed.text
    assert "Bonjour Samir" in counsellor.get("/portefeuille").text  # back to their own wallet
    code = re.search(r'<span class="code">(\d{6})</span>', handed.text).group(1)  # type: ignore[union-attr]
    link = re.search(r'href="([^"]+/portefeuille/lien/[^"]+)"', handed.text).group(1)  # type: ignore[union-attr]
    yonas = TestClient(app, base_url=BASE)
    _form(yonas, urlsplit(link).path, {"code": code})
    home = yonas.get("/portefeuille").text
    assert "Bonjour Yonas" in home
    assert "Votre conseiller garde" not in home


def test_claims_sign_ins_shares_and_erasure_are_audited_without_personal_data(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    from sqlmodel import select

    from storage.engine import session_scope
    from storage.tables import AuditEvent, OutboxMessage
    from wallet.access import request_magic_link

    app = _app(wctx)
    holder = TestClient(app, base_url=BASE)
    _claim(holder, ictx, btp_achievements["secu"])
    item_id = holder.get("/api/wallet").json()["badges"][0]["id"]
    _form(holder, "/portefeuille/partager", {"badge": [item_id], "expires": "7d"})
    _form(TestClient(app, base_url=BASE), "/portefeuille/lien/not-a-token", {"code": "123456"})
    # an e-mail queued for this holder must go with the wallet
    with session_scope(wctx.engine) as session:
        session.add(
            OutboxMessage(
                channel="email",
                recipient="samir@example.org",
                subject="x",
                body="x",
                available_at=wctx.now(),
            )
        )
    from storage.tables import User

    with session_scope(wctx.engine) as session:
        user = session.exec(select(User)).first()
        assert user is not None
        user.email = "samir@example.org"
        session.add(user)
    request_magic_link(wctx, "samir@example.org")
    _form(holder, "/portefeuille/supprimer", {"confirmation": "SUPPRIMER"})
    with session_scope(wctx.engine, write=False) as session:
        events = session.exec(select(AuditEvent)).all()
        pending = session.exec(select(OutboxMessage)).all()
    actions = [e.action for e in events]
    assert "claim.redeemed" in actions
    assert "share.created" in actions
    assert "sign_in.refused" in actions
    assert "wallet.erased" in actions
    text = str([(e.actor, e.object_id, e.details) for e in events])
    assert "Samir" not in text
    assert "samir@example.org" not in text
    assert pending == []


def test_a_messaging_app_drawing_a_preview_is_not_logged_as_an_opening(
    client: TestClient, ictx: IssuerContext, btp_achievements: dict[str, str]
) -> None:
    _claim(client, ictx, btp_achievements["secu"])
    item_id = client.get("/api/wallet").json()["badges"][0]["id"]
    share = client.post("/api/wallet/shares", json={"badges": [item_id]}).json()
    bot = TestClient(client.app, base_url=BASE, headers={"User-Agent": "WhatsApp/2.23.20.0"})
    preview = bot.get(share["url"])
    assert preview.status_code == 200
    assert 'property="og:title"' in preview.text
    assert client.get(f"/api/wallet/shares/{share['id']}/accesses").json() == []
    TestClient(client.app, base_url=BASE).get(share["url"])  # a person
    assert len(client.get(f"/api/wallet/shares/{share['id']}/accesses").json()) == 1
