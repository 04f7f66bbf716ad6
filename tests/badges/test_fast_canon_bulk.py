"""Bulk signing on several processes: same proofs as one at a time, in order, errors per item."""

from __future__ import annotations

import copy
from typing import Any

from badges.keys import Ed25519KeyPair
from badges.proofs.bulk import BulkSigner, sign_many
from badges.proofs.data_integrity import create_proof, verify_proof

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
KEY = Ed25519KeyPair.from_seed(bytes(range(32)))
VM = f"{KEY.public.did_key}#{KEY.public.public_key_multibase}"
OPTIONS: dict[str, Any] = {"verification_method": VM, "created": "2026-01-01T00:00:00Z"}


def badge(number: int) -> dict[str, Any]:
    return {
        "@context": [VC_V2, OB],
        "id": f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": KEY.public.did_key, "type": ["Profile"], "name": "Org"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"did:example:learner{number}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://issuer.example/a/1",
                "type": ["Achievement"],
                "name": "Ponctualité",
                "criteria": {"narrative": "Observé en situation"},
            },
        },
    }


def test_two_processes_give_the_same_proofs_in_order() -> None:
    documents = [badge(i) for i in range(40)]
    outcomes = sign_many(documents, KEY, processes=2, **OPTIONS)
    assert [o.signed for o in outcomes] == [create_proof(d, KEY, **OPTIONS) for d in documents]
    for outcome in outcomes[:3]:
        assert outcome.signed is not None
        assert verify_proof(outcome.signed, resolve_key=lambda _vm: KEY.public).verified


def test_a_bad_document_fails_alone_with_its_code() -> None:
    documents = [badge(i) for i in range(20)]
    bad = copy.deepcopy(documents[7])
    bad["credentialSubject"]["grade"] = "A+"  # undefined term: data loss
    documents[7] = bad
    with BulkSigner(KEY, processes=2, **OPTIONS) as signer:
        outcomes = signer.sign_all(documents)
    assert [o.ok for o in outcomes].count(False) == 1
    assert outcomes[7].error_code == "data_loss"
    assert outcomes[8].ok


def test_a_document_that_is_not_json_ld_fails_alone() -> None:
    documents: list[Any] = [badge(i) for i in range(3)]
    documents[1] = {"@context": [VC_V2, OB], "credentialSubject": {"id": 42}}
    outcomes = sign_many(documents, KEY, processes=1, **OPTIONS)
    assert [o.ok for o in outcomes] == [True, False, True]
    assert outcomes[1].error_code is not None


def test_small_batches_are_signed_in_process() -> None:
    signer = BulkSigner(KEY, processes=2, **OPTIONS)
    outcomes = signer.sign_all([badge(1)])
    assert outcomes[0].ok
    assert signer._pool is None  # no worker started for one document
