"""Property tests: whatever someone uploads or types, the wallet answers with a plain refusal
(``WalletError``) or keeps a verified badge — it never crashes (CONVENTIONS.md, property tests)."""

from __future__ import annotations

import json
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wallet.context import WalletContext, WalletError
from wallet.holders import open_wallet
from wallet.items import ImportResult, import_badge
from wallet.shares import parse_duration, token_from_link

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
_INPUTS = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(str.encode),
    _JSON.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(
        st.sampled_from(["@context", "type", "issuer", "id", "credentialSubject", "proof"]),
        _JSON,
        max_size=6,
    ).map(lambda value: json.dumps(value).encode()),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=_INPUTS)
def test_any_upload_is_kept_or_refused_plainly_never_a_crash(
    wctx: WalletContext, data: bytes
) -> None:
    holder = open_wallet(wctx, display_name="Test")
    outcome: object
    try:
        outcome = import_badge(wctx, holder.id, data)
    except WalletError as error:
        outcome = error
    if isinstance(outcome, WalletError):
        assert outcome.code.startswith("import_")
        assert outcome.message
    else:
        assert isinstance(outcome, ImportResult)
        assert outcome.item.original_bytes == data


@given(text=st.text(max_size=40))
def test_any_duration_text_is_read_or_refused_plainly(text: str) -> None:
    outcome: object
    try:
        outcome = parse_duration(text)
    except WalletError as error:
        outcome = error
    if isinstance(outcome, WalletError):
        assert outcome.code == "share_duration_invalid"
    else:
        assert isinstance(outcome, timedelta)
        assert outcome.total_seconds() > 0


@given(text=st.text(max_size=80))
def test_any_link_text_gives_a_token_string(text: str) -> None:
    assert isinstance(token_from_link(text), str)
