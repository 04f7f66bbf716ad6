# ruff: noqa: F811  (pytest fixtures imported from tests.issuer.conftest are parameters here)
"""Evidence given with both a link and a file keeps both: an OB 3.0 Evidence has a single
``id``, so they become two items (the link with the text, the file by its ``ni:`` digest), as
the CLI and the observation page issue them; one item is never asked to drop one."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest

from issuer.context import IssuerContext, IssuerError
from issuer.issuance import IssueSpec, evidence_item, evidence_items
from issuer.recipients import parse_recipient
from issuer.service import issue
from tests.issuer.conftest import (  # noqa: F401 - fixtures
    achievement_id,
    check,
    clock,
    ctx,
    kek,
    org,
)
from verifier import Verdict

DIGEST = hashlib.sha256(b"photo du chantier").hexdigest()
NI = "ni:///sha-256;" + base64.urlsafe_b64encode(bytes.fromhex(DIGEST)).decode().rstrip("=")
LINK = "https://exemple.org/portfolio/42"


def test_a_link_and_a_file_become_two_evidence_items_and_neither_is_lost() -> None:
    items = evidence_items(narrative="Pose observée", url=LINK, file_sha256=DIGEST, name="Chantier")
    assert items == [
        {"type": ["Evidence"], "id": LINK, "narrative": "Pose observée", "name": "Chantier"},
        {"type": ["Evidence"], "id": NI, "name": "Chantier"},
    ]
    unnamed = evidence_items(url=LINK, file_sha256=DIGEST)
    assert [i["id"] for i in unnamed] == [LINK, NI]
    assert unnamed[1]["name"] == "Fichier joint"


def test_one_piece_of_evidence_gives_one_item() -> None:
    assert evidence_items(file_sha256=DIGEST) == [{"type": ["Evidence"], "id": NI}]
    assert evidence_items(narrative="Observé") == [evidence_item(narrative="Observé")]


def test_one_evidence_item_asked_for_a_link_and_a_file_is_refused_not_truncated() -> None:
    with pytest.raises(IssuerError) as refused:
        evidence_item(url=LINK, file_sha256=DIGEST)
    assert refused.value.code == "evidence_link_and_file"


def test_a_badge_issued_with_a_link_and_a_file_carries_both_and_verifies(
    ctx: IssuerContext, achievement_id: str
) -> None:
    spec = IssueSpec(
        recipient=parse_recipient("lea@example.org"),
        evidence=evidence_items(narrative="Observé", url=LINK, file_sha256=DIGEST),
    )
    issued = issue(ctx, achievement_id, spec)
    document = json.loads(issued.signed_text)
    assert [e["id"] for e in document["evidence"]] == [LINK, NI]
    assert check(ctx, issued.signed_text).verdict == Verdict.VERIFIED
