"""Baking into PNG/SVG and defensive extraction (OB 3.0 §5.3, OB 2.0, reliability S10/S11)."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from badges.baking import (
    BakingError,
    bake,
    bake_png,
    bake_svg,
    extract_from_image,
    image_kind,
)

OB30 = "standards/1edtech-validator/ob30"
JWS = "eyJhbGciOiJFZERTQSJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl"
CREDENTIAL = {"@context": ["https://www.w3.org/ns/credentials/v2"], "name": "Ponctualité ]]> ok"}


def chunk(kind: bytes, body: bytes, crc: int | None = None) -> bytes:
    value = zlib.crc32(kind + body) if crc is None else crc
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", value)


def tiny_png(*extra: bytes) -> bytes:
    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = chunk(b"IDAT", zlib.compress(b"\x00\x00"))
    return b"\x89PNG\r\n\x1a\n" + ihdr + b"".join(extra) + idat + chunk(b"IEND", b"")


def itxt(keyword: bytes, text: bytes, compressed: bool = False) -> bytes:
    return chunk(b"iTXt", keyword + b"\0" + (b"\1\0" if compressed else b"\0\0") + b"\0\0" + text)


def chunk_types(png: bytes) -> list[bytes]:
    types, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        types.append(png[offset + 4 : offset + 8])
        offset += 12 + length
    return types


SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"><rect width="1"/></svg>'
)


# -- published fixtures ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("simple-json.png", "ob3_json"),
        ("simple-json.svg", "ob3_json"),
        ("simple-jwt.png", "ob3_jwt"),
        ("simple-jwt.svg", "ob3_jwt"),
        ("simple-jwt_v1.png", "ob3_jwt"),
        ("simple-jwt_v1.svg", "ob3_jwt"),
    ],
)
def test_1edtech_baked_fixtures_are_extracted(shared: Path, name: str, kind: str) -> None:
    extracted = extract_from_image((shared / OB30 / name).read_bytes())
    assert extracted.kind == kind
    if kind == "ob3_json":
        document = json.loads(extracted.payload)
        assert "OpenBadgeCredential" in document["type"]
    else:
        assert extracted.is_jws


def test_json_png_fixture_matches_the_json_svg_fixture(shared: Path) -> None:
    png = json.loads(extract_from_image((shared / OB30 / "simple-json.png").read_bytes()).payload)
    svg = json.loads(extract_from_image((shared / OB30 / "simple-json.svg").read_bytes()).payload)
    assert png["id"] == svg["id"]


def test_open_badges_2_png_assertion_is_extracted(shared: Path) -> None:
    data = (shared / "standards/1edtech-validator/ob20/simple-badge.png").read_bytes()
    extracted = extract_from_image(data)
    assert extracted.kind == "ob2_assertion"
    assert json.loads(extracted.payload)["type"] == "Assertion"


def test_unbaked_png_has_no_credential(shared: Path) -> None:
    data = (shared / "standards/1edtech-validator/ob20/assets/robotics-badge.png").read_bytes()
    with pytest.raises(BakingError) as caught:
        extract_from_image(data)
    assert caught.value.code == "no_baked_credential"


def test_rebaking_a_fixture_png_replaces_its_credential(shared: Path) -> None:
    baked = bake_png((shared / OB30 / "simple-json.png").read_bytes(), JWS)
    assert extract_from_image(baked).payload == JWS
    assert baked.count(b"openbadgecredential") == 1


def test_rebaking_a_fixture_svg_replaces_its_credential(shared: Path) -> None:
    baked = bake_svg((shared / OB30 / "simple-json.svg").read_bytes(), JWS)
    extracted = extract_from_image(baked)
    assert (extracted.kind, extracted.payload) == ("ob3_jwt", JWS)
    assert baked.count(b"<openbadges:credential") == 1
    assert b"<!DOCTYPE svg" in baked


# -- PNG ------------------------------------------------------------------------------------


def test_png_bake_writes_one_uncompressed_itxt_after_ihdr() -> None:
    baked = bake_png(tiny_png(), CREDENTIAL)
    assert chunk_types(baked)[:2] == [b"IHDR", b"iTXt"]
    extracted = extract_from_image(baked)
    assert extracted.kind == "ob3_json"
    assert json.loads(extracted.payload) == CREDENTIAL
    assert b"openbadgecredential\x00\x00\x00\x00\x00" in baked
    again = bake_png(baked, JWS)
    assert chunk_types(again).count(b"iTXt") == 1
    assert extract_from_image(again).payload == JWS


def test_png_keeps_other_chunks_and_pixels() -> None:
    original = tiny_png(chunk(b"tEXt", b"Title\0Badge"))
    baked = bake_png(original, JWS)
    assert chunk_types(baked) == [b"IHDR", b"iTXt", b"tEXt", b"IDAT", b"IEND"]


def test_png_with_bad_crc_is_malformed() -> None:
    broken = tiny_png(chunk(b"tEXt", b"a\0b", crc=1))
    for action in (extract_from_image, lambda d: bake_png(d, JWS)):
        with pytest.raises(BakingError) as caught:
            action(broken)
        assert caught.value.code == "image_malformed"


@pytest.mark.parametrize("cut", [10, 30, -5])
def test_truncated_png_is_malformed(cut: int) -> None:
    with pytest.raises(BakingError) as caught:
        extract_from_image(tiny_png(itxt(b"openbadgecredential", JWS.encode()))[:cut])
    assert caught.value.code == "image_malformed"


def test_two_credential_chunks_are_refused() -> None:
    png = tiny_png(itxt(b"openbadgecredential", b"{}"), itxt(b"openbadgecredential", JWS.encode()))
    with pytest.raises(BakingError) as caught:
        extract_from_image(png)
    assert caught.value.code == "baked_credential_duplicate"


def test_compressed_credential_chunk_is_refused_without_inflating() -> None:
    # Not even valid zlib: refusing must not depend on inflating.
    png = tiny_png(itxt(b"openbadgecredential", b"\xff" * 64, compressed=True))
    with pytest.raises(BakingError) as caught:
        extract_from_image(png)
    assert caught.value.code == "baked_chunk_compressed"


def test_compressed_ztxt_credential_chunk_is_refused_too() -> None:
    png = tiny_png(chunk(b"zTXt", b"openbadgecredential\0\0" + b"\xff" * 16))
    with pytest.raises(BakingError) as caught:
        extract_from_image(png)
    assert caught.value.code == "baked_chunk_compressed"


def test_ztxt_bomb_is_stopped_under_the_cap() -> None:
    bomb = zlib.compress(b"A" * (64 * 1024 * 1024), 9)
    png = tiny_png(chunk(b"zTXt", b"openbadges\0\0" + bomb))
    with pytest.raises(BakingError) as caught:
        extract_from_image(png)
    assert caught.value.code == "image_too_large"


def test_legacy_text_chunk_with_hosted_url_and_ztxt_assertion() -> None:
    url = b"https://issuer.example/assertions/1"
    extracted = extract_from_image(tiny_png(chunk(b"tEXt", b"openbadges\0" + url)))
    assert (extracted.kind, extracted.payload, extracted.source) == (
        "url",
        url.decode(),
        "png:tEXt",
    )
    zipped = chunk(b"zTXt", b"openbadges\0\0" + zlib.compress(b'{"type":"Assertion"}'))
    assert extract_from_image(tiny_png(zipped)).kind == "ob2_assertion"


def test_ob3_bake_wins_over_ob2_bake_in_the_same_image() -> None:
    png = tiny_png(
        itxt(b"openbadges", b'{"type":"Assertion"}'), itxt(b"openbadgecredential", JWS.encode())
    )
    assert extract_from_image(png).kind == "ob3_jwt"


# -- SVG ------------------------------------------------------------------------------------


def test_svg_bake_json_in_cdata_right_after_svg_with_namespace() -> None:
    baked = bake_svg(SVG, CREDENTIAL)
    text = baked.decode()
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in text.split(">", 2)[1]
    start_tag_end = text.index(">", text.index("<svg")) + 1
    assert text[start_tag_end:].lstrip().startswith("<openbadges:credential><![CDATA[")
    extracted = extract_from_image(baked)
    assert extracted.kind == "ob3_json"
    assert json.loads(extracted.payload) == CREDENTIAL


def test_svg_bake_jws_in_verify_attribute_and_rebake_replaces() -> None:
    baked = bake_svg(SVG.decode(), JWS)
    assert f'<openbadges:credential verify="{JWS}"/>'.encode() in baked
    again = bake_svg(baked, CREDENTIAL)
    assert again.count(b"<openbadges:credential") == 1
    assert again.count(b"xmlns:openbadges") == 1
    assert extract_from_image(again).kind == "ob3_json"


def test_self_closing_svg_root_is_opened() -> None:
    baked = bake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"/>', JWS)
    assert extract_from_image(baked).payload == JWS
    assert baked.endswith(b"</svg>")


def test_svg_with_open_badges_2_prefix_gets_a_local_declaration() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion verify="https://issuer.example/a/1"/></svg>'
    )
    old = extract_from_image(svg)
    assert (old.kind, old.source) == ("url", "svg:assertion")
    baked = bake_svg(svg, JWS)
    extracted = extract_from_image(baked)
    assert (extracted.kind, extracted.payload) == ("ob3_jwt", JWS)


def test_open_badges_2_svg_assertion_body() -> None:
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org">'
        b'<openbadges:assertion><![CDATA[{"type":"Assertion"}]]></openbadges:assertion></svg>'
    )
    extracted = extract_from_image(svg)
    assert (extracted.kind, extracted.payload) == ("ob2_assertion", '{"type":"Assertion"}')


@pytest.mark.parametrize(
    "svg",
    [
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&xxe;</svg>',
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>',
        b'<!DOCTYPE svg [<!ELEMENT svg ANY>]><svg xmlns="http://www.w3.org/2000/svg"/>',
    ],
    ids=["external-entity", "billion-laughs", "internal-subset"],
)
def test_svg_entities_and_internal_dtd_are_refused(svg: bytes) -> None:
    for action in (extract_from_image, lambda d: bake_svg(d, JWS)):
        with pytest.raises(BakingError) as caught:
            action(svg)
        assert caught.value.code == "xml_entities_refused"


def test_two_svg_credentials_are_refused() -> None:
    element = f'<openbadges:credential verify="{JWS}"/>'
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">{element}{element}</svg>'
    ).encode()
    with pytest.raises(BakingError) as caught:
        extract_from_image(svg)
    assert caught.value.code == "baked_credential_duplicate"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GIF89a....", "image_malformed"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><g></svg>", "image_malformed"),
        (b"<html><svg></svg></html>", "image_malformed"),
        (SVG, "no_baked_credential"),
    ],
)
def test_unusable_images(data: bytes, code: str) -> None:
    with pytest.raises(BakingError) as caught:
        extract_from_image(data)
    assert caught.value.code == code


def test_size_cap() -> None:
    with pytest.raises(BakingError) as caught:
        extract_from_image(tiny_png(), max_bytes=10)
    assert caught.value.code == "image_too_large"


def test_bake_dispatches_on_the_image_type() -> None:
    assert image_kind(tiny_png()) == "png"
    assert image_kind(SVG) == "svg"
    assert image_kind(b"\xff\xd8\xff") is None
    assert extract_from_image(bake(tiny_png(), JWS)).source == "png:iTXt"
    assert extract_from_image(bake(SVG, JWS)).source == "svg:credential"
    with pytest.raises(BakingError):
        bake(b"\xff\xd8\xff", JWS)
    with pytest.raises(BakingError) as empty:
        bake(SVG, "  ")
    assert empty.value.code == "no_baked_credential"


json_documents = st.dictionaries(
    st.text(max_size=10),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
        max_leaves=10,
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=60, deadline=None)
@given(json_documents)
def test_any_json_credential_survives_png_and_svg_baking(document: dict[str, object]) -> None:
    for image in (tiny_png(), SVG):
        extracted = extract_from_image(bake(image, document))
        assert extracted.kind in ("ob3_json", "url")
        assert json.loads(extracted.payload) == document


def test_payload_xml_cannot_carry_is_refused_not_corrupted() -> None:
    with pytest.raises(BakingError):
        bake_svg(SVG, "text with \x01 control")
    baked = bake_svg(SVG, '{"a":\r\n1}')
    assert json.loads(extract_from_image(baked).payload) == {"a": 1}
