"""Binding a verification method to the credential's issuer before its key is trusted.

VC Data Integrity 1.0 "Retrieve Verification Method", "Verification Method Binding" and
"Verification Relationship Validation"; Controlled Identifiers 1.0 §3.3; OB 3.0 key provenance
(impl guide); reliability-ux.md finding 4 and §A3-S7 (key substitution). A key is trusted for
``issuer_id`` only when:

1. the verification method is dereferenced from its controller's own document — did:key and
   did:jwk (generated offline), did:web (fetched through the injected fetcher) or an https
   controller document whose ``id`` is the URL it was fetched from;
2. the method's ``controller`` is that document's ``id``, and the document lists the method under
   ``assertionMethod``;
3. that document's ``id`` equals ``issuer_id``.

A public key merely written in the fragment of an https URL (``https://issuer#z6Mk…``, the 1EdTech
validator shortcut) is NEVER trusted on that basis: anyone can write ``https://victim#z6Mk<own
key>``. Such a method is dereferenced like any other; offline it is
``verification_method_unresolvable``.

Pinned keys (``--trust-key``) are the explicit exception: the person running the check trusts that
public key; it then only has to be the key named by the method (fragment or did:key) and the
method's document part must equal ``issuer_id``.

Errors are ``KeyResolutionError`` with codes ``verification_method_unresolvable`` (could not fetch:
the verifier says *indeterminate*), ``key_not_bound_to_issuer`` (resolved, but not the issuer's
assertion key) and ``verification_method_invalid`` (malformed, unsupported scheme or key type).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urlsplit

from badges.did import (
    DidError,
    DidWebResolver,
    find_verification_method,
    iter_verification_methods,
    resolve_did_jwk,
    resolve_did_key,
    verification_relationship_ids,
)
from badges.fetch import Fetcher, FetchError
from badges.jwk import JwkError, PublicKeyLike, public_key_from_jwk, same_public_key
from badges.jwt import JoseHeader
from badges.keys import Ed25519PublicKey, KeyFormatError
from badges.multibase import MultibaseError, base58btc_decode
from badges.problems import BadgeError, Problem, Severity

__all__ = [
    "KeyResolutionError",
    "KeyResolver",
    "ResolvedMethod",
    "method_public_key",
]

UNRESOLVABLE = "verification_method_unresolvable"
NOT_BOUND = "key_not_bound_to_issuer"
INVALID = "verification_method_invalid"
_ED25519_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
_JWK_TYPES = frozenset({"JsonWebKey", "JsonWebKey2020"})


class KeyResolutionError(BadgeError):
    """The key could not be bound; ``cause`` keeps the underlying code (e.g. a refused fetch)."""

    code = UNRESOLVABLE

    def __init__(
        self, message: str, *, code: str | None = None, path: str = "", cause: str | None = None
    ) -> None:
        super().__init__(message, code=code, path=path)
        self.cause = cause

    def to_problem(self, severity: Severity = Severity.ERROR) -> Problem:
        details = {"cause": self.cause} if self.cause else {}
        return Problem(self.code, str(self), severity=severity, path=self.path, details=details)


@dataclass(frozen=True, slots=True)
class ResolvedMethod:
    """A verification method whose key is bound to ``controller`` (``via`` says how)."""

    id: str
    controller: str
    key: PublicKeyLike
    via: str  # "did:key" | "did:web" | "https" | "pinned"


def method_public_key(method: Mapping[str, Any]) -> PublicKeyLike:
    """The public key of a verification method object (Multikey, Ed25519 2018/2020, JWK)."""
    method_type = method.get("type")
    types = set(method_type) if isinstance(method_type, list) else {method_type}
    try:
        if types & _ED25519_TYPES and isinstance(method.get("publicKeyMultibase"), str):
            return Ed25519PublicKey.from_multibase(method["publicKeyMultibase"])
        if "Ed25519VerificationKey2018" in types and isinstance(method.get("publicKeyBase58"), str):
            return Ed25519PublicKey(base58btc_decode(method["publicKeyBase58"]))
        if types & _JWK_TYPES and isinstance(method.get("publicKeyJwk"), Mapping):
            return public_key_from_jwk(method["publicKeyJwk"])
    except (KeyFormatError, JwkError, MultibaseError) as exc:
        raise KeyResolutionError(
            f"clé de {method.get('id')} illisible : {exc}", code=INVALID
        ) from exc
    raise KeyResolutionError(
        f"méthode de vérification {method.get('id')} : type {method_type!r} sans clé exploitable",
        code=INVALID,
    )


def _scheme(url: str) -> str:
    """The lower-case URL scheme; a string ``urllib`` cannot even split is an invalid method."""
    try:
        return urlsplit(url).scheme.lower()
    except ValueError as exc:
        raise KeyResolutionError(f"« {url} » n'est pas une URL valide", code=INVALID) from exc


def _fragment_key(verification_method: str) -> Ed25519PublicKey | None:
    """The Ed25519 key a method id *names* (did:key or ``…#z6Mk…``), without trusting it."""
    base, fragment = urldefrag(verification_method)
    candidate = fragment or (base.removeprefix("did:key:") if base.startswith("did:key:") else "")
    if not candidate.startswith("z6Mk"):
        return None
    try:
        return Ed25519PublicKey.from_multibase(candidate)
    except KeyFormatError:
        return None


def named_key(verification_method: str) -> Ed25519PublicKey | None:
    """The Ed25519 key a method id names (did:key, or a ``#z6Mk…`` fragment); NOT a trusted key.

    Only for telling findings apart: a signature that does not even match the key its own proof
    names is a bad proof, whereas a key that could not be tied to the issuer is a binding finding.
    """
    if not isinstance(verification_method, str):
        return None
    return _fragment_key(verification_method)


class KeyResolver:
    """Resolves verification methods to keys bound to an issuer. Caches documents per instance.

    ``fetcher`` is needed for did:web and https methods (without one they are unresolvable);
    ``pinned`` are public keys the user trusts explicitly (``--trust-key``).
    """

    def __init__(
        self,
        fetcher: Fetcher | None = None,
        pinned: Iterable[Ed25519PublicKey] = (),
        *,
        purpose: str = "assertionMethod",
    ) -> None:
        self._fetcher = fetcher
        self._pinned = {key.public_key_multibase: key for key in pinned}
        self._purpose = purpose
        self._documents: dict[str, dict[str, Any]] = {}

    # -- public API ---------------------------------------------------------------------------

    def resolve(self, verification_method: str, *, issuer_id: str | None) -> Ed25519PublicKey:
        """The Ed25519 key of ``verification_method``, bound to ``issuer_id`` (Data Integrity)."""
        resolved = self.resolve_method(verification_method, issuer_id=issuer_id)
        if not isinstance(resolved.key, Ed25519PublicKey):
            raise KeyResolutionError(
                f"{verification_method} n'est pas une clé Ed25519", code=INVALID
            )
        return resolved.key

    def for_issuer(self, issuer_id: str | None) -> Callable[[str], Ed25519PublicKey]:
        """A ``resolve_key`` callback for ``verify_proof`` bound to one issuer."""
        return lambda verification_method: self.resolve(verification_method, issuer_id=issuer_id)

    def jose_resolver(self, issuer_id: str | None) -> Callable[[JoseHeader], PublicKeyLike]:
        """A ``resolve_key`` callback for ``verify_vc_jwt`` bound to one issuer."""
        return lambda header: self.resolve_jose(header, issuer_id=issuer_id)

    def resolve_method(self, verification_method: str, *, issuer_id: str | None) -> ResolvedMethod:
        """Any supported key type (Ed25519, RSA, P-256), bound to ``issuer_id``."""
        if not isinstance(verification_method, str) or not verification_method:
            raise KeyResolutionError("méthode de vérification absente", code=INVALID)
        scheme = _scheme(verification_method)
        pinned = self._pinned_match(verification_method, issuer_id)
        if pinned is not None:
            return pinned
        if verification_method.startswith("did:key:"):
            resolved = _did_key_binding(verification_method, self._purpose)
        elif verification_method.startswith("did:jwk:"):
            document = self._did_jwk_document(verification_method)
            resolved = self._bind(verification_method, document, via="did:jwk")
        elif verification_method.startswith("did:web:"):
            document = self._did_web_document(verification_method)
            resolved = self._bind(verification_method, document, via="did:web")
        elif scheme == "https":
            resolved = self._resolve_https(verification_method)
        elif verification_method.startswith("did:"):
            method = verification_method.split(":", 2)[1]
            raise KeyResolutionError(
                f"méthode DID « {method} » non prise en charge (did:key, did:jwk, did:web)",
                code=INVALID,
            )
        else:
            raise KeyResolutionError(
                f"« {verification_method} » : la méthode de vérification doit être une URL https, "
                "un did:key ou un did:web",
                code=INVALID,
            )
        self._check_issuer(resolved, issuer_id)
        return resolved

    def resolve_jose(self, header: JoseHeader, *, issuer_id: str | None) -> PublicKeyLike:
        """The key of a VC-JWT header (``kid`` or ``jwk``), bound to ``issuer_id``.

        A ``kid`` is resolved like any verification method (relative ``#frag`` against the
        issuer). A bare ``jwk`` is only accepted when it equals a pinned key or a key the issuer
        publishes under ``assertionMethod`` (reliability-ux.md §A3-S5).
        """
        embedded = public_key_from_jwk(header.jwk) if header.jwk is not None else None
        if header.kid:
            kid = header.kid
            if kid.startswith("#") and issuer_id:
                kid = issuer_id + kid
            if ":" in kid:
                key = self.resolve_method(kid, issuer_id=issuer_id).key
                if embedded is not None and not same_public_key(embedded, key):
                    raise KeyResolutionError(
                        f"la clé « jwk » de l'en-tête n'est pas celle de {kid}", code=NOT_BOUND
                    )
                return key
        if embedded is None:
            raise KeyResolutionError(f"« kid » non résoluble : {header.kid!r}", code=INVALID)
        for pinned in self._pinned.values():
            if same_public_key(pinned, embedded):
                return embedded
        if not issuer_id:
            raise KeyResolutionError("clé « jwk » sans émetteur à qui la rattacher", code=NOT_BOUND)
        for published in self._issuer_assertion_keys(issuer_id):
            if same_public_key(published, embedded):
                return embedded
        raise KeyResolutionError(
            f"la clé « jwk » du JWT n'est pas publiée par l'émetteur {issuer_id}", code=NOT_BOUND
        )

    def unbound_key(self, verification_method: str) -> Ed25519PublicKey | None:
        """The Ed25519 key a method names, WITHOUT binding it to anyone; never fetches.

        Only to tell a bad signature from a binding finding (issue 2): the key named by a
        did:key, a ``#z6Mk…`` fragment, or found under the method's id in a document this
        resolver already fetched. A signature that verifies under it proves nothing about the
        issuer; the caller still reports the binding (``resolve``) as its own finding.
        """
        named = named_key(verification_method)
        if named is not None:
            return named
        if not isinstance(verification_method, str):
            return None
        document = self._documents.get(urldefrag(verification_method)[0])
        if document is None:
            return None
        method = find_verification_method(document, verification_method)
        if method is None:
            return None
        try:
            key = method_public_key(method)
        except KeyResolutionError:
            return None
        return key if isinstance(key, Ed25519PublicKey) else None

    # -- binding ------------------------------------------------------------------------------

    def _pinned_match(
        self, verification_method: str, issuer_id: str | None
    ) -> ResolvedMethod | None:
        if not self._pinned:
            return None
        named = _fragment_key(verification_method)
        if named is None or named.public_key_multibase not in self._pinned:
            return None
        base = urldefrag(verification_method)[0]
        if issuer_id is not None and base != issuer_id:
            raise KeyResolutionError(
                f"clé épinglée, mais {verification_method} n'appartient pas à l'émetteur "
                f"{issuer_id}",
                code=NOT_BOUND,
            )
        return ResolvedMethod(verification_method, base, named, via="pinned")

    def _bind(self, method_id: str, document: dict[str, Any], *, via: str) -> ResolvedMethod:
        """Find the method in its controller's document and check the relationship."""
        return _bind(method_id, document, via=via, purpose=self._purpose)

    def _check_issuer(self, resolved: ResolvedMethod, issuer_id: str | None) -> None:
        if issuer_id is not None and resolved.controller != issuer_id:
            raise KeyResolutionError(
                f"la clé {resolved.id} appartient à {resolved.controller}, pas à l'émetteur "
                f"{issuer_id}",
                code=NOT_BOUND,
            )

    # -- documents ----------------------------------------------------------------------------

    def _did_key_document(self, did_url: str) -> dict[str, Any]:
        return _did_key_document(did_url)

    def _did_jwk_document(self, did_url: str) -> dict[str, Any]:
        try:
            return resolve_did_jwk(did_url)
        except DidError as exc:
            raise KeyResolutionError(str(exc), code=INVALID) from exc

    def _did_web_document(self, did_url: str) -> dict[str, Any]:
        did = urldefrag(did_url)[0]
        if did in self._documents:
            return self._documents[did]
        if self._fetcher is None:
            raise KeyResolutionError(f"{did} : résolution hors ligne impossible", code=UNRESOLVABLE)
        try:
            document = DidWebResolver(self._fetcher).resolve(did)
        except DidError as exc:
            code = UNRESOLVABLE if exc.code == "did_resolution_failed" else INVALID
            raise KeyResolutionError(str(exc), code=code, cause=exc.cause or exc.code) from exc
        self._documents[did] = document
        return document

    def _fetch_document(self, url: str) -> dict[str, Any]:
        url = urldefrag(url)[0]
        if url in self._documents:
            return self._documents[url]
        if self._fetcher is None:
            raise KeyResolutionError(
                f"{url} : document de clés non récupérable hors ligne", code=UNRESOLVABLE
            )
        try:
            result = self._fetcher.fetch(url, accept="application/ld+json, application/json")
        except FetchError as exc:
            raise KeyResolutionError(f"{url} : {exc}", code=UNRESOLVABLE, cause=exc.code) from exc
        if not result.ok:
            raise KeyResolutionError(f"{url} : HTTP {result.status}", code=UNRESOLVABLE)
        try:
            document = result.json()
        except FetchError as exc:
            raise KeyResolutionError(str(exc), code=INVALID) from exc
        if not isinstance(document, dict):
            raise KeyResolutionError(f"{url} : objet JSON attendu", code=INVALID)
        self._documents[url] = document
        return document

    def _controller_document(self, controller: str) -> dict[str, Any]:
        if controller.startswith("did:key:"):
            return self._did_key_document(controller)
        if controller.startswith("did:web:"):
            return self._did_web_document(controller)
        if controller.startswith("did:jwk:"):
            return self._did_jwk_document(controller)
        if _scheme(controller) == "https":
            document = self._fetch_document(controller)
            if document.get("id") != urldefrag(controller)[0]:
                raise KeyResolutionError(
                    f"le document à {controller} a pour id {document.get('id')!r}", code=INVALID
                )
            return document
        raise KeyResolutionError(f"contrôleur {controller!r} non pris en charge", code=INVALID)

    def _resolve_https(self, verification_method: str) -> ResolvedMethod:
        url, fragment = urldefrag(verification_method)
        document = self._fetch_document(url)
        if not fragment and document.get("id") == url and "controller" in document:
            # The URL is the verification method itself: its controller's document must list it
            # (otherwise any host could publish a "key of" someone else).
            controller = document.get("controller")
            if not isinstance(controller, str):
                raise KeyResolutionError(f"{url} : « controller » invalide", code=INVALID)
            controller_document = self._controller_document(controller)
            resolved = self._bind(url, controller_document, via="https")
            return ResolvedMethod(resolved.id, resolved.controller, resolved.key, via="https")
        if document.get("id") != url:
            # A controller document must be served at its own id (Controlled Identifiers §3.3).
            raise KeyResolutionError(
                f"le document à {url} a pour id {document.get('id')!r}, il ne peut pas "
                f"garantir {verification_method}",
                code=NOT_BOUND,
            )
        return self._bind(verification_method, document, via="https")

    def _issuer_assertion_keys(self, issuer_id: str) -> list[PublicKeyLike]:
        """Keys the issuer publishes under the purpose relationship (to vet a header ``jwk``)."""
        if _scheme(issuer_id) != "https" and not issuer_id.startswith(("did:key:", "did:web:")):
            raise KeyResolutionError(
                f"émetteur {issuer_id} : aucune clé publiée consultable", code=NOT_BOUND
            )
        document = self._controller_document(issuer_id)
        listed = verification_relationship_ids(document, self._purpose)
        keys: list[PublicKeyLike] = []
        for method in iter_verification_methods(document):
            if method["id"] in listed and method.get("controller") == document.get("id"):
                try:
                    keys.append(method_public_key(method))
                except KeyResolutionError:
                    continue
        return keys


def _bind(method_id: str, document: dict[str, Any], *, via: str, purpose: str) -> ResolvedMethod:
    """Find the method in its controller's document and check the relationship."""
    document_id = str(document.get("id", ""))
    wanted = method_id
    if "#" not in method_id and method_id == document_id:
        # A bare did:key names the DID's single key (validator fixture simple-did-key-method).
        listed = sorted(verification_relationship_ids(document, purpose))
        if len(listed) != 1:
            raise KeyResolutionError(f"{method_id} ne désigne pas une clé unique", code=INVALID)
        wanted = listed[0]
    method = find_verification_method(document, wanted)
    if method is None:
        raise KeyResolutionError(
            f"{method_id} ne figure pas dans le document de {document_id}", code=NOT_BOUND
        )
    controller = method.get("controller")
    if controller != document_id:
        raise KeyResolutionError(
            f"{wanted} est contrôlée par {controller!r}, pas par {document_id}", code=NOT_BOUND
        )
    if wanted not in verification_relationship_ids(document, purpose):
        raise KeyResolutionError(
            f"{wanted} n'est pas déclarée sous « {purpose} » par {document_id}",
            code=NOT_BOUND,
        )
    return ResolvedMethod(wanted, document_id, method_public_key(method), via=via)


def _did_key_document(did_url: str) -> dict[str, Any]:
    try:
        return resolve_did_key(did_url)
    except DidError as exc:
        raise KeyResolutionError(str(exc), code=INVALID) from exc


@functools.lru_cache(maxsize=256)
def _did_key_binding_memo(method_id: str, purpose: str) -> ResolvedMethod:
    return _bind(method_id, _did_key_document(method_id), via="did:key", purpose=purpose)


def _did_key_binding(method_id: str, purpose: str) -> ResolvedMethod:
    """A did:key method bound in its generated document; pure, so memoised for key-sized ids.

    Errors are raised afresh on every call (``lru_cache`` never stores an exception).
    """
    if len(method_id) <= 256:
        return _did_key_binding_memo(method_id, purpose)
    return _bind(method_id, _did_key_document(method_id), via="did:key", purpose=purpose)
