"""``verify()`` returns a report for any input and never raises (DESIGN.md §5)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verifier import VerifyOptions, verify
from verifier.report import Verdict

NOW = datetime(2026, 1, 1, tzinfo=UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "@context",
                    "type",
                    "issuer",
                    "proof",
                    "credentialSubject",
                    "validFrom",
                    "validUntil",
                    "credentialStatus",
                    "id",
                    "endorsement",
                    "holder",
                    "x",
                ]
            )
            | st.text(max_size=8),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)

credential_like = st.fixed_dictionaries(
    {
        "@context": st.sampled_from(
            [
                ["https://www.w3.org/ns/credentials/v2"],
                [
                    "https://www.w3.org/ns/credentials/v2",
                    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
                ],
                "https://www.w3.org/2018/credentials/v1",
            ]
        ),
        "type": st.sampled_from(
            [
                ["VerifiableCredential", "OpenBadgeCredential"],
                ["VerifiablePresentation"],
                "Assertion",
            ]
        ),
    },
    optional={
        "issuer": json_values,
        "proof": json_values,
        "credentialSubject": json_values,
        "credentialStatus": json_values,
        "validFrom": json_values,
        "validUntil": json_values,
        "verifiableCredential": json_values,
    },
)


def _check(value: Any) -> None:
    report = verify(value, options=VerifyOptions(now=NOW))
    assert report.verdict in set(Verdict)
    assert report.to_json_dict()["verified_at"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_verify_never_raises_on_arbitrary_json(value: Any) -> None:
    _check(value)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credential_like)
def test_verify_never_raises_on_credential_shaped_json(value: dict[str, Any]) -> None:
    _check(value)


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=300))
def test_verify_never_raises_on_arbitrary_bytes(value: bytes) -> None:
    _check(value)
    _check(b"\x89PNG\r\n\x1a\n" + value)
    _check(b"<svg " + value)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_verify_never_raises_on_arbitrary_text(value: str) -> None:
    _check(value)


def _string_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _string_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _string_paths(v, (*path, i))]
    return [path] if isinstance(value, str) else []


def _signed_badge() -> dict[str, Any]:
    from tests.verifier.builders import signed

    return signed()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_changing_any_signed_string_is_never_verified(data: st.DataObject) -> None:
    import copy

    original = _signed_badge()
    paths = _string_paths(original)
    path = data.draw(st.sampled_from(paths))
    replacement = data.draw(st.text(min_size=1, max_size=12))
    mutated = copy.deepcopy(original)
    holder: Any = mutated
    for step in path[:-1]:
        holder = holder[step]
    if holder[path[-1]] == replacement:
        return
    holder[path[-1]] = replacement
    report = verify(mutated, options=VerifyOptions(now=NOW))
    assert report.verdict != Verdict.VERIFIED, (path, replacement)
