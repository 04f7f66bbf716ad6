"""Imports of the baked and JSON fixtures in ../shared/standards land with the verifier's verdict,
their exact bytes kept (issue 6, "What must hold"). Skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.pipeline import verify
from wallet.context import WalletContext, WalletError
from wallet.holders import open_wallet
from wallet.items import ImportOutcome, import_badge
from wallet.payloads import payload_of

FIXTURES = [
    "1edtech-validator/ob30/simple-json.png",
    "1edtech-validator/ob30/simple-json.svg",
    "1edtech-validator/ob30/simple-jwt.png",
    "1edtech-validator/ob30/simple-jwt.svg",
    "1edtech-validator/ob30/complete.json",
    "1edtech-validator/ob30/credential-status-revoked.json",
    "1edtech-validator/ob20/simple-badge.png",
    "1edtech-validator/ob20/basic-assertion.json",
    "1edtech-validator/ob20/simple.jwt",
    "openbadges-3.0/test-vectors/obv3p0/signed-credential.json",
]


@pytest.mark.parametrize("relative", FIXTURES)
def test_shared_fixture_lands_in_the_wallet_with_the_verifiers_verdict(
    relative: str, shared: Path, wctx: WalletContext
) -> None:
    path = shared / "standards" / relative
    if not path.exists():
        pytest.skip(f"{relative} is not in this copy of ../shared")
    data = path.read_bytes()
    expected = verify(data, options=wctx.verify_options())
    holder = open_wallet(wctx, display_name="Lina")
    result = import_badge(wctx, holder.id, data)
    assert result.outcome == ImportOutcome.ADDED
    assert result.item.original_bytes == data
    assert result.item.verdict == str(expected.verdict)
    assert result.item.verification_report["verdict"] == str(expected.verdict)
    assert [c["check"] for c in result.item.verification_report["checks"]] == [
        str(c.check) for c in expected.checks
    ]
    assert result.item.summary["name"] or result.item.summary["issuer_id"]
    if relative.endswith((".png", ".svg")):
        assert payload_of(result.item).text  # the baked credential can be read back
    again = import_badge(wctx, holder.id, data)
    assert again.outcome == ImportOutcome.DUPLICATE


def _every_baked_and_json_fixture() -> list[str]:
    """Every credential fixture of the 1EdTech validator (OB 3.0, OB 2.0, the negative ones):
    baked PNG/SVG, JSON and JWT files."""
    from tests.conftest import SHARED

    roots = ["1edtech-validator/ob30", "1edtech-validator/ob20", "negative/1edtech-validator"]
    found = []
    for root in roots:
        folder = SHARED / "standards" / root
        if folder.is_dir():
            found += [
                str(p.relative_to(SHARED / "standards"))
                for p in sorted(folder.iterdir())
                if p.suffix in (".png", ".svg", ".json", ".jwt") and p.is_file()
            ]
    return found or ["(../shared absent)"]


@pytest.mark.parametrize("relative", _every_baked_and_json_fixture())
def test_every_validator_fixture_lands_with_the_verifiers_verdict_or_is_refused_plainly(
    relative: str, shared: Path, wctx: WalletContext
) -> None:
    path = shared / "standards" / relative
    if not path.is_file():
        pytest.skip(f"{relative} is not in this copy of ../shared")
    data = path.read_bytes()
    expected = verify(data, options=wctx.verify_options())
    holder = open_wallet(wctx, display_name="Lina")
    if expected.credential is None or expected.input_kind in ("url", "presentation"):
        with pytest.raises(WalletError) as refused:  # nothing the verifier could read: plainly
            import_badge(wctx, holder.id, data)
        assert refused.value.code.startswith(("import_", "badge_")), refused.value.code
        return
    result = import_badge(wctx, holder.id, data)
    assert result.item.original_bytes == data
    assert result.item.verdict == str(expected.verdict)
    assert result.item.verification_report["verdict"] == str(expected.verdict)
