"""GuardedFetcher and MapFetcher: SSRF guards, caps and redirects, all offline (mock transport)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.fetch import FetchError, GuardedFetcher, MapFetcher, is_public_address

PUBLIC_IP = "93.184.215.14"


def make_fetcher(
    handler,
    answers: dict[str, list[str]] | None = None,
    **kwargs,
) -> tuple[GuardedFetcher, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    answers = answers if answers is not None else {"issuer.example": [PUBLIC_IP]}

    def resolver(host: str, port: int) -> list[str]:
        if host not in answers:
            raise OSError("no such host")
        return answers[host]

    def recording(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    fetcher = GuardedFetcher(resolver=resolver, transport=httpx.MockTransport(recording), **kwargs)
    return fetcher, seen


def ok_json(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"id": "x"}, headers={"content-type": "application/json"})


def test_fetch_connects_to_the_checked_address_and_keeps_the_name_for_tls() -> None:
    fetcher, seen = make_fetcher(ok_json)
    result = fetcher.fetch("https://issuer.example/keys/1.json#key", accept="application/ld+json")
    assert result.ok
    assert result.json() == {"id": "x"}
    assert result.url == "https://issuer.example/keys/1.json"
    (request,) = seen
    # The socket goes to the address that was checked, so a second DNS answer cannot matter.
    assert request.url.host == PUBLIC_IP
    assert request.headers["host"] == "issuer.example"
    assert request.extensions["sni_hostname"] == "issuer.example"
    assert request.headers["accept"] == "application/ld+json"


def test_non_default_port_is_kept_in_host_header() -> None:
    fetcher, seen = make_fetcher(ok_json)
    fetcher.fetch("https://issuer.example:8443/did.json")
    assert seen[0].url.port == 8443
    assert seen[0].headers["host"] == "issuer.example:8443"


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.1.1",
        "172.16.0.5",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:127.0.0.1",
        "240.0.0.1",
    ],
)
def test_private_or_special_addresses_are_refused_after_dns_resolution(address: str) -> None:
    fetcher, seen = make_fetcher(ok_json, answers={"rebind.example": [address]})
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://rebind.example/did.json")
    assert info.value.code == "fetch_refused_private_address"
    assert seen == []


def test_one_private_answer_among_public_ones_is_enough_to_refuse() -> None:
    fetcher, seen = make_fetcher(ok_json, answers={"mixed.example": [PUBLIC_IP, "10.0.0.1"]})
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://mixed.example/")
    assert info.value.code == "fetch_refused_private_address"
    assert seen == []


def test_literal_private_ip_url_is_refused() -> None:
    fetcher, seen = make_fetcher(ok_json)
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://169.254.169.254/latest/meta-data/")
    assert info.value.code == "fetch_refused_private_address"
    assert seen == []


@pytest.mark.parametrize(
    "url", ["http://issuer.example/did.json", "file:///etc/passwd", "ftp://issuer.example/x"]
)
def test_only_https_is_fetched_by_default(url: str) -> None:
    fetcher, seen = make_fetcher(ok_json)
    with pytest.raises(FetchError) as info:
        fetcher.fetch(url)
    assert info.value.code == "fetch_refused_scheme"
    assert seen == []


def test_http_is_fetched_only_when_explicitly_allowed() -> None:
    fetcher, seen = make_fetcher(ok_json, allow_http=True)
    assert fetcher.fetch("http://issuer.example/did.json").ok
    assert seen[0].url.scheme == "http"


def test_private_addresses_can_be_allowed_for_local_demos() -> None:
    fetcher, _ = make_fetcher(ok_json, answers={"localhost": ["127.0.0.1"]}, allow_private=True)
    assert fetcher.fetch("https://localhost/did.json").ok


def test_redirect_to_a_private_address_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "https://internal.example/admin"})

    fetcher, seen = make_fetcher(
        handler, answers={"issuer.example": [PUBLIC_IP], "internal.example": ["10.0.0.7"]}
    )
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://issuer.example/did.json")
    assert info.value.code == "fetch_refused_private_address"
    assert len(seen) == 1


def test_redirect_to_http_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"location": "http://issuer.example/did.json"})

    fetcher, _ = make_fetcher(handler)
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://issuer.example/did.json")
    assert info.value.code == "fetch_refused_scheme"


def test_public_redirect_is_followed_with_the_same_checks() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(308, headers={"location": "/new"})
        return httpx.Response(200, content=b"{}")

    fetcher, seen = make_fetcher(handler)
    result = fetcher.fetch("https://issuer.example/old")
    assert result.url == "https://issuer.example/new"
    assert [r.url.path for r in seen] == ["/old", "/new"]


def test_redirect_loops_end_in_fetch_failed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"location": "/again"})

    fetcher, seen = make_fetcher(handler, max_redirects=2)
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://issuer.example/start")
    assert info.value.code == "fetch_failed"
    assert len(seen) == 3


def test_response_larger_than_the_cap_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 5000)

    fetcher, _ = make_fetcher(handler, max_bytes=1000)
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://issuer.example/big")
    assert info.value.code == "fetch_too_large"


def test_streamed_response_without_length_is_cut_at_the_cap() -> None:
    def chunks():
        for _ in range(100):
            yield b"y" * 100

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    fetcher, _ = make_fetcher(handler, max_bytes=1000)
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://issuer.example/stream")
    assert info.value.code == "fetch_too_large"


def test_http_error_status_is_returned_not_raised() -> None:
    fetcher, _ = make_fetcher(lambda r: httpx.Response(410, content=b"gone"))
    result = fetcher.fetch("https://issuer.example/assertion")
    assert result.status == 410
    assert not result.ok


def test_transport_error_becomes_fetch_failed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    fetcher, _ = make_fetcher(handler)
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://issuer.example/slow")
    assert info.value.code == "fetch_failed"


def test_unresolvable_host_is_fetch_failed() -> None:
    fetcher, _ = make_fetcher(ok_json)
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://nowhere.example/")
    assert info.value.code == "fetch_failed"


def test_url_with_credentials_is_refused() -> None:
    fetcher, _ = make_fetcher(ok_json)
    with pytest.raises(FetchError) as info:
        fetcher.fetch("https://user:pw@issuer.example/")
    assert info.value.code == "fetch_refused_scheme"


def test_non_json_body_raises_fetch_failed_on_json() -> None:
    fetcher, _ = make_fetcher(lambda r: httpx.Response(200, content=b"<html>"))
    with pytest.raises(FetchError):
        fetcher.fetch("https://issuer.example/").json()


def test_public_address_classification() -> None:
    assert is_public_address("93.184.215.14")
    assert is_public_address("2606:4700::1111")
    assert not is_public_address("not-an-ip")
    assert not is_public_address("2002:7f00:1::1")  # 6to4 wrapping 127.0.0.1


def test_map_fetcher_serves_bytes_and_files_and_ignores_fragments(tmp_path: Path) -> None:
    doc = tmp_path / "did.json"
    doc.write_bytes(b'{"id": "did:web:issuer.example"}')
    fetcher = MapFetcher({"https://issuer.example/.well-known/did.json": doc, "https://a/x": b"{}"})
    result = fetcher.fetch("https://issuer.example/.well-known/did.json#key-1")
    assert result.json() == {"id": "did:web:issuer.example"}
    assert result.content_type == "application/json"
    assert fetcher.fetch("https://a/x").body == b"{}"
    assert fetcher.requested == ["https://issuer.example/.well-known/did.json", "https://a/x"]


def test_map_fetcher_never_falls_through_to_the_network_without_fallback() -> None:
    with pytest.raises(FetchError) as info:
        MapFetcher({}).fetch("https://issuer.example/")
    assert info.value.code == "fetch_failed"


def test_map_fetcher_delegates_unmapped_urls_to_its_fallback() -> None:
    inner = MapFetcher({"https://b/": b"1"})
    outer = MapFetcher({"https://a/": b"2"}, fallback=inner)
    assert outer.fetch("https://b/").body == b"1"


def test_map_fetcher_from_cli_pairs(tmp_path: Path) -> None:
    target = tmp_path / "list.json"
    target.write_text("{}")
    fetcher = MapFetcher.from_pairs([f"https://x.example/s?a=b={target}"])
    assert fetcher.fetch("https://x.example/s?a=b").body == b"{}"
    with pytest.raises(ValueError):
        MapFetcher.from_pairs(["no-equals-sign"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60) | st.builds(lambda rest: "https://" + rest, st.text(max_size=40)))
def test_guarded_fetch_fails_only_with_fetch_errors(url: str) -> None:
    fetcher, _ = make_fetcher(ok_json, answers={})
    code = None
    try:
        fetcher.fetch(url)
    except FetchError as exc:
        code = exc.code
    assert code in {"fetch_failed", "fetch_refused_private_address", "fetch_refused_scheme", None}
