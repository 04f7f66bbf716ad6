"""DID resolution: ``did:key`` and ``did:jwk`` (offline) and ``did:web`` (injected fetcher).

- did:key — W3C CCG did:key method v0.7 §3.1 (create) and the Multikey encoding of Controlled
  Identifiers 1.0 §2.2.2: ``did:key:z6Mk…`` where the multibase value is base58btc(0xed 0x01 ‖
  32-byte key). The document is generated, never fetched; it lists the single key as a ``Multikey``
  verification method ``did:key:z…#z…`` under ``authentication``, ``assertionMethod``,
  ``capabilityInvocation`` and ``capabilityDelegation``. Other key types are refused
  (``did_unsupported_key_type``): this project signs and verifies Data Integrity with Ed25519 only.
- did:jwk — did:jwk method specification §2: ``did:jwk:`` + base64url(JSON of a public JWK); the
  document has one ``JsonWebKey2020`` method ``#0``, listed for signing relationships unless the
  JWK says ``"use": "enc"``. A JWK with private members is refused (``did_invalid``).
- did:web — W3C CCG did:web method §3.2 (read): colons become slashes, ``%3A`` in the host is a
  port, ``/.well-known`` is used when there is no path, ``/did.json`` is appended; the document is
  fetched over https through the injected ``Fetcher`` (which refuses private addresses) and its
  ``id`` MUST equal the DID. IP addresses are refused as hosts (§2.3 of the method: a domain name).

Errors are ``DidError`` with codes ``did_invalid``, ``did_method_unsupported``,
``did_unsupported_key_type``, ``did_resolution_failed`` (could not fetch: indeterminate) and
``did_document_invalid``. ``badges.resolution`` maps them to key-resolution codes.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urldefrag

from badges.fetch import Fetcher, FetchError
from badges.keys import ED25519_PUB_PREFIX, Ed25519PublicKey, KeyFormatError, decode_multibase_key
from badges.multibase import MultibaseError, base64url_decode
from badges.problems import BadgeError

__all__ = [
    "DID_V1_CONTEXT",
    "MULTIKEY_V1_CONTEXT",
    "DidError",
    "DidWebResolver",
    "did_key_public_key",
    "did_web_to_url",
    "find_verification_method",
    "iter_verification_methods",
    "resolve_did_jwk",
    "resolve_did_key",
    "verification_relationship_ids",
]

DID_V1_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1_CONTEXT = "https://w3id.org/security/multikey/v1"
_DID_RE = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._%:-]+$")
# Multicodec varint prefixes of other public key types (multicodec table): recognised so that
# a valid did:key of another type is reported as unsupported rather than malformed.
_OTHER_KEY_CODECS = frozenset(
    {
        b"\x80\x24",  # p256-pub
        b"\x81\x24",  # p384-pub
        b"\x82\x24",  # p521-pub
        b"\xe7\x01",  # secp256k1-pub
        b"\xec\x01",  # x25519-pub
        b"\x85\x24",  # rsa-pub
        b"\xeb\x01",  # bls12_381-g2-pub
    }
)
_RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "capabilityInvocation",
    "capabilityDelegation",
)


class DidError(BadgeError):
    """A DID that could not be parsed or resolved; ``code`` says which, ``cause`` the fetch code."""

    code = "did_invalid"

    def __init__(
        self, message: str, *, code: str | None = None, path: str = "", cause: str | None = None
    ) -> None:
        super().__init__(message, code=code, path=path)
        self.cause = cause


def did_key_public_key(did: str) -> Ed25519PublicKey:
    """The Ed25519 key encoded in a ``did:key`` (a DID URL's fragment is ignored)."""
    base = urldefrag(did)[0]
    if not base.startswith("did:key:"):
        raise DidError(f"« {did} » n'est pas un did:key")
    value = base.removeprefix("did:key:")
    # did:key §3.1.2 step 2: an optional version prefix "1:" before the multibase value.
    if value.startswith("1:"):
        value = value[2:]
    if not value.startswith("z"):
        raise DidError(f"did:key : la valeur doit être en base58btc (« z… ») : {did}")
    try:
        decoded = decode_multibase_key(value)
    except MultibaseError as exc:
        raise DidError(f"did:key illisible : {exc}") from exc
    if not decoded.startswith(ED25519_PUB_PREFIX) and decoded[:2] in _OTHER_KEY_CODECS:
        raise DidError(
            f"did:key : seules les clés Ed25519 (z6Mk…) sont acceptées : {did}",
            code="did_unsupported_key_type",
        )
    try:
        return Ed25519PublicKey.from_multibase(value)
    except KeyFormatError as exc:
        raise DidError(f"did:key : clé invalide : {exc}") from exc


def resolve_did_key(did: str) -> dict[str, Any]:
    """The DID document of an Ed25519 ``did:key``, generated offline (did:key §3.1.1)."""
    key = did_key_public_key(did)
    identifier = key.did_key
    vm_id = f"{identifier}#{key.public_key_multibase}"
    return {
        "@context": [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT],
        "id": identifier,
        "verificationMethod": [
            {
                "id": vm_id,
                "type": "Multikey",
                "controller": identifier,
                "publicKeyMultibase": key.public_key_multibase,
            }
        ],
        **{relationship: [vm_id] for relationship in _RELATIONSHIPS},
    }


def resolve_did_jwk(did: str) -> dict[str, Any]:
    """The DID document of a ``did:jwk``, generated offline (did:jwk §2.2 "Read")."""
    base = urldefrag(did)[0]
    if not base.startswith("did:jwk:"):
        raise DidError(f"« {did} » n'est pas un did:jwk")
    try:
        jwk = json.loads(base64url_decode(base.removeprefix("did:jwk:")))
    except (MultibaseError, ValueError, RecursionError) as exc:
        raise DidError(f"did:jwk illisible : {exc}") from exc
    if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
        raise DidError("did:jwk : la valeur n'est pas une JWK")
    if any(member in jwk for member in ("d", "p", "q", "dp", "dq", "qi", "oth", "k")):
        raise DidError("did:jwk : une clé privée ne doit jamais figurer dans un identifiant")
    vm_id = f"{base}#0"
    # did:jwk §2.2: "use": "sig" → signing relationships only; "enc" → keyAgreement only.
    relationships: tuple[str, ...] = {
        "sig": _RELATIONSHIPS,
        "enc": ("keyAgreement",),
    }.get(str(jwk.get("use")), (*_RELATIONSHIPS, "keyAgreement"))
    return {
        "@context": [DID_V1_CONTEXT, "https://w3id.org/security/suites/jws-2020/v1"],
        "id": base,
        "verificationMethod": [
            {"id": vm_id, "type": "JsonWebKey2020", "controller": base, "publicKeyJwk": jwk}
        ],
        **{relationship: [vm_id] for relationship in relationships},
    }


def did_web_to_url(did: str) -> str:
    """The https URL of a did:web document (did:web §3.2 "Read (Resolve)").

    ``did:web:w3c-ccg.github.io`` → ``https://w3c-ccg.github.io/.well-known/did.json``;
    ``did:web:example.com%3A3000:user:alice`` → ``https://example.com:3000/user/alice/did.json``.
    """
    base = urldefrag(did)[0]
    if not base.startswith("did:web:") or not _DID_RE.match(base):
        raise DidError(f"« {did} » n'est pas un did:web valide")
    segments = base.removeprefix("did:web:").split(":")
    host = unquote(segments[0])
    if not host or "/" in host or "@" in host:
        raise DidError(f"did:web : nom de domaine invalide dans « {did} »")
    hostname, _, port = host.partition(":")
    if port and not port.isdigit():
        raise DidError(f"did:web : port invalide dans « {did} »")
    try:
        ipaddress.ip_address(hostname.strip("[]"))
    except ValueError:
        pass
    else:
        raise DidError(f"did:web : une adresse IP n'est pas un nom de domaine : « {did} »")
    path_segments = [unquote(s) for s in segments[1:]]
    if any(not s or "/" in s or s in (".", "..") for s in path_segments):
        raise DidError(f"did:web : chemin invalide dans « {did} »")
    path = "/".join(path_segments) if path_segments else ".well-known"
    return f"https://{host}/{path}/did.json"


class DidWebResolver:
    """Resolves did:web documents through the injected fetcher (never opens sockets itself)."""

    def __init__(self, fetcher: Fetcher) -> None:
        self._fetcher = fetcher

    def resolve(self, did: str) -> dict[str, Any]:
        base = urldefrag(did)[0]
        url = did_web_to_url(base)
        try:
            result = self._fetcher.fetch(url, accept="application/did+json, application/json")
        except FetchError as exc:
            raise DidError(
                f"document DID introuvable pour {base} : {exc}",
                code="did_resolution_failed",
                cause=exc.code,
            ) from exc
        if not result.ok:
            raise DidError(
                f"document DID introuvable pour {base} : HTTP {result.status}",
                code="did_resolution_failed",
            )
        try:
            document = result.json()
        except FetchError as exc:
            raise DidError(str(exc), code="did_document_invalid") from exc
        if not isinstance(document, dict):
            raise DidError(
                f"document DID de {base} : objet JSON attendu", code="did_document_invalid"
            )
        if document.get("id") != base:
            # did:web §3.2: the resolved document's id must be the DID that was asked for,
            # otherwise a host could answer for another identity.
            raise DidError(
                f"le document à {url} a pour id « {document.get('id')} », pas « {base} »",
                code="did_document_invalid",
            )
        return document


def _absolute(reference: str, document_id: str) -> str:
    """A DID URL or URL relative to the document (``#key-1``) made absolute."""
    if reference.startswith("#"):
        return document_id + reference
    return reference


def iter_verification_methods(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every verification method object in the document (top level and embedded in relations)."""
    document_id = str(document.get("id", ""))
    sections = ["verificationMethod", *_RELATIONSHIPS, "publicKey"]
    for section in sections:
        value = document.get(section)
        items = value if isinstance(value, list) else [value] if value is not None else []
        for item in items:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                yield {**item, "id": _absolute(item["id"], document_id)}


def verification_relationship_ids(document: dict[str, Any], relationship: str) -> set[str]:
    """Absolute ids of the methods listed (by reference or embedded) under ``relationship``."""
    document_id = str(document.get("id", ""))
    value = document.get(relationship)
    items = value if isinstance(value, list) else [value] if value is not None else []
    ids: set[str] = set()
    for item in items:
        if isinstance(item, str):
            ids.add(_absolute(item, document_id))
        elif isinstance(item, dict) and isinstance(item.get("id"), str):
            ids.add(_absolute(item["id"], document_id))
    return ids


def find_verification_method(document: dict[str, Any], method_id: str) -> dict[str, Any] | None:
    """The verification method with this absolute id, or ``None``."""
    for method in iter_verification_methods(document):
        if method["id"] == method_id:
            return method
    return None
