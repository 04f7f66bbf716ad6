"""Issuer private keys encrypted at rest (DESIGN.md §7, ADR 0003).

A key-encryption key (KEK, 32 random bytes) lives **outside** the database: in
``ATOUTS_SECRET_KEY`` (base64url or hex) or in a key file, read once by the caller (``cli``/``api``)
and handed to :class:`KeyCustody`. Each Ed25519 seed is sealed with AES-256-GCM under the KEK, with
a fresh 96-bit nonce and the verification method id as associated data: a sealed blob copied onto
another key row does not open (NIST SP 800-38D; the AAD binds ciphertext to its row).

``kek_id`` (first 16 hex digits of SHA-256 of the KEK) is stored next to the blob, so a rotated KEK
can be added to the custody's list and old rows still open. A copy of the database alone opens
nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from badges.keys import Ed25519KeyPair

__all__ = [
    "KeyCustody",
    "KeyCustodyError",
    "generate_kek",
    "kek_from_text",
    "load_custody",
    "load_kek_file",
]

_VERSION = b"\x01"
_NONCE_BYTES = 12


class KeyCustodyError(Exception):
    """The KEK is missing, malformed, or cannot open a sealed key (French message)."""

    code = "key_custody"


def generate_kek() -> str:
    """A new KEK as unpadded base64url text (what ``ATOUTS_SECRET_KEY`` holds)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def kek_from_text(text: str) -> bytes:
    """Decode a KEK written as 64 hex digits or base64url/base64 (32 bytes)."""
    value = text.strip()
    if len(value) == 64:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    try:
        padded = value + "=" * (-len(value) % 4)
        raw = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
    except (binascii.Error, ValueError) as exc:
        raise KeyCustodyError(
            "ATOUTS_SECRET_KEY illisible : 32 octets en base64url ou hexa"
        ) from exc
    if len(raw) != 32:
        raise KeyCustodyError(
            f"ATOUTS_SECRET_KEY doit faire 32 octets (reçu {len(raw)}) : "
            "générez-en une avec `atouts org secret-key`"
        )
    return raw


def load_kek_file(path: Path, *, create: bool = False) -> bytes:
    """Read a KEK file (created with mode 0600 when ``create`` and absent)."""
    if not path.exists():
        if not create:
            raise KeyCustodyError(f"fichier de clé maître introuvable : {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_kek() + "\n")
    return kek_from_text(path.read_text(encoding="utf-8"))


def kek_id(kek: bytes) -> str:
    return hashlib.sha256(b"atouts-kek:" + kek).hexdigest()[:16]


class KeyCustody:
    """Seals and opens issuer seeds. The first KEK seals; every KEK given can open."""

    def __init__(self, keks: Iterable[bytes]) -> None:
        self._keks = {kek_id(k): k for k in keks}
        if not self._keks:
            raise KeyCustodyError(
                "aucune clé maître : définissez ATOUTS_SECRET_KEY ou un fichier de clé"
            )
        for key in self._keks.values():
            if len(key) != 32:
                raise KeyCustodyError("une clé maître doit faire 32 octets")
        self._current = next(iter(self._keks))

    @property
    def current_kek_id(self) -> str:
        return self._current

    def derived_key(self, label: str) -> bytes:
        """A purpose-bound secret derived from the current KEK (e.g. recipient lookup HMACs)."""
        return hmac.new(self._keks[self._current], label.encode(), hashlib.sha256).digest()

    def seal(self, pair: Ed25519KeyPair, *, aad: str) -> tuple[bytes, str]:
        """``(blob, kek_id)`` for ``pair``'s seed, bound to ``aad`` (the verification method)."""
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = AESGCM(self._keks[self._current]).encrypt(nonce, pair.seed, aad.encode())
        return _VERSION + nonce + sealed, self._current

    def open(self, blob: bytes, kek: str | None, *, aad: str) -> Ed25519KeyPair:
        key = self._keks.get(kek or "")
        if key is None:
            raise KeyCustodyError(
                f"la clé maître {kek} n'est pas disponible : elle a servi à chiffrer cette clé "
                "de signature"
            )
        if len(blob) < 1 + _NONCE_BYTES + 16 or blob[:1] != _VERSION:
            raise KeyCustodyError("clé de signature chiffrée illisible")
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        try:
            seed = AESGCM(key).decrypt(nonce, sealed, aad.encode())
        except InvalidTag as exc:
            raise KeyCustodyError(
                "la clé de signature ne s'ouvre pas avec cette clé maître"
            ) from exc
        return Ed25519KeyPair.from_seed(seed)


def load_custody(environ: Mapping[str, str], home: Path) -> KeyCustody:
    """The custody the composition roots use, from an environment mapping they pass in.

    ``ATOUTS_SECRET_KEY`` (the KEK itself), else ``ATOUTS_SECRET_KEY_FILE``, else the file
    ``<ATOUTS_HOME>/secret.key`` created on first use with mode 0600 (a local demo; in
    production keep it out of the database backups, ADR 0003). ``ATOUTS_SECRET_KEY_PREVIOUS``
    (comma-separated) lists retired KEKs that must still open old keys.
    """
    keks: list[bytes] = []
    if environ.get("ATOUTS_SECRET_KEY"):
        keks.append(kek_from_text(environ["ATOUTS_SECRET_KEY"]))
    elif environ.get("ATOUTS_SECRET_KEY_FILE"):
        keks.append(load_kek_file(Path(environ["ATOUTS_SECRET_KEY_FILE"])))
    else:
        keks.append(load_kek_file(Path(home) / "secret.key", create=True))
    for text in environ.get("ATOUTS_SECRET_KEY_PREVIOUS", "").split(","):
        if text.strip():
            keks.append(kek_from_text(text))
    return KeyCustody(keks)
