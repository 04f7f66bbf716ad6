"""JSON Canonicalization Scheme (RFC 8785) through the C JSON encoder when that is exact.

``eddsa-jcs-2022`` (vc-di-eddsa 1.0 §3.3) hashes the JCS form of the document and of the proof
configuration. The ``rfc8785`` package is exact but pure Python (about 0.4 ms for a 4.6 KB
badge); ``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` gives the
same bytes for most credentials in a tenth of that, because for the values credentials hold
both follow the same rules:

- strings (RFC 8785 §3.2.2.2): both escape exactly ``"``, ``\\`` and U+0000–U+001F, with the
  short forms ``\\b \\f \\n \\r \\t`` and lowercase ``\\u00xx`` for the rest, and write every
  other character as UTF-8 (a lone surrogate fails to encode in both: refused here);
- ``true``/``false``/``null`` and integers within ±(2^53 − 1) (§3.2.2.3) are written the same;
- member order (§3.2.3) is by UTF-16 code units in JCS and by code points in Python: the two
  agree unless a key holds a character above U+FFFF.

So :func:`canonical_json` uses the C encoder when the value holds only dicts with BMP string
keys, lists, strings, booleans, None and safe integers, and ``rfc8785.dumps`` otherwise
(floats, whose ECMAScript formatting differs from Python's, astral keys, big integers, other
types) — the same bytes and the same errors as ``rfc8785.dumps`` in every case, which the
differential test ``tests/badges/test_fast_canon_jcs.py`` checks.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785

__all__ = ["canonical_json"]

_INT_MAX = 2**53 - 1
_MAX_DEPTH = 200  # deeper values take the reference path (which has its own recursion limit)
_encode = json.JSONEncoder(
    ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
).encode


_SIMPLE = frozenset({str, bool, type(None)})


def _plain(value: Any, depth: int = 0) -> bool:
    """True when the C encoder writes ``value`` exactly as RFC 8785 does."""
    kind = type(value)
    if kind in _SIMPLE:
        return True
    if kind is int:
        return bool(-_INT_MAX <= value <= _INT_MAX)
    if depth > _MAX_DEPTH:
        return False
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or not (key.isascii() or max(key) <= "\uffff"):
                return False
            # Strings (most members) are settled here without a call.
            if type(item) is not str and not _plain(item, depth + 1):
                return False
        return True
    if kind is list:
        return all(type(item) is str or _plain(item, depth + 1) for item in value)
    return False


def canonical_json(value: Any) -> bytes:
    """RFC 8785 bytes of ``value``; same output and same exceptions as ``rfc8785.dumps``."""
    if _plain(value):
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let rfc8785 raise its own error
    return rfc8785.dumps(value)
