"""GuardedFetcher over real TLS on the loopback: the socket goes to the checked address while the
certificate is still verified against the host NAME (SNI), so a wrong certificate fails."""

from __future__ import annotations

import datetime as dt
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from badges.fetch import FetchError, GuardedFetcher


def self_signed(name: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"host": "' + self.headers["Host"].encode() + b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, bytes]]:
    cert_pem, key_pem = self_signed("issuer.test")
    (tmp_path / "cert.pem").write_bytes(cert_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], cert_pem
    finally:
        server.shutdown()
        server.server_close()


def fetcher_trusting(cert_pem: bytes) -> GuardedFetcher:
    context = ssl.create_default_context(cadata=cert_pem.decode())
    return GuardedFetcher(
        allow_private=True,  # loopback only in this test
        resolver=lambda host, port: ["127.0.0.1"],
        transport=httpx.HTTPTransport(verify=context),
    )


def test_tls_certificate_is_checked_against_the_name_not_the_address(
    tls_server: tuple[int, bytes],
) -> None:
    port, cert_pem = tls_server
    result = fetcher_trusting(cert_pem).fetch(f"https://issuer.test:{port}/did.json")
    assert result.ok
    assert result.json() == {"host": f"issuer.test:{port}"}


def test_certificate_for_another_name_is_refused(tls_server: tuple[int, bytes]) -> None:
    port, cert_pem = tls_server
    with pytest.raises(FetchError) as info:
        fetcher_trusting(cert_pem).fetch(f"https://other.test:{port}/did.json")
    assert info.value.code == "fetch_failed"
