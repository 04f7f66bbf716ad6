"""Fetching documents from the web without becoming a proxy into the local network.

Verifying a badge dereferences URLs chosen by whoever wrote the badge: did:web documents,
controller documents, status lists. Each of those is a server-side request forgery (SSRF) and
slow-loris vector (reliability-ux.md §A3-S6; OWASP ASVS 5.0 1.3.6, 13.2.4/13.2.5; did:web
security considerations). ``GuardedFetcher`` therefore:

- speaks https only (http only when the caller explicitly allows it, e.g. a local demo);
- resolves the host name itself, refuses the request if ANY resolved address is not globally
  routable (private, loopback, link-local, multicast, reserved, shared, IPv4-mapped forms), and then
  connects to the address it checked (Host header and TLS SNI keep the name, so the certificate is
  still verified against the name): a DNS answer that changes between check and connect (DNS
  rebinding) cannot redirect the request;
- follows redirects by hand, applying the same checks to every hop;
- bounds the time spent (connect/read timeouts and an overall deadline) and the bytes read.

``MapFetcher`` serves URLs from memory or files (tests, ``atouts verify --map URL=FILE``).

Every failure is a ``FetchError`` (``BadgeError``) whose ``code`` is one of ``fetch_failed``,
``fetch_refused_private_address``, ``fetch_refused_scheme``, ``fetch_too_large``. An HTTP error
status is NOT an exception: it is returned in ``FetchResult.status`` because some callers give it
meaning (OB 2.0 hosted assertions: 410 means revoked).
"""

from __future__ import annotations

import ipaddress
import json
import mimetypes
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urldefrag, urljoin, urlsplit, urlunsplit

import httpx

from badges.problems import BadgeError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "FetchError",
    "FetchResult",
    "Fetcher",
    "GuardedFetcher",
    "MapFetcher",
    "is_public_address",
    "system_resolver",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 2 * 1024 * 1024
DEFAULT_MAX_REDIRECTS = 3
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class FetchError(BadgeError):
    """A URL could not be fetched (or was refused). ``code`` says which."""

    code = "fetch_failed"


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What came back. ``url`` is the final URL after redirects (without fragment)."""

    status: int
    content_type: str
    body: bytes
    url: str = ""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body parsed as JSON; ``FetchError(fetch_failed)`` when it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:
            raise FetchError(
                f"le document à {self.url or 'cette adresse'} n'est pas du JSON : {exc}"
            ) from exc


@runtime_checkable
class Fetcher(Protocol):
    """Anything that turns a URL into bytes. Checks receive one; they never open sockets."""

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult: ...


Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    """All addresses the system resolver returns for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


def is_public_address(address: str) -> bool:
    """True only for globally routable unicast addresses.

    ``ipaddress.is_global`` already excludes private, loopback, link-local, shared (100.64/10)
    and most reserved ranges; multicast and the IPv4 forms hidden inside IPv6 (mapped, 6to4,
    NAT64-less compat) are checked explicitly so ``::ffff:127.0.0.1`` cannot slip through.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is not None and not is_public_address(str(embedded)):
            return False
        if ip.teredo is not None:
            return False
    return bool(ip.is_global) and not (
        ip.is_multicast or ip.is_reserved or ip.is_unspecified or ip.is_loopback
    )


class GuardedFetcher:
    """The production ``Fetcher``; see the module docstring for what it guards against.

    ``transport`` and ``resolver`` are injectable so tests never touch the network: with
    ``httpx.MockTransport`` the test sees the request sent to the checked IP address.
    """

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        allow_http: bool = False,
        allow_private: bool = False,
        resolver: Resolver | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str = "atouts-verifier",
    ) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self.allow_http = allow_http
        self.allow_private = allow_private
        self._resolver = resolver or system_resolver
        self._transport = transport
        self._user_agent = user_agent

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        deadline = time.monotonic() + self.timeout
        try:
            current = urldefrag(url)[0]
            for _hop in range(self.max_redirects + 1):
                response = self._fetch_once(current, accept=accept, deadline=deadline)
                if isinstance(response, FetchResult):
                    return response
                # A redirect: the next hop goes through exactly the same checks.
                current = urldefrag(urljoin(current, response))[0]
        except ValueError as exc:  # urllib refuses some malformed URLs outright
            raise FetchError(f"adresse invalide : {url!r} ({exc})") from exc
        raise FetchError(f"trop de redirections pour {url}")

    def _check_url(self, url: str) -> tuple[str, str, int]:
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise FetchError(f"adresse invalide : {url!r}") from exc
        scheme = parts.scheme.lower()
        if scheme != "https" and not (scheme == "http" and self.allow_http):
            raise FetchError(
                f"seules les adresses https sont ouvertes, pas {url!r}", code="fetch_refused_scheme"
            )
        if parts.username is not None or parts.password is not None:
            raise FetchError(
                f"adresse avec identifiants refusée : {url!r}", code="fetch_refused_scheme"
            )
        host = parts.hostname
        if not host:
            raise FetchError(f"adresse sans nom d'hôte : {url!r}")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as exc:
            raise FetchError(f"port invalide dans {url!r}") from exc
        return scheme, host, port

    def _resolve_checked(self, host: str, port: int) -> str:
        try:
            ipaddress.ip_address(host)
            addresses = [host]
        except ValueError:
            try:
                addresses = self._resolver(host, port)
            except OSError as exc:
                raise FetchError(f"nom {host} introuvable : {exc}") from exc
        if not addresses:
            raise FetchError(f"{host} n'a pas d'adresse")
        if not self.allow_private:
            refused = [a for a in addresses if not is_public_address(a)]
            if refused:
                # Refuse if any answer is private: picking a "good" one would still let an
                # attacker-controlled DNS zone probe which internal hosts exist.
                raise FetchError(
                    f"{host} mène à une adresse non publique ({', '.join(refused)})",
                    code="fetch_refused_private_address",
                )
        return addresses[0]

    def _fetch_once(self, url: str, *, accept: str, deadline: float) -> FetchResult | str:
        scheme, host, port = self._check_url(url)
        address = self._resolve_checked(host, port)
        parts = urlsplit(url)
        ip_host = f"[{address}]" if ":" in address else address
        default_port = 443 if scheme == "https" else 80
        netloc = ip_host if port == default_port else f"{ip_host}:{port}"
        target = urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))
        host_header = host if port == default_port else f"{host}:{port}"
        remaining = max(0.1, deadline - time.monotonic())
        request_timeout = httpx.Timeout(min(self.timeout, remaining))
        # trust_env=False: an environment proxy or .netrc must not reroute a checked request.
        client = httpx.Client(
            transport=self._transport,
            timeout=request_timeout,
            follow_redirects=False,
            trust_env=False,
        )
        try:
            request = client.build_request(
                "GET",
                target,
                headers={"Host": host_header, "Accept": accept, "User-Agent": self._user_agent},
                # Certificate and SNI are checked against the name, the socket goes to the address.
                extensions={"sni_hostname": host},
            )
            response = client.send(request, stream=True)
            try:
                if response.status_code in _REDIRECT_STATUSES and "location" in response.headers:
                    return response.headers["location"]
                body = self._read_capped(response, url, deadline)
            finally:
                response.close()
        except httpx.HTTPError as exc:
            raise FetchError(
                f"échec de la récupération de {url} : {exc.__class__.__name__}: {exc}"
            ) from exc
        finally:
            if self._transport is None:
                client.close()
        return FetchResult(
            status=response.status_code,
            content_type=response.headers.get("content-type", ""),
            body=body,
            url=url,
        )

    def _read_capped(self, response: httpx.Response, url: str, deadline: float) -> bytes:
        declared = response.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(
                f"{url} annonce {declared} octets, plus que {self.max_bytes}",
                code="fetch_too_large",
            )
        chunks: list[bytes] = []
        total = 0
        for chunk in response.iter_bytes():
            total += len(chunk)
            if total > self.max_bytes:
                raise FetchError(
                    f"{url} envoie plus de {self.max_bytes} octets", code="fetch_too_large"
                )
            if time.monotonic() > deadline:
                # Per-read timeouts do not stop a server that trickles bytes forever.
                raise FetchError(f"{url} met plus de {self.timeout} s à répondre")
            chunks.append(chunk)
        return b"".join(chunks)


class MapFetcher:
    """Serves URLs from a mapping ``url -> bytes | path`` (exact match, fragment ignored).

    Unmapped URLs go to ``fallback`` when one is given, else fail with ``fetch_failed``: an
    offline check must never fall through to the network by accident.
    """

    def __init__(
        self,
        mapping: Mapping[str, bytes | str | Path] | None = None,
        *,
        fallback: Fetcher | None = None,
        content_types: Mapping[str, str] | None = None,
    ) -> None:
        self._mapping: dict[str, bytes | str | Path] = {
            urldefrag(k)[0]: v for k, v in (mapping or {}).items()
        }
        self._content_types = {urldefrag(k)[0]: v for k, v in (content_types or {}).items()}
        self._fallback = fallback
        self.requested: list[str] = []

    def add(self, url: str, value: bytes | str | Path, content_type: str | None = None) -> None:
        key = urldefrag(url)[0]
        self._mapping[key] = value
        if content_type is not None:
            self._content_types[key] = content_type

    @classmethod
    def from_pairs(cls, pairs: list[str], *, fallback: Fetcher | None = None) -> MapFetcher:
        """Build from ``URL=FILE`` strings (the CLI's ``--map``). ``ValueError`` when malformed."""
        mapping: dict[str, bytes | str | Path] = {}
        for pair in pairs:
            url, sep, path = pair.rpartition("=")
            if not sep or not url or not path:
                raise ValueError(f"URL=FICHIER attendu, reçu {pair!r}")
            mapping[url] = Path(path)
        return cls(mapping, fallback=fallback)

    def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
        key = urldefrag(url)[0]
        self.requested.append(key)
        if key not in self._mapping:
            if self._fallback is not None:
                return self._fallback.fetch(url, accept=accept)
            raise FetchError(f"{key} n'est pas dans la table locale (hors ligne)")
        value = self._mapping[key]
        if isinstance(value, bytes):
            body = value
            guessed = None
        else:
            path = Path(value)
            try:
                body = path.read_bytes()
            except OSError as exc:
                raise FetchError(f"lecture impossible de {path} (pour {key}) : {exc}") from exc
            guessed = mimetypes.guess_type(path.name)[0]
        content_type = self._content_types.get(key) or guessed or "application/json"
        return FetchResult(status=200, content_type=content_type, body=body, url=key)
