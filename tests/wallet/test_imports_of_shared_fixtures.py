"""Imports of the baked and JSON fixtures in ../shared/standards land with the verifier's verdict,
their exact bytes kept (issue 6, "What must hold"). Skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from verifier.pipeline import verify
from wallet.context import WalletContext
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
