"""Ed25519 keys as Multikey (``z6Mk…`` public, ``z3u2…`` secret), JWK and key files.

- Multikey encoding: Controlled Identifiers 1.0 §2.2.2 / VC-DI-EDDSA §2.1.1: public key =
  ``z`` + base58btc(0xed 0x01 ‖ 32 bytes); secret key = ``z`` + base58btc(0x80 0x26 ‖ 32-byte
  seed). Any other multicodec prefix MUST be rejected (error code ``key_format``).
- JWK: RFC 8037 (``kty: OKP``, ``crv: Ed25519``, ``x``, ``d``).
- Key files: every form found in the standard vector folders is read as it is —
  ``publicKeyMultibase`` with ``privateKeyMultibase`` or ``secretKeyMultibase`` (32-byte seed or
  the 64-byte seed‖public form), ``publicKeyHex``/``privateKeyHex``, legacy
  ``publicKeyBase58``/``privateKeyBase58``, ``seed`` (hex), ``publicKeyJwk``/``privateKeyJwk`` or a
  bare JWK. When a secret and a public value are both given they must agree.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PublicKey as _CryptoPublicKey,
)

from badges.multibase import (
    MultibaseError,
    base58btc_decode,
    base64url_decode,
    base64url_encode,
    multibase_decode,
    multibase_encode_base58btc,
)
from badges.problems import BadgeError

ED25519_PUB_PREFIX = b"\xed\x01"
ED25519_PRIV_PREFIX = b"\x80\x26"

__all__ = [
    "ED25519_PRIV_PREFIX",
    "ED25519_PUB_PREFIX",
    "Ed25519KeyPair",
    "Ed25519PublicKey",
    "KeyFormatError",
    "key_from_mapping",
    "load_key_file",
]


class KeyFormatError(BadgeError):
    """A key value or key file that is not an Ed25519 key in a supported form."""

    code = "key_format"


# Multikey values are short and the same few keys recur on every verification (one issuer signs
# many badges); base58 is pure-Python big-integer work, so both directions are memoised. Only
# strings of a key's size are cached, never an arbitrary (possibly huge) input.
_MEMO_MAX_CHARS = 128


@functools.lru_cache(maxsize=512)
def _encode_public_multikey(raw: bytes) -> str:
    return multibase_encode_base58btc(ED25519_PUB_PREFIX + raw)


@functools.lru_cache(maxsize=512)
def _decode_memo(value: str) -> bytes:
    return multibase_decode(value)


def decode_multibase_key(value: str) -> bytes:
    """``multibase_decode`` for key-sized values, memoised (pure); raises ``MultibaseError``."""
    if isinstance(value, str) and len(value) <= _MEMO_MAX_CHARS:
        return _decode_memo(value)
    return multibase_decode(value)


@dataclass(frozen=True, slots=True)
class Ed25519PublicKey:
    """An Ed25519 public key (32 raw bytes)."""

    raw: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.raw, bytes) or len(self.raw) != 32:
            raise KeyFormatError("clé publique Ed25519 : 32 octets attendus")

    @property
    def public_key_multibase(self) -> str:
        """Multikey form, always ``z6Mk…``."""
        return _encode_public_multikey(self.raw)

    @property
    def did_key(self) -> str:
        """The ``did:key`` identifier of this key (did:key method §3.1.1)."""
        return "did:key:" + self.public_key_multibase

    def verify(self, signature: bytes, data: bytes) -> bool:
        """Pure Ed25519 verification (RFC 8032); never raises on a bad signature."""
        try:
            _CryptoPublicKey.from_public_bytes(self.raw).verify(signature, data)
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_jwk(self) -> dict[str, str]:
        return {"kty": "OKP", "crv": "Ed25519", "x": base64url_encode(self.raw)}

    @classmethod
    def from_multibase(cls, value: str) -> Ed25519PublicKey:
        """Decode ``z6Mk…``; refuses any multicodec prefix other than ed25519-pub (0xed01)."""
        try:
            data = decode_multibase_key(value)
        except MultibaseError as exc:
            raise KeyFormatError(f"publicKeyMultibase illisible : {exc}") from exc
        if not value.startswith("z"):
            raise KeyFormatError("publicKeyMultibase doit être en base58btc (préfixe « z »)")
        if data[:2] != ED25519_PUB_PREFIX:
            raise KeyFormatError(
                "publicKeyMultibase : préfixe multicodec non Ed25519 (0xed01 attendu), "
                f"trouvé 0x{data[:2].hex()}"
            )
        if len(data) != 34:
            raise KeyFormatError("publicKeyMultibase : la clé doit faire 32 octets")
        return cls(data[2:])

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> Ed25519PublicKey:
        """RFC 8037 OKP/Ed25519 JWK (a ``d`` member, if any, is ignored here)."""
        if not isinstance(jwk, Mapping):
            raise KeyFormatError("JWK : un objet JSON est attendu")
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise KeyFormatError("JWK : seul kty=OKP, crv=Ed25519 est accepté ici")
        x = jwk.get("x")
        if not isinstance(x, str):
            raise KeyFormatError("JWK : membre « x » absent")
        try:
            raw = base64url_decode(x)
        except MultibaseError as exc:
            raise KeyFormatError(f"JWK : « x » illisible : {exc}") from exc
        return cls(raw)


class Ed25519KeyPair:
    """An Ed25519 signing key with its public key."""

    __slots__ = ("_private", "public")

    def __init__(self, private: Ed25519PrivateKey) -> None:
        self._private = private
        self.public = Ed25519PublicKey(
            private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )

    def __repr__(self) -> str:  # never print the secret
        return f"Ed25519KeyPair(public={self.public.public_key_multibase})"

    @property
    def seed(self) -> bytes:
        return self._private.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )

    @property
    def secret_key_multibase(self) -> str:
        """Multikey secret form (32-byte seed), always ``z3u2…``."""
        return multibase_encode_base58btc(ED25519_PRIV_PREFIX + self.seed)

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    @classmethod
    def generate(cls) -> Ed25519KeyPair:
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> Ed25519KeyPair:
        if not isinstance(seed, bytes) or len(seed) != 32:
            raise KeyFormatError("graine Ed25519 : 32 octets attendus")
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_key_file(cls, data: Mapping[str, Any]) -> Ed25519KeyPair:
        """Read any supported key-file form that carries secret material."""
        pair = _pair_from_mapping(data)
        if pair is None:
            raise KeyFormatError("fichier de clé : aucune clé secrète trouvée")
        return pair

    def to_key_file(self, id: str | None = None, controller: str | None = None) -> dict[str, str]:
        """Multikey key file, as ``atouts keys generate`` writes it."""
        out: dict[str, str] = {"type": "Multikey"}
        if id is not None:
            out["id"] = id
        if controller is not None:
            out["controller"] = controller
        out["publicKeyMultibase"] = self.public.public_key_multibase
        out["secretKeyMultibase"] = self.secret_key_multibase
        return out


def _hex(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeyFormatError(f"{what} : chaîne hexadécimale attendue")
    try:
        return bytes.fromhex(value)
    except ValueError as exc:
        raise KeyFormatError(f"{what} : hexadécimal invalide") from exc


def _seed_from_secret_bytes(secret: bytes, what: str) -> tuple[bytes, bytes | None]:
    """32-byte seed, or 64-byte seed‖public (NaCl / DCC form); returns (seed, embedded public)."""
    if len(secret) == 32:
        return secret, None
    if len(secret) == 64:
        return secret[:32], secret[32:]
    raise KeyFormatError(f"{what} : 32 ou 64 octets attendus, {len(secret)} trouvés")


def _secret_multibase(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeyFormatError(f"{what} : chaîne attendue")
    try:
        data = multibase_decode(value)
    except MultibaseError as exc:
        raise KeyFormatError(f"{what} illisible : {exc}") from exc
    if data[:2] != ED25519_PRIV_PREFIX:
        raise KeyFormatError(
            f"{what} : préfixe multicodec non Ed25519 (0x8026 attendu), trouvé 0x{data[:2].hex()}"
        )
    return data[2:]


def _public_from_mapping(data: Mapping[str, Any]) -> Ed25519PublicKey | None:
    if "publicKeyMultibase" in data:
        return Ed25519PublicKey.from_multibase(data["publicKeyMultibase"])
    if "publicKeyJwk" in data:
        return Ed25519PublicKey.from_jwk(data["publicKeyJwk"])
    if data.get("kty") is not None:
        return Ed25519PublicKey.from_jwk(data)
    if "publicKeyHex" in data:
        return Ed25519PublicKey(_hex(data["publicKeyHex"], "publicKeyHex"))
    if "publicKeyBase58" in data:
        value = data["publicKeyBase58"]
        if not isinstance(value, str):
            raise KeyFormatError("publicKeyBase58 : chaîne attendue")
        try:
            return Ed25519PublicKey(base58btc_decode(value))
        except MultibaseError as exc:
            raise KeyFormatError(f"publicKeyBase58 illisible : {exc}") from exc
    return None


def _secret_from_mapping(data: Mapping[str, Any]) -> bytes | None:
    for name in ("secretKeyMultibase", "privateKeyMultibase"):
        if name in data:
            return _secret_multibase(data[name], name)
    if "privateKeyHex" in data:
        return _hex(data["privateKeyHex"], "privateKeyHex")
    if "seed" in data:
        return _hex(data["seed"], "seed")
    if "privateKeyBase58" in data:
        value = data["privateKeyBase58"]
        if not isinstance(value, str):
            raise KeyFormatError("privateKeyBase58 : chaîne attendue")
        try:
            return base58btc_decode(value)
        except MultibaseError as exc:
            raise KeyFormatError(f"privateKeyBase58 illisible : {exc}") from exc
    jwk = data.get("privateKeyJwk", data if data.get("kty") is not None else None)
    if isinstance(jwk, Mapping) and "d" in jwk:
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            raise KeyFormatError("JWK : seul kty=OKP, crv=Ed25519 est accepté ici")
        try:
            return base64url_decode(jwk["d"])
        except MultibaseError as exc:
            raise KeyFormatError(f"JWK : « d » illisible : {exc}") from exc
    return None


def _pair_from_mapping(data: Mapping[str, Any]) -> Ed25519KeyPair | None:
    if not isinstance(data, Mapping):
        raise KeyFormatError("fichier de clé : un objet JSON est attendu")
    secret = _secret_from_mapping(data)
    if secret is None:
        return None
    seed, embedded_public = _seed_from_secret_bytes(secret, "clé secrète")
    pair = Ed25519KeyPair.from_seed(seed)
    claimed = _public_from_mapping(data)
    for public in (embedded_public, claimed.raw if claimed else None):
        if public is not None and public != pair.public.raw:
            raise KeyFormatError("fichier de clé : la clé publique ne correspond pas à la secrète")
    return pair


def load_key_file(path: str | Path) -> Ed25519KeyPair | Ed25519PublicKey:
    """Read a key file; a file with only public material yields an :class:`Ed25519PublicKey`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise KeyFormatError(f"fichier de clé illisible : {exc}") from exc
    return key_from_mapping(data)


def key_from_mapping(data: Any) -> Ed25519KeyPair | Ed25519PublicKey:
    """Same as :func:`load_key_file` for an already-parsed JSON object."""
    if not isinstance(data, Mapping):
        raise KeyFormatError("fichier de clé : un objet JSON est attendu")
    pair = _pair_from_mapping(data)
    if pair is not None:
        return pair
    public = _public_from_mapping(data)
    if public is None:
        raise KeyFormatError("fichier de clé : aucune clé Ed25519 reconnue")
    return public
