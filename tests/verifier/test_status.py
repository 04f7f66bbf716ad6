"""The status check: revoked, suspended, unreachable, malformed and unsupported lists."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from badges.fetch import FetchResult, MapFetcher
from badges.status_list import StatusList
from verifier.checks.status import StatusContext, check_status
from verifier.options import Limits
from verifier.report import Check, CheckId, Outcome
from verifier.status_cache import StatusListCache

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LIST_URL = "https://issuer.example/status/1"
ISSUER = "did:example:issuer"


def status_list_credential(
    *,
    revoked: tuple[int, ...] = (),
    purpose: str = "revocation",
    length: int = 131_072,
    **extra: Any,
) -> dict[str, Any]:
    bits = StatusList(length)
    for index in revoked:
        bits.set(index, 1)
    document: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": ISSUER,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": LIST_URL + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": bits.encode(),
        },
        "proof": {"type": "DataIntegrityProof"},
    }
    document.update(extra)
    return document


def credential(index: int | str = 5, purpose: str = "revocation", **entry: Any) -> dict[str, Any]:
    status = {
        "id": f"{LIST_URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": LIST_URL,
    }
    status.update(entry)
    return {"issuer": ISSUER, "id": "urn:uuid:1", "credentialStatus": status}


def passing_proof(document: dict[str, Any], issuer: str | None) -> Check:
    return Check(check=CheckId.PROOF, outcome=Outcome.PASSED)


def context(
    fetcher: Any,
    *,
    proof: Any = passing_proof,
    strict: bool = False,
    cache: StatusListCache | None = None,
    now: datetime = NOW,
) -> StatusContext:
    return StatusContext(
        now=now,
        fetcher=fetcher,
        cache=cache or StatusListCache(),
        verify_list_proof=proof,
        limits=Limits(),
        strict_length=strict,
    )


def mapped(document: dict[str, Any]) -> MapFetcher:
    return MapFetcher({LIST_URL: json.dumps(document).encode()})


def test_status_is_failed_revoked_when_bit_is_set() -> None:
    check = check_status(credential(5), context(mapped(status_list_credential(revoked=(5,)))))
    assert check.outcome == Outcome.FAILED
    assert check.codes() == ["revoked"]


def test_status_passes_when_bit_is_clear() -> None:
    check = check_status(credential(6), context(mapped(status_list_credential(revoked=(5,)))))
    assert check.outcome == Outcome.PASSED
    assert check.problems == []


def test_status_is_suspended_for_a_suspension_list() -> None:
    document = status_list_credential(revoked=(3,), purpose="suspension")
    check = check_status(credential(3, purpose="suspension"), context(mapped(document)))
    assert check.outcome == Outcome.FAILED
    assert check.codes() == ["suspended"]


def test_status_is_indeterminate_when_list_unreachable() -> None:
    check = check_status(credential(5), context(MapFetcher({})))
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes() == ["status_list_unreachable"]


def test_status_is_indeterminate_without_a_fetcher() -> None:
    check = check_status(credential(5), context(None))
    assert check.outcome == Outcome.INDETERMINATE
    assert "revoked" not in check.codes()


def test_status_is_indeterminate_on_http_error() -> None:
    class NotFound:
        def fetch(self, url: str, *, accept: str = "") -> FetchResult:
            return FetchResult(status=404, content_type="text/plain", body=b"nope", url=url)

    check = check_status(credential(5), context(NotFound()))
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes() == ["status_list_unreachable"]


def test_unknown_status_type_is_reported_never_passed() -> None:
    document = {"credentialStatus": {"type": "StatusList2017", "id": "https://x.example/1"}}
    check = check_status(document, context(None))
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes() == ["status_type_unsupported"]


def test_status_list_with_bad_proof_is_indeterminate_never_revoked() -> None:
    def failing(document: dict[str, Any], issuer: str | None) -> Check:
        return Check(check=CheckId.PROOF, outcome=Outcome.FAILED)

    ctx = context(mapped(status_list_credential(revoked=(5,))), proof=failing)
    check = check_status(credential(5), ctx)
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes() == ["status_list_proof_invalid"]


def test_status_list_of_wrong_type_is_refused() -> None:
    document = status_list_credential()
    document["type"] = ["VerifiableCredential"]
    check = check_status(credential(5), context(mapped(document)))
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes() == ["status_list_invalid"]


def test_expired_and_future_status_lists_are_indeterminate() -> None:
    expired = status_list_credential(validUntil="2025-06-01T00:00:00Z")
    check = check_status(credential(5), context(mapped(expired)))
    assert check.codes() == ["status_list_expired"]
    future = status_list_credential(validFrom="3000-01-01T00:00:00Z")
    check = check_status(credential(5), context(mapped(future)))
    assert check.codes() == ["status_list_not_yet_valid"]
    assert check.outcome == Outcome.INDETERMINATE


def test_purpose_mismatch_is_indeterminate() -> None:
    document = status_list_credential(revoked=(5,), purpose="revocation")
    check = check_status(credential(5, purpose="suspension"), context(mapped(document)))
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes() == ["status_purpose_mismatch"]


@pytest.mark.parametrize("index", ["131072", "1000000000"])
def test_index_beyond_the_list_is_a_range_error(index: str) -> None:
    check = check_status(credential(index), context(mapped(status_list_credential())))
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes() == ["status_index_out_of_range"]


@pytest.mark.parametrize("index", ["-1", "07x", "abc", True])
def test_malformed_index_is_reported_without_crash(index: Any) -> None:
    entry = credential(5)
    entry["credentialStatus"]["statusListIndex"] = index
    check = check_status(entry, context(mapped(status_list_credential())))
    assert check.outcome == Outcome.INDETERMINATE
    assert check.codes()[0] in {"status_entry_malformed", "status_index_out_of_range"}


def test_short_list_is_a_warning_by_default_and_an_error_when_strict() -> None:
    document = status_list_credential(revoked=(8,), length=100_000)
    lenient = check_status(credential(8), context(mapped(document)))
    assert lenient.outcome == Outcome.FAILED
    assert lenient.codes() == ["status_list_length", "revoked"]
    strict = check_status(credential(8), context(mapped(document), strict=True))
    assert strict.outcome == Outcome.INDETERMINATE
    assert strict.codes() == ["status_list_length"]


def test_list_issued_by_another_issuer_is_a_warning() -> None:
    document = status_list_credential(issuer="did:example:other")
    check = check_status(credential(5), context(mapped(document)))
    assert check.outcome == Outcome.PASSED
    assert check.codes() == ["status_list_issuer_mismatch"]


def test_cache_serves_the_list_until_it_expires() -> None:
    fetcher = mapped(status_list_credential(revoked=(5,)))
    cache = StatusListCache(default_ttl=timedelta(minutes=5))
    calls: list[str] = []

    def counting(document: dict[str, Any], issuer: str | None) -> Check:
        calls.append(document["id"])
        return passing_proof(document, issuer)

    for _ in range(3):
        check_status(credential(5), context(fetcher, proof=counting, cache=cache))
    assert len(fetcher.requested) == 1
    assert len(calls) == 1
    later = NOW + timedelta(minutes=6)
    check_status(credential(5), context(fetcher, proof=counting, cache=cache, now=later))
    assert len(fetcher.requested) == 2


def test_cache_honours_the_list_validuntil() -> None:
    document = status_list_credential(validUntil="2026-01-01T00:01:00Z")
    fetcher = mapped(document)
    cache = StatusListCache(default_ttl=timedelta(hours=1))
    check_status(credential(5), context(fetcher, cache=cache))
    check_status(credential(5), context(fetcher, cache=cache, now=NOW + timedelta(seconds=30)))
    assert len(fetcher.requested) == 1
    check_status(credential(5), context(fetcher, cache=cache, now=NOW + timedelta(seconds=90)))
    assert len(fetcher.requested) == 2


def test_1edtech_revocation_list_marks_listed_ids_revoked() -> None:
    url = "https://issuer.example/revocations"
    document = {"id": url, "revokedCredential": [{"id": "urn:uuid:1", "revocationReason": "x"}]}
    fetcher = MapFetcher({url: json.dumps(document).encode()})
    revoked = {"id": "urn:uuid:1", "credentialStatus": {"id": url, "type": "1EdTechRevocationList"}}
    check = check_status(revoked, context(fetcher))
    assert check.outcome == Outcome.FAILED
    assert check.codes() == ["revoked"]
    fine = dict(revoked, id="urn:uuid:2")
    assert check_status(fine, context(fetcher)).outcome == Outcome.PASSED


def test_no_status_means_nothing_to_withdraw() -> None:
    check = check_status({"id": "urn:uuid:1"}, context(None))
    assert check.outcome == Outcome.PASSED
    assert check.details == {"method": None}


def test_status_list_2021_is_read_as_the_bitstring_list_it_became() -> None:
    document = status_list_credential(revoked=(5,))
    document["type"] = ["VerifiableCredential", "StatusList2021Credential"]
    document["credentialSubject"]["type"] = "StatusList2021"
    # The 2021 draft wrote plain base64url, without the multibase "u" prefix.
    document["credentialSubject"]["encodedList"] = document["credentialSubject"]["encodedList"][1:]
    entry = credential(5)
    entry["credentialStatus"]["type"] = "StatusList2021Entry"
    check = check_status(entry, context(mapped(document)))
    assert check.outcome == Outcome.FAILED
    assert check.codes() == ["revoked"]


@pytest.mark.parametrize(
    ("index", "listing", "entry"),
    [
        (6, {"revoked": (5,)}, {}),
        (5, {"revoked": (5,)}, {}),
        (5, {"revoked": (5,), "purpose": "suspension"}, {"statusPurpose": "suspension"}),
        (5, {"revoked": (5,)}, {"statusPurpose": "suspension"}),
        (8, {"revoked": (8,), "length": 100_000}, {}),
        (9, {"length": 100_000}, {}),
        (5, {"issuer": "did:example:other"}, {}),
        ("131072", {}, {}),
        (5, {}, {"statusSize": 1}),
        (5, {}, {"statusListIndex": 5}),
        (5, {}, {"statusListIndex": "-1"}),
        (5, {}, {"statusListCredential": ""}),
        (5, {"revoked": (5,), "purpose": "message"}, {"statusPurpose": "message"}),
    ],
)
def test_a_lone_bitstring_entry_gets_the_findings_of_the_general_entry_reading(
    index: Any, listing: dict[str, Any], entry: dict[str, Any]
) -> None:
    # check_status reads a lone BitstringStatusListEntry of the usual form itself; every other
    # form goes through read_status_entry. Both must say the same thing about the same entry.
    from verifier.checks.status import _check_entry

    document = status_list_credential(**listing)
    badge = credential(index, **entry)
    lone = check_status(badge, context(mapped(document)))
    outcome, problems = _check_entry(
        badge, badge["credentialStatus"], "/credentialStatus", context(mapped(document))
    )
    assert (lone.outcome, lone.problems) == (outcome, problems)
