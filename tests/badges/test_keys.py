"""Ed25519 Multikey / JWK / key files, including every key-file form of the vector folders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from badges.keys import (
    Ed25519KeyPair,
    Ed25519PublicKey,
    KeyFormatError,
    key_from_mapping,
    load_key_file,
)
from badges.multibase import multibase_encode_base58btc

OB_PUBLIC = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
OB_SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"


def test_generated_key_signs_and_verifies() -> None:
    pair = Ed25519KeyPair.generate()
    sig = pair.sign(b"message")
    assert len(sig) == 64
    assert pair.public.verify(sig, b"message")
    assert not pair.public.verify(sig, b"messagf")
    assert not pair.public.verify(b"\0" * 63, b"message")


def test_multikey_forms_have_the_standard_prefixes() -> None:
    pair = Ed25519KeyPair.generate()
    assert pair.public.public_key_multibase.startswith("z6Mk")
    assert pair.secret_key_multibase.startswith("z3u2")
    again = Ed25519KeyPair.from_key_file(pair.to_key_file("did:x#k", "did:x"))
    assert again.public == pair.public


def test_seed_of_zeros_gives_the_did_key_vector() -> None:
    pair = Ed25519KeyPair.from_seed(bytes(32))
    assert pair.public.did_key == "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"


def test_jwk_round_trip() -> None:
    pair = Ed25519KeyPair.generate()
    jwk = pair.public.to_jwk()
    assert jwk["kty"] == "OKP"
    assert Ed25519PublicKey.from_jwk(jwk) == pair.public


def test_public_key_with_foreign_multicodec_prefix_is_refused() -> None:
    p256_like = multibase_encode_base58btc(b"\x80\x24" + bytes(33))
    with pytest.raises(KeyFormatError) as info:
        Ed25519PublicKey.from_multibase(p256_like)
    assert info.value.code == "key_format"


def test_secret_key_with_public_prefix_is_refused() -> None:
    wrong = multibase_encode_base58btc(b"\xed\x01" + bytes(32))
    with pytest.raises(KeyFormatError):
        Ed25519KeyPair.from_key_file({"secretKeyMultibase": wrong})


def test_base64_multibase_public_key_is_refused() -> None:
    with pytest.raises(KeyFormatError):
        Ed25519PublicKey.from_multibase("u7QE" + "A" * 43)


def test_mismatched_public_and_secret_are_refused() -> None:
    pair = Ed25519KeyPair.generate()
    other = Ed25519KeyPair.generate()
    with pytest.raises(KeyFormatError):
        Ed25519KeyPair.from_key_file(
            {
                "publicKeyMultibase": other.public.public_key_multibase,
                "secretKeyMultibase": pair.secret_key_multibase,
            }
        )


def test_hex_seed_and_64_byte_forms_agree() -> None:
    full = OB_SEED + Ed25519KeyPair.from_seed(bytes.fromhex(OB_SEED)).public.raw.hex()
    a = Ed25519KeyPair.from_key_file({"privateKeyHex": OB_SEED})
    b = Ed25519KeyPair.from_key_file({"privateKeyHex": full})
    c = Ed25519KeyPair.from_key_file({"seed": OB_SEED})
    assert a.public.public_key_multibase == OB_PUBLIC
    assert a.public == b.public == c.public


def test_public_only_mapping_gives_a_public_key() -> None:
    key = key_from_mapping({"publicKeyMultibase": OB_PUBLIC})
    assert isinstance(key, Ed25519PublicKey)


def test_private_jwk_is_read() -> None:
    pair = Ed25519KeyPair.generate()
    from badges.multibase import base64url_encode

    jwk = {**pair.public.to_jwk(), "d": base64url_encode(pair.seed)}
    assert Ed25519KeyPair.from_key_file(jwk).public == pair.public
    assert Ed25519KeyPair.from_key_file({"privateKeyJwk": jwk}).public == pair.public


def test_key_pair_repr_hides_the_secret() -> None:
    pair = Ed25519KeyPair.generate()
    assert pair.secret_key_multibase not in repr(pair)


def test_unreadable_key_file_is_key_format(tmp_path: Path) -> None:
    bad = tmp_path / "k.json"
    bad.write_text("not json")
    with pytest.raises(KeyFormatError):
        load_key_file(bad)
    bad.write_text(json.dumps({"foo": 1}))
    with pytest.raises(KeyFormatError):
        load_key_file(bad)


def test_w3c_vector_key_file_is_read_as_is(shared: Path) -> None:
    key = load_key_file(shared / "standards/vc-di-eddsa/TestVectors/keyPair.json")
    assert isinstance(key, Ed25519KeyPair)
    assert key.public.public_key_multibase == "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


@pytest.mark.parametrize("name", ["obv3p0", "clrv2p0"])
def test_ob_vector_key_files_are_read_as_is(shared: Path, name: str) -> None:
    path = shared / "standards/openbadges-3.0/test-vectors" / name / "keypair.json"
    key = load_key_file(path)
    assert isinstance(key, Ed25519KeyPair)
    assert key.public.public_key_multibase == OB_PUBLIC
    # the 64-byte secretKeyMultibase alone gives the same key
    data = json.loads(path.read_text())
    only = Ed25519KeyPair.from_key_file({"secretKeyMultibase": data["secretKeyMultibase"]})
    assert only.public.public_key_multibase == OB_PUBLIC
