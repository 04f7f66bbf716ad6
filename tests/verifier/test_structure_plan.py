"""Structure plans clear a badge only when the walker and the context check would find nothing,
and never change a report.

``verifier.checks.structure_plan`` compiles the structure walk and the input limits of a badge
shape into one function. These tests prove it against the walker it stands for
(``badges.structure.check_structure``, ``verifier.inputs`` limits) on badges of the same shape
with other values, on arbitrary changes of every member, and through ``verify`` end to end.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.structure import check_context, check_structure
from tests.verifier.builders import (
    NOW,
    did_of,
    fetcher_for,
    key,
    sign,
    status_entry,
    status_list,
    unsigned,
)
from verifier import VerifyOptions, verify
from verifier.checks.structure_plan import (
    PLANS,
    SEEN_BEFORE_COMPILING,
    StructurePlans,
    compile_plan,
)
from verifier.inputs import _measure


def _badge(index: int = 0) -> dict[str, Any]:
    """A signed badge; badges of different indexes differ in values, not in shape."""
    pair = key()
    badge = unsigned(did_of(pair), credentialStatus=status_entry(index))
    badge["id"] = f"urn:uuid:5c1a0b8e-3f7c-4a57-9b3e-{index:012d}"
    badge["credentialSubject"]["id"] = f"did:example:titulaire-{index}"
    return sign(badge, pair)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for name, item in value.items():
            found.extend(_paths(item, (*path, name)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


def _get(document: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        document = document[step]
    return document


def _replace(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    changed = copy.deepcopy(document)
    holder = changed
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = new
    return changed


def _delete(document: Any, path: tuple[Any, ...]) -> Any:
    changed = copy.deepcopy(document)
    holder = changed
    for step in path[:-1]:
        holder = holder[step]
    del holder[path[-1]]
    return changed


SAMPLE = _badge()
PLAN = compile_plan(SAMPLE)
SAMPLE_MEASURE = _measure(SAMPLE)
PATHS = _paths(SAMPLE)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "",
            "pas une URI",
            "https://formation.example/x",
            "urn:uuid:1",
            "2026-01-01T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "Achievement",
            "Profile",
            "ext:Autre",
            "CFItem",
            "VerifiableCredential",
        ]
    ),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "type", "name", "x", "@value"]), children, max_size=3
        )
    ),
    max_leaves=6,
)


def test_a_badge_of_the_same_shape_with_other_values_is_cleared_with_its_measure() -> None:
    assert PLAN is not None
    other = _badge(7)
    assert PLAN(other)
    assert check_structure(other) == []
    assert check_context(other) == []
    assert _measure(other) == SAMPLE_MEASURE


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), json_values, st.booleans())
def test_a_plan_clears_only_what_the_walker_finds_conforming(
    path: tuple[Any, ...], value: Any, delete: bool
) -> None:
    assert PLAN is not None
    changed = _delete(SAMPLE, path) if delete and path else _replace(SAMPLE, path, value)
    if PLAN(changed):
        assert check_structure(changed) == []
        assert check_context(changed) == []
        assert _measure(changed) == SAMPLE_MEASURE


TEXT_PATHS = [path for path in PATHS if path and isinstance(_get(SAMPLE, path), str)]
texts = st.sampled_from(
    [
        "",
        " ",
        "pas une URI",
        "https://formation.example/x",
        "https://",
        "urn:uuid:1",
        "mailto:a@b.example",
        "did:key:z6Mk",
        "2026-01-01T00:00:00Z",
        "2026-01-01T00:00:00",
        "2026-02-30T00:00:00+01:00",
        "2026-13-01T00:00:00Z",
        "fr",
        "Achievement",
        "ext:Autre",
        "CFItem",
        "Autre",
        "revocation",
        "eddsa-rdfc-2022",
        "DataIntegrityProof",
    ]
) | st.text(max_size=20)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(TEXT_PATHS), texts), min_size=1, max_size=3))
def test_other_texts_in_the_same_shape_are_cleared_only_when_the_walker_agrees(
    changes: list[tuple[tuple[Any, ...], str]],
) -> None:
    assert PLAN is not None
    changed = SAMPLE
    for path, text in changes:
        changed = _replace(changed, path, text)
    if PLAN(changed):
        assert check_structure(changed) == []
        assert check_context(changed) == []
    assert _measure(changed) == SAMPLE_MEASURE


def test_known_bad_values_of_the_same_shape_go_to_the_walker() -> None:
    assert PLAN is not None
    bad = [
        _replace(SAMPLE, ("id",), "pas une URI"),
        _replace(SAMPLE, ("validFrom",), "2026-13-01T00:00:00Z"),
        _replace(SAMPLE, ("issuer", "type"), ["Organisation"]),
        _replace(SAMPLE, ("credentialSubject", "achievement", "alignment", 0, "targetUrl"), "x"),
        _replace(SAMPLE, ("credentialSubject", "achievement", "criteria"), {"id": 3}),
        _replace(SAMPLE, ("type",), ["VerifiableCredential", "EndorsementCredential"]),
        _replace(SAMPLE, ("@context",), ["https://www.w3.org/2018/credentials/v1"]),
        _replace(SAMPLE, ("@context", 0), "https://www.w3.org/2018/credentials/v1"),
        _replace(SAMPLE, ("@context", 1), "https://purl.imsglobal.org/spec/ob/v3p0/context.json"),
        _replace(SAMPLE, ("validUntil",), "2020-01-01T00:00:00Z"),
    ]
    for document in bad:
        assert not PLAN(document)


def test_plans_are_built_only_for_a_shape_seen_again() -> None:
    plans = StructurePlans()
    seen = [_badge(index) for index in range(SEEN_BEFORE_COMPILING)]
    for document in seen:
        assert plans.match(document) is None
        plans.learn(document, *_measure(document))
    assert plans.match(_badge(99)) == _measure(SAMPLE)


def test_a_plan_does_not_change_when_its_sample_is_changed_afterwards() -> None:
    sample = _badge(5)
    plan = compile_plan(sample)
    assert plan is not None
    sample["type"].append("EndorsementCredential")
    sample["credentialSubject"]["achievement"]["type"][0] = "Autre"
    assert plan(_badge(6))
    assert not plan(sample)


def test_member_names_that_look_like_code_are_data_in_a_plan() -> None:
    odd = _badge(4)
    odd["credentialSubject"]['x"]; import os; os._exit(1)  #'] = "valeur"
    odd["credentialSubject"]["achievement"]["{}.__class__"] = ["a", {"b": 1}]
    plan = compile_plan(odd)
    assert plan is not None
    assert plan(copy.deepcopy(odd))
    assert not plan(SAMPLE)


def test_verify_reports_the_same_with_and_without_a_plan() -> None:
    pair = key()
    listing = status_list(pair, revoked=(2,))
    badges = [_badge(i) for i in range(4)]
    tampered = copy.deepcopy(badges[0])
    tampered["name"] = "Autre badge"
    same_shape_bad_value = _replace(badges[1], ("validFrom",), "hier")
    inputs: list[Any] = [*badges, tampered, same_shape_bad_value]
    inputs += [json.dumps(document) for document in inputs]  # JSON text takes plans too

    def report(document: Any) -> dict[str, Any]:
        options = VerifyOptions(now=NOW, fetcher=fetcher_for(listing))
        return verify(document, options=options).to_json_dict()

    reference = []
    for document in inputs:
        PLANS.clear()  # no plan: the walker and the limits walk see it
        reference.append(report(document))
    PLANS.clear()
    for document in badges[:SEEN_BEFORE_COMPILING]:
        report(document)  # the shape comes back: a plan is built
    assert PLANS.match(badges[2]) is not None
    assert [report(document) for document in inputs] == reference
    assert [r["verdict"] for r in reference] == 2 * [
        "verified",
        "verified",
        "not_verified",
        "verified",
        "not_verified",
        "not_verified",
    ]


def _twin(value: Any, text: str, number: int) -> Any:
    """Another value of the same shape: every text and number replaced."""
    if isinstance(value, dict):
        return {name: _twin(item, text, number) for name, item in value.items()}
    if isinstance(value, list):
        return [_twin(item, text, number) for item in value]
    if isinstance(value, str):
        return text
    if isinstance(value, int) and not isinstance(value, bool):
        return number
    return value


@given(
    st.dictionaries(
        st.sampled_from(["id", "narrative", "identifier", "name", "type"]), json_values, max_size=4
    ),
    st.text(max_size=8),
    st.integers(),
)
def test_shape_only_rules_answer_the_same_for_objects_of_one_shape(
    obj: dict[str, Any], text: str, number: int
) -> None:
    from badges.structure import SHAPE_ONLY_RULES, _Walker

    twin = _twin(obj, text, number)
    for rule in SHAPE_ONLY_RULES:
        first, second = _Walker(), _Walker()
        rule(first, obj, "")
        rule(second, twin, "")
        assert [p.code for p in first.problems] == [p.code for p in second.problems]


def test_a_shape_with_an_end_date_still_has_its_dates_compared() -> None:
    pair = key()
    with_end = sign(
        unsigned(did_of(pair), credentialStatus=status_entry(8), validUntil="2030-01-01T00:00:00Z"),
        pair,
    )
    plan = compile_plan(with_end)
    assert plan is not None
    reversed_dates = _replace(with_end, ("validUntil",), "2020-01-01T00:00:00Z")
    assert [p.code for p in check_structure(reversed_dates)] == ["valid_until_before_valid_from"]
    assert not plan(reversed_dates)
    assert plan(_replace(with_end, ("validUntil",), "2031-06-01T00:00:00Z"))
