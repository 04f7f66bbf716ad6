"""Benchmark: OB 3.0 structure checks, status list decoding and baked image extraction.

Targets (ratios to baselines measured in the same run, so the machine does not matter):

* ``check_context`` + ``check_structure`` on the specification's complete OpenBadgeCredential
  cost at most 2x validating it with ``jsonschema.Draft201909Validator`` against the official
  OB 3.0 schema (read from ../shared; without it, the baseline is a JSON dump + load of the
  credential and the target is 20x);
* decoding a 131,072-entry status list costs at most 2x base64 + GZIP expansion with the stdlib;
* extracting the credential from a 4 MB baked PNG costs at most 3x one CRC-32 over its bytes.

Usage: ``python -m bench.badges_core``.
"""

from __future__ import annotations

import base64
import gzip
import json
import struct
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from badges.baking import bake_png, extract_from_image
from badges.status_list import StatusList, decode_bitstring
from badges.structure import check_context, check_structure

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "standards"
EXAMPLE = SHARED / "openbadges-3.0/examples/fullOpenBadge--complete-openbadgecredential.json"
SCHEMA = SHARED / "openbadges-3.0/schema/json/ob_v3p0_achievementcredential_schema.json"


def _best(function: Callable[[], Any], repeat: int = 5, number: int = 50) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def _report(name: str, ours: float, baseline: float, target: float) -> bool:
    ratio = ours / baseline
    ok = ratio <= target
    print(f"{name}: {ratio:.2f}x baseline (target <= {target}x) {'OK' if ok else 'MISSED'}")
    return ok


def _structure() -> bool:
    if EXAMPLE.is_file() and SCHEMA.is_file():
        from jsonschema import Draft201909Validator

        credential = json.loads(EXAMPLE.read_text(encoding="utf-8"))
        validator = Draft201909Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
        baseline = _best(lambda: validator.is_valid(credential))
        target = 2.0
    else:
        credential = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["x"]}
        baseline = _best(lambda: json.loads(json.dumps(credential)))
        target = 20.0
    ours = _best(lambda: (check_context(credential), check_structure(credential)))
    return _report("structure vs official JSON Schema", ours, baseline, target)


def _status_list() -> bool:
    status = StatusList()
    for index in range(0, 131_072, 97):
        status.set(index, 1)
    encoded = status.encode()

    def baseline() -> bytes:
        body = encoded[1:]
        return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))

    return _report(
        "status list decode vs stdlib",
        _best(lambda: decode_bitstring(encoded)),
        _best(baseline),
        2.0,
    )


def _png() -> bool:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = chunk(b"IHDR", struct.pack(">IIBBBBB", 1024, 1024, 8, 2, 0, 0, 0))
    idat = b"".join(chunk(b"IDAT", bytes(range(256)) * 256) for _ in range(64))
    png = b"\x89PNG\r\n\x1a\n" + ihdr + idat + chunk(b"IEND", b"")
    baked = bake_png(png, "eyJhbGciOiJFZERTQSJ9.e30.c2ln")
    ours = _best(lambda: extract_from_image(baked), number=10)
    baseline = _best(lambda: zlib.crc32(baked), number=10)
    return _report("PNG extraction vs one CRC-32", ours, baseline, 3.0)


def main() -> int:
    results = [_structure(), _status_list(), _png()]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
