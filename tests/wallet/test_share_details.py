"""Share details: durations said plainly, LinkedIn URL encoding, link parsing, token strength,
claim expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from issuer.context import IssuerContext
from storage.engine import session_scope
from storage.tables import Claim
from tests.wallet.fixtures import Clock, issue_with_claim_code
from wallet.claims import normalise_claim_code, redeem_claim
from wallet.context import WalletContext, WalletError
from wallet.shares import linkedin_url, parse_duration, token_from_link
from wallet.tokens import new_token


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, timedelta(days=30)),
        ("7d", timedelta(days=7)),
        ("7 jours", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
        ("2 semaines", timedelta(weeks=2)),
        ("12h", timedelta(hours=12)),
        ("90", timedelta(days=90)),
    ],
)
def test_durations_are_read_in_french_and_english(text: str | None, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["0d", "400d", "demain", "-3d"])
def test_unreadable_or_too_long_durations_are_refused(text: str) -> None:
    with pytest.raises(WalletError) as error:
        parse_duration(text)
    assert error.value.code == "share_duration_invalid"


def test_linkedin_url_encodes_every_value_and_points_at_the_verification_page() -> None:
    url = linkedin_url(
        name="Sécurité & prévention",
        organisation="CFA Exemple du Bâtiment",
        issued=datetime(2026, 3, 2, tzinfo=UTC),
        cert_url="https://atouts.example/verifier?url=https%3A%2F%2Fatouts.example%2Fcredentials%2F1",
        cert_id="urn:uuid:1",
    )
    query = urlsplit(url).query
    assert "&prévention" not in query
    assert " " not in query
    params = parse_qs(query)
    assert params["name"] == ["Sécurité & prévention"]
    assert params["certUrl"] == [
        "https://atouts.example/verifier?url=https%3A%2F%2Fatouts.example%2Fcredentials%2F1"
    ]
    assert params["issueYear"] == ["2026"]
    assert params["issueMonth"] == ["3"]
    assert params["startTask"] == ["CERTIFICATION_NAME"]


def test_share_tokens_carry_at_least_128_bits_and_never_repeat() -> None:
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    assert all(len(t) >= 22 for t in tokens)
    with pytest.raises(ValueError):
        new_token(8)


def test_a_share_link_is_read_from_its_url_its_print_view_or_the_bare_token() -> None:
    assert token_from_link("https://atouts.example/p/AbC_-1") == "AbC_-1"
    assert token_from_link("https://atouts.example/p/AbC_-1/imprimer") == "AbC_-1"
    assert token_from_link("AbC_-1") == "AbC_-1"


def test_claim_codes_are_read_however_they_are_typed() -> None:
    assert normalise_claim_code("abcd efgh jkmn pqrs") == "ABCD-EFGH-JKMN-PQRS"
    assert normalise_claim_code(" ABCDEFGHJKMNPQRS ") == "ABCD-EFGH-JKMN-PQRS"


def test_an_expired_claim_code_is_refused_plainly(
    wctx: WalletContext, ictx: IssuerContext, btp_achievements: dict[str, str], clock: Clock
) -> None:
    issued = issue_with_claim_code(ictx, btp_achievements["secu"])
    with session_scope(wctx.engine) as session:
        session.execute(sa.update(Claim).values(expires_at=clock.now + timedelta(days=1)))
    clock.advance(days=2)
    with pytest.raises(WalletError) as error:
        redeem_claim(wctx, issued.claim_code or "")
    assert error.value.code == "claim_expired"
    assert error.value.status == 410
