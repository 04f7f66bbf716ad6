"""The attacks of reliability-ux.md §A3, each through ``verify()`` (primitives test them too)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import struct
import zlib

from badges.jwt import encode_vc_jwt
from tests.verifier.builders import NOW, did_of, key, method_of, signed, unsigned
from tests.verifier.test_pipeline import PNG_1X1
from verifier import VerifyOptions, verify
from verifier.options import Limits
from verifier.report import CheckId, Outcome, Verdict, VerificationReport


def run(value: object, **options: object) -> VerificationReport:
    return verify(value, options=VerifyOptions(now=NOW, **options))  # type: ignore[arg-type]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_s1_protected_term_redefinition_is_refused() -> None:
    credential = signed()
    credential["@context"].append({"name": "https://attacker.example/vocab#name"})
    report = run(credential)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert {"context_term_redefinition", "jsonld_invalid"} & set(report.codes())


def test_s4_blank_node_flood_is_refused_before_canonicalization() -> None:
    credential = signed()
    credential["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": str(i)} for i in range(1_500)
    ]
    report = run(credential)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.input_problems[0].code == "blank_node_limit_exceeded"
    assert report.checks == []


def test_s4_limits_are_configurable_and_each_has_its_code() -> None:
    report = run(signed(), limits=Limits(max_blank_nodes=2))
    assert report.input_problems[0].code == "blank_node_limit_exceeded"
    report = run(json.dumps(signed()), limits=Limits(max_input_bytes=100))
    assert report.input_problems[0].code == "input_too_large"


def test_s5_hmac_signed_with_the_public_key_is_refused() -> None:
    pair = key()
    token = encode_vc_jwt(unsigned(did_of(pair)), pair, kid=method_of(pair))
    _, payload, _ = token.split(".")
    header = _b64(json.dumps({"alg": "HS256", "kid": method_of(pair)}).encode())
    signing_input = f"{header}.{payload}".encode()
    mac = hmac.new(pair.public.raw, signing_input, hashlib.sha256).digest()
    report = run(f"{header}.{payload}.{_b64(mac)}")
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "jwt_algorithm_refused" in report.codes()


def test_s5_jwt_signed_by_another_key_with_the_issuer_kid_fails() -> None:
    issuer, attacker = key(1), key(2)
    token = encode_vc_jwt(unsigned(did_of(issuer)), attacker, kid=method_of(issuer))
    report = run(token)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.outcome(CheckId.PROOF) == Outcome.FAILED


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_with(*chunks: bytes) -> bytes:
    # Insert after IHDR (signature 8 bytes + IHDR chunk 25 bytes).
    return PNG_1X1[:33] + b"".join(chunks) + PNG_1X1[33:]


def test_s10_png_with_two_credential_chunks_is_refused() -> None:
    text = json.dumps(signed()).encode()
    itxt = _chunk(b"iTXt", b"openbadgecredential\x00\x00\x00\x00\x00" + text)
    report = run(_png_with(itxt, itxt))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.input_problems[0].code == "baked_credential_duplicate"


def test_s10_compressed_credential_chunk_and_ztxt_bomb_are_refused() -> None:
    bomb = zlib.compress(b"{" + b" " * 50_000_000 + b"}", 9)
    compressed = _chunk(b"iTXt", b"openbadgecredential\x00\x01\x00\x00\x00" + bomb)
    report = run(_png_with(compressed))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.input_problems[0].code == "baked_chunk_compressed"
    ztxt = _chunk(b"zTXt", b"openbadges\x00\x00" + bomb)
    report = run(_png_with(ztxt))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.input_problems


def test_s10_oversized_image_is_refused_by_size() -> None:
    report = run(PNG_1X1 + b"\x00" * 200, limits=Limits(max_image_bytes=100))
    assert report.input_problems[0].code == "image_too_large"


def test_s11_svg_external_entity_is_refused() -> None:
    svg = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    )
    report = run(svg)
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.input_problems[0].code == "xml_entities_refused"


def test_s6_status_list_url_to_a_private_address_is_inconclusive() -> None:
    from badges.fetch import GuardedFetcher
    from tests.verifier.builders import status_entry

    credential = signed(credentialStatus=status_entry(1, url="https://lists.example/1"))
    fetcher = GuardedFetcher(resolver=lambda host, port: ["192.168.1.10"])
    report = run(credential, fetcher=fetcher)
    assert report.verdict == Verdict.INCONCLUSIVE
    status = report.check(CheckId.STATUS)
    assert status is not None
    assert status.codes() == ["status_list_unreachable"]
    assert status.problems[0].details["cause"] == "fetch_refused_private_address"


def test_s4_canonicalization_work_limit_has_its_own_code() -> None:
    from tests.verifier.builders import sign

    # Two identical blank nodes hash alike at first degree: RDFC-1.0 needs N-degree work.
    pair = key()
    document = unsigned(did_of(pair))
    twin = {"type": ["Alignment"], "targetName": "même", "targetUrl": "https://a.example/c"}
    document["credentialSubject"]["achievement"]["alignment"] = [dict(twin), dict(twin)]
    badge = sign(document, pair)
    assert run(badge).verdict == Verdict.VERIFIED
    report = run(badge, limits=Limits(max_canonicalization_work=0))
    assert "canonicalization_limit_exceeded" in report.codes(), report.codes()
    assert report.verdict != Verdict.VERIFIED
