"""``atouts wallet`` import / list / share / unshare / export against a real database."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from cli.main import main
from issuer.context import IssuerContext
from tests.wallet import fixtures
from tests.wallet.fixtures import BASE, issue_with_claim_code
from wallet.context import WalletContext
from wallet.shares import ShareGoneError, open_share, token_from_link

# The wallet fixtures, made visible to this module.
btp_achievements = fixtures.btp_achievements
clock = fixtures.clock
engine = fixtures.engine
graph = fixtures.graph
ictx = fixtures.ictx
wctx = fixtures.wctx


@pytest.fixture
def environment(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOUTS_DATABASE_URL", db_url)
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATOUTS_BASE_URL", BASE)


def test_import_list_share_unshare_export_from_the_command_line(
    environment: None,
    tmp_path: Path,
    ictx: IssuerContext,
    wctx: WalletContext,
    btp_achievements: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    badge = tmp_path / "badge.json"
    badge.write_text(issued.signed_text, encoding="utf-8")

    assert main(["wallet", "import", str(badge), "--holder", "Lina", "--json"]) == 0
    imported = json.loads(capsys.readouterr().out)
    assert imported["imports"][0]["outcome"] == "added"
    assert imported["imports"][0]["verdict"] == "verified"
    item_id = imported["imports"][0]["id"]

    assert main(["wallet", "import", str(badge), "--holder", "Lina"]) == 0
    assert "déjà là" in capsys.readouterr().out

    assert main(["wallet", "list", "--holder", "Lina", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [b["id"] for b in listed["badges"]] == [item_id]
    assert listed["referentials"][0]["badges"] == [item_id]

    assert main(["wallet", "share", "--holder", "Lina", "--badges", item_id,
                 "--audience", "Entreprise Exemple", "--expires", "7d"]) == 0  # fmt: skip
    link = capsys.readouterr().out.strip()
    assert link.startswith(f"{BASE}/p/")
    assert open_share(wctx, token_from_link(link)).badges[0].report.verdict == "verified"

    assert main(["wallet", "unshare", link]) == 0
    with pytest.raises(ShareGoneError):
        open_share(wctx, token_from_link(link))
    assert main(["wallet", "unshare", link]) == 1

    archive = tmp_path / "badges.zip"
    assert main(["wallet", "export", "--holder", "Lina", "-o", str(archive)]) == 0
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        original = next(n for n in names if n.startswith("badges/"))
        assert opened.read(original) == issued.signed_text.encode()
        assert any(n.startswith("images/") and n.endswith(".svg") for n in names)
        assert "LISEZMOI.txt" in names


def test_unknown_holder_is_refused_with_a_plain_message(
    environment: None, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["wallet", "list", "--holder", "personne"]) == 1
    assert "Aucun portefeuille" in capsys.readouterr().err


def test_a_presentation_signed_for_the_holder_verifies_with_atouts_verify(
    tmp_path: Path,
    ictx: IssuerContext,
    wctx: WalletContext,
    btp_achievements: dict[str, str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sqlmodel import select

    from storage.engine import session_scope
    from storage.tables import StatusList
    from wallet.claims import redeem_claim
    from wallet.presentations import grant_presentation_consent, sign_presentation

    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    claimed = redeem_claim(wctx, issued.claim_code or "", display_name="Samir")
    grant_presentation_consent(wctx, claimed.wallet_id)
    presentation = sign_presentation(
        wctx,
        claimed.wallet_id,
        [claimed.imported.item.id],
        challenge="c-42",
        domain="recrutement.example",
    )
    vp = tmp_path / "presentation.json"
    vp.write_text(json.dumps(presentation), encoding="utf-8")
    maps: list[str] = []
    with session_scope(wctx.engine, write=False) as session:
        for row in session.exec(select(StatusList)).all():
            if row.url and row.published_text:
                path = tmp_path / f"{row.id}.json"
                path.write_text(row.published_text, encoding="utf-8")
                maps += ["--map", f"{row.url}={path}"]
    at = ["--at", wctx.now().isoformat()]
    verify = ["verify", str(vp), "--offline", *maps, *at]
    assert main([*verify, "--challenge", "c-42", "--domain", "recrutement.example"]) == 0
    capsys.readouterr()
    assert main([*verify, "--challenge", "replayed", "--domain", "recrutement.example"]) == 1


def test_atouts_outbox_send_delivers_queued_magic_links_to_files(
    environment: None, tmp_path: Path, wctx: WalletContext, capsys: pytest.CaptureFixture[str]
) -> None:
    from wallet.access import request_magic_link
    from wallet.holders import open_wallet

    open_wallet(wctx, display_name="Awa", email="awa@example.org")
    request_magic_link(wctx, "awa@example.org")
    folder = tmp_path / "mails"
    assert main(["outbox", "send", "--via", "file", "--dir", str(folder)]) == 0
    files = list(folder.glob("*.eml"))
    assert len(files) == 1
    assert b"/portefeuille/entrer/" in files[0].read_bytes()
    assert main(["outbox", "send", "--via", "file", "--dir", str(folder)]) == 0
    assert len(list(folder.glob("*.eml"))) == 1  # sent once
