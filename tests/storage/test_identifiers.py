"""Row identifiers: time-ordered UUIDs (version 7), unguessable yet sorted by creation time."""

from __future__ import annotations

import uuid

import pytest

from storage.tables import new_id
from storage.tables.base import uuid7


def test_the_rfc_9562_example_is_reproduced_bit_for_bit() -> None:
    # RFC 9562 Appendix A.6: unix_ts_ms 0x017F22E279B0, rand_a 0xCC3, rand_b 0x18C4DC0C0C07398F.
    random = ((0xCC3 << 62) | 0x18C4DC0C0C07398F).to_bytes(10, "big")
    assert uuid7(0x017F22E279B0, random) == "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"


def test_new_ids_are_version_7_with_the_rfc_variant() -> None:
    value = uuid.UUID(new_id())
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_ids_of_later_milliseconds_sort_after_earlier_ones_whatever_their_random_part() -> None:
    high, low = b"\xff" * 10, b"\x00" * 10
    assert uuid7(1_700_000_000_000, high) < uuid7(1_700_000_000_001, low)
    assert sorted([uuid7(5, high), uuid7(3, low), uuid7(4, high)]) == [
        uuid7(3, low),
        uuid7(4, high),
        uuid7(5, high),
    ]


def test_ids_made_in_the_same_millisecond_still_differ() -> None:
    ids = {new_id() for _ in range(10_000)}
    assert len(ids) == 10_000


def test_an_id_keeps_74_random_bits() -> None:
    # Two ids of the same millisecond differ in every random bit position when asked to.
    a, b = uuid.UUID(uuid7(0, b"\x00" * 10)).int, uuid.UUID(uuid7(0, b"\xff" * 10)).int
    assert bin(a ^ b).count("1") == 74


def test_uuid7_refuses_a_random_part_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="10 random bytes"):
        uuid7(0, b"\x00" * 9)
