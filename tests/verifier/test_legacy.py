"""Legacy OB 2.0 hosted and signed assertions, reported honestly (never "passed" unchecked)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from badges.fetch import FetchResult, MapFetcher
from verifier import VerifyOptions, verify
from verifier.report import CheckId, Outcome, Verdict

NOW = datetime(2026, 1, 1, tzinfo=UTC)
ASSERTION_URL = "https://example.org/beths-robotics-badge.json"
BADGE_URL = "https://example.org/robotics-badge.json"


def ob20(shared: Path) -> Path:
    return shared / "standards" / "1edtech-validator" / "ob20"


def hosted_map(shared: Path, assertion: dict[str, Any]) -> MapFetcher:
    return MapFetcher(
        {
            ASSERTION_URL: json.dumps(assertion).encode(),
            BADGE_URL: (ob20(shared) / "assets" / "robotics-badge.json").read_bytes(),
        }
    )


def test_hosted_assertion_matching_its_hosted_copy_is_verified(shared: Path) -> None:
    assertion = json.loads((ob20(shared) / "basic-assertion.json").read_text("utf-8"))
    report = verify(
        assertion, options=VerifyOptions(now=NOW, fetcher=hosted_map(shared, assertion))
    )
    assert report.input_kind == "ob2_assertion"
    assert report.verdict == Verdict.VERIFIED, report.codes()
    assert "ob2_assertion" in report.check(CheckId.STRUCTURE).codes()  # type: ignore[union-attr]


def test_hosted_assertion_that_differs_from_its_hosted_copy_fails(shared: Path) -> None:
    assertion = json.loads((ob20(shared) / "basic-assertion.json").read_text("utf-8"))
    hosted = dict(assertion, issuedOn="2015-01-01T00:00:00Z")
    report = verify(assertion, options=VerifyOptions(now=NOW, fetcher=hosted_map(shared, hosted)))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.check(CheckId.PROOF).codes() == ["ob2_hosted_mismatch"]  # type: ignore[union-attr]


def test_hosted_assertion_gone_is_revoked(shared: Path) -> None:
    assertion = json.loads((ob20(shared) / "basic-assertion.json").read_text("utf-8"))

    class Gone:
        def fetch(self, url: str, *, accept: str = "") -> FetchResult:
            return FetchResult(status=410, content_type="application/json", body=b"{}", url=url)

    report = verify(assertion, options=VerifyOptions(now=NOW, fetcher=Gone()))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.check(CheckId.STATUS).codes() == ["ob2_revoked"]  # type: ignore[union-attr]


def test_hosted_assertion_offline_is_inconclusive(shared: Path) -> None:
    data = (ob20(shared) / "basic-assertion.json").read_bytes()
    report = verify(data, options=VerifyOptions(now=NOW))
    assert report.verdict == Verdict.INCONCLUSIVE
    assert report.outcome(CheckId.PROOF) == Outcome.INDETERMINATE


def test_hosted_assertion_expired_shows_it(shared: Path) -> None:
    assertion = json.loads((ob20(shared) / "basic-assertion-expired.json").read_text("utf-8"))
    report = verify(
        assertion, options=VerifyOptions(now=NOW, fetcher=hosted_map(shared, assertion))
    )
    assert "expired" in report.check(CheckId.VALIDITY_PERIOD).codes()  # type: ignore[union-attr]


def test_signed_ob2_assertion_offline_is_inconclusive_not_false(shared: Path) -> None:
    token = (ob20(shared) / "simple.jwt").read_text("utf-8").strip()
    report = verify(token, options=VerifyOptions(now=NOW))
    assert report.verdict == Verdict.INCONCLUSIVE
    assert report.outcome(CheckId.PROOF) == Outcome.INDETERMINATE
    assert "verification_method_unresolvable" in report.codes()


def signed_map(shared: Path, **extra: bytes) -> MapFetcher:
    assets = ob20(shared) / "assets"
    https = [
        "robotics-badge.json",
        "organization.json",
        "badge-from-organization-with-empty-revocation-list.json",
        "badge-from-organization-with-revocation-list.json",
        "organization-with-empty-revocation-list.json",
        "organization-with-revocation-list.json",
    ]
    http = ["key1.json", "key2.json", "key3.json", "revocation-list.json"]
    http.append("empty-revocation-list.json")
    mapping: dict[str, bytes | str | Path] = {
        f"https://example.org/{name}": assets / name for name in https
    }
    mapping.update({f"http://example.org/{name}": assets / name for name in http})
    mapping.update(extra)
    return MapFetcher(mapping)


@pytest.mark.parametrize("name", ["simple.jwt", "simple-not-revoked.jwt"])
def test_signed_ob2_assertion_with_the_issuer_key_is_verified(shared: Path, name: str) -> None:
    token = (ob20(shared) / name).read_text("utf-8").strip()
    report = verify(token, options=VerifyOptions(now=NOW, fetcher=signed_map(shared)))
    assert report.verdict == Verdict.VERIFIED, report.codes()
    assert report.outcome(CheckId.PROOF) == Outcome.PASSED
    assert report.outcome(CheckId.STATUS) == Outcome.PASSED


def test_signed_ob2_assertion_on_the_revocation_list_is_revoked(shared: Path) -> None:
    token = (ob20(shared) / "simple-revoked.jwt").read_text("utf-8").strip()
    report = verify(token, options=VerifyOptions(now=NOW, fetcher=signed_map(shared)))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.check(CheckId.STATUS).codes() == ["ob2_revoked"]  # type: ignore[union-attr]


def test_signed_ob2_assertion_with_a_changed_payload_fails(shared: Path) -> None:
    token = (ob20(shared) / "simple.jwt").read_text("utf-8").strip()
    header, payload, signature = token.split(".")
    assertion = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assertion["issuedOn"] = "2020-01-01T00:00:00Z"
    changed = base64.urlsafe_b64encode(json.dumps(assertion).encode()).rstrip(b"=").decode()
    report = verify(
        f"{header}.{changed}.{signature}",
        options=VerifyOptions(now=NOW, fetcher=signed_map(shared)),
    )
    assert report.verdict == Verdict.NOT_VERIFIED
    assert "signature_invalid" in report.check(CheckId.PROOF).codes()  # type: ignore[union-attr]


def test_signed_ob2_key_owned_by_another_issuer_is_not_bound(shared: Path) -> None:
    key = json.loads((ob20(shared) / "assets" / "key1.json").read_text("utf-8"))
    key["owner"] = "https://attacker.example/issuer.json"
    fetcher = signed_map(shared, **{"http://example.org/key1.json": json.dumps(key).encode()})
    token = (ob20(shared) / "simple.jwt").read_text("utf-8").strip()
    report = verify(token, options=VerifyOptions(now=NOW, fetcher=fetcher))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.check(CheckId.PROOF).codes() == ["key_not_bound_to_issuer"]  # type: ignore[union-attr]


def test_ob2_baked_png_is_read(shared: Path) -> None:
    report = verify(
        (ob20(shared) / "simple-badge.png").read_bytes(), options=VerifyOptions(now=NOW)
    )
    assert report.input_kind.startswith("png+")
    assert report.verdict != Verdict.VERIFIED
