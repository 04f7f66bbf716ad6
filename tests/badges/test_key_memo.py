"""did:key resolution and Multikey encoding are memoised (bench.verifier); results are unchanged.

The memo is an optimisation only: the same key and binding as without it, errors raised afresh on
every call (never cached), a different purpose or issuer still checked, huge values never kept.
"""

from __future__ import annotations

import pytest

from badges.keys import Ed25519KeyPair, Ed25519PublicKey, KeyFormatError
from badges.multibase import multibase_decode
from badges.resolution import KeyResolutionError, KeyResolver


def _pair(seed: int) -> Ed25519KeyPair:
    return Ed25519KeyPair.from_seed(bytes([seed]) * 32)


def test_memoised_did_key_resolution_gives_the_same_binding_each_time() -> None:
    public = _pair(3).public
    did = public.did_key
    method = f"{did}#{public.public_key_multibase}"
    first = KeyResolver().resolve_method(method, issuer_id=did)
    second = KeyResolver().resolve_method(method, issuer_id=did)
    assert first == second
    assert first.key == public
    assert first.controller == did
    assert first.via == "did:key"
    assert KeyResolver().resolve_method(did, issuer_id=did) == first  # bare did:key


def test_memoised_did_key_still_checks_the_issuer_and_the_purpose() -> None:
    public = _pair(4).public
    method = f"{public.did_key}#{public.public_key_multibase}"
    KeyResolver().resolve(method, issuer_id=public.did_key)
    for _ in range(2):
        with pytest.raises(KeyResolutionError) as caught:
            KeyResolver().resolve(method, issuer_id=_pair(5).public.did_key)
        assert caught.value.code == "key_not_bound_to_issuer"
    resolved = KeyResolver(purpose="authentication").resolve_method(method, issuer_id=None)
    assert resolved.key == public


def test_errors_are_raised_on_every_call_not_cached() -> None:
    public = _pair(6).public
    foreign = f"{public.did_key}#{_pair(7).public.public_key_multibase}"
    for _ in range(3):
        with pytest.raises(KeyResolutionError) as caught:
            KeyResolver().resolve(foreign, issuer_id=public.did_key)
        assert caught.value.code == "key_not_bound_to_issuer"
    for _ in range(3):
        with pytest.raises(KeyResolutionError) as caught:
            KeyResolver().resolve("did:key:z6MkNOTBASE58", issuer_id=None)
        assert caught.value.code == "verification_method_invalid"
    for _ in range(2):
        with pytest.raises(KeyFormatError):
            Ed25519PublicKey.from_multibase("z0OIl")


def test_multikey_encoding_round_trips_and_long_values_are_decoded_uncached() -> None:
    public = _pair(8).public
    assert Ed25519PublicKey.from_multibase(public.public_key_multibase) == public
    assert public.public_key_multibase == Ed25519PublicKey(public.raw).public_key_multibase
    long_value = "z" + "2" * 300
    with pytest.raises(KeyFormatError):
        Ed25519PublicKey.from_multibase(long_value)
    assert multibase_decode(long_value)  # decodable, only not a 32-byte key


def test_pinned_keys_still_take_precedence() -> None:
    public = _pair(9).public
    method = f"https://issuer.example/keys#{public.public_key_multibase}"
    resolved = KeyResolver(pinned=[public]).resolve_method(
        method, issuer_id="https://issuer.example/keys"
    )
    assert resolved.via == "pinned"
    assert resolved.key == public
    with pytest.raises(KeyResolutionError):
        KeyResolver().resolve_method(method, issuer_id="https://issuer.example/keys")
