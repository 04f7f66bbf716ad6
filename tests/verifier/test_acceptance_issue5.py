"""Issue 5, "What must hold": the attacks of reliability-ux.md §A3 each have a test, and the
verifier keeps its contract on them.

Most attacks are tested where their check lives (``test_attacks.py``, ``test_pipeline.py``);
``A3_TESTS`` names them, and the first test fails if one disappears or is renamed, so the list
in ``docs/acceptance.md`` stays true. The attacks without a verifier-level test elsewhere are
tested here.
"""

from __future__ import annotations

import importlib

import pytest

from tests.verifier.builders import NOW, key, signed
from verifier import VerifyOptions, verify
from verifier.report import CheckId, Outcome, Verdict

A3_TESTS: dict[str, list[str]] = {
    "S1 term redefinition": ["test_attacks.test_s1_protected_term_redefinition_is_refused"],
    "S2 remote context": ["test_pipeline.test_remote_context_is_refused_without_any_request"],
    "S3 undefined terms": [
        "test_acceptance_issue5.test_s3_a_member_no_context_defines_is_data_loss_not_ignored"
    ],
    "S4 poison graph": [
        "test_attacks.test_s4_blank_node_flood_is_refused_before_canonicalization",
        "test_attacks.test_s4_canonicalization_work_limit_has_its_own_code",
    ],
    "S5 alg none and algorithm confusion": [
        "test_pipeline.test_jwt_with_alg_none_is_refused",
        "test_attacks.test_s5_hmac_signed_with_the_public_key_is_refused",
        "test_attacks.test_s5_jwt_signed_by_another_key_with_the_issuer_kid_fails",
    ],
    "S6 did:web to a private address": [
        "test_pipeline.test_did_web_to_a_private_address_is_refused_and_inconclusive",
        "test_attacks.test_s6_status_list_url_to_a_private_address_is_inconclusive",
    ],
    "S7 key substitution": [
        "test_pipeline.test_key_substitution_is_refused",
        "test_pipeline.test_fragment_key_of_an_https_issuer_is_never_trusted",
        "test_acceptance_issue5.test_s7_signature_valid_but_key_of_another_party_is_not_verified",
    ],
    "S8 presentation replay with a wrong challenge": [
        "test_pipeline.test_presentation_replayed_with_another_challenge_is_refused"
    ],
    "S10 PNG bombs": [
        "test_attacks.test_s10_png_with_two_credential_chunks_is_refused",
        "test_attacks.test_s10_compressed_credential_chunk_and_ztxt_bomb_are_refused",
        "test_attacks.test_s10_oversized_image_is_refused_by_size",
    ],
    "S11 SVG bombs and XML entities": ["test_attacks.test_s11_svg_external_entity_is_refused"],
}


@pytest.mark.parametrize("attack", sorted(A3_TESTS))
def test_every_a3_attack_has_a_verifier_test(attack: str) -> None:
    for dotted in A3_TESTS[attack]:
        module_name, function = dotted.split(".")
        module = importlib.import_module(f"tests.verifier.{module_name}")
        assert callable(getattr(module, function, None)), (attack, dotted)


def test_s3_a_member_no_context_defines_is_data_loss_not_ignored() -> None:
    credential = signed()
    # Added after signing, and defined by no context: JSON-LD would silently drop it, so the
    # signature would "cover" text it never saw. Safe mode refuses instead.
    credential["credentialSubject"]["note"] = "20/20"
    report = verify(credential, options=VerifyOptions(now=NOW))
    assert report.verdict == Verdict.NOT_VERIFIED
    assert report.outcome(CheckId.PROOF) == Outcome.FAILED
    assert "data_loss" in report.check(CheckId.PROOF).codes()  # type: ignore[union-attr]


def test_s7_signature_valid_but_key_of_another_party_is_not_verified() -> None:
    from tests.verifier.builders import did_of, sign, unsigned

    issuer, attacker = key(1), key(2)
    report = verify(sign(unsigned(did_of(issuer)), attacker), options=VerifyOptions(now=NOW))
    proof = report.check(CheckId.PROOF)
    assert proof is not None
    # The report tells the two findings apart: the signature matches the attacker's own key,
    # and that key is not the issuer's.
    assert proof.details["proofs"][0]["signature"] == "valid"
    assert proof.details["proofs"][0]["key_binding"] == "not_bound"
    assert report.verdict == Verdict.NOT_VERIFIED


def test_the_acceptance_map_of_issues_2_5_and_9_names_tests_that_exist() -> None:
    import re

    from tests.conftest import REPO

    text = (REPO / "docs" / "acceptance.md").read_text(encoding="utf-8")
    sections = [text.split(f"## Issue {n} ", 1)[1].split("\n## ", 1)[0] for n in (2, 5, 9)]
    named = set(re.findall(r"`(tests/[\w/]+\.py)::(test_\w+)`", "\n".join(sections)))
    assert len(named) > 40
    missing = []
    for path, function in sorted(named):
        source = (REPO / path).read_text(encoding="utf-8") if (REPO / path).is_file() else ""
        if not re.search(rf"^def {function}\(", source, re.M):
            missing.append(f"{path}::{function}")
    assert not missing, missing
