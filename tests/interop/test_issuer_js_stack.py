# ruff: noqa: F811  (pytest fixtures imported from tests.issuer.conftest are parameters here)
"""Badges issued by atouts (did:web issuer, status entry, levels, evidence, endorsements)
verify in the Digital Bazaar / DCC JavaScript stack, and a tampered copy does not."""

from __future__ import annotations

import json

import pytest

from issuer.context import IssuerContext
from issuer.endorsements import endorse
from issuer.issuance import IssueSpec, evidence_item
from issuer.orgs import create_organisation
from issuer.recipients import parse_recipient
from issuer.service import issue
from tests.interop.harness import JsRunner, published_documents
from tests.issuer.conftest import (  # noqa: F401 - fixtures shared with tests/issuer
    achievement_id,
    clock,
    ctx,
    kek,
    org,
)

pytestmark = pytest.mark.interop


def test_issued_badges_verify_in_the_js_stack(
    js: JsRunner, ctx: IssuerContext, achievement_id: str
) -> None:
    create_organisation(ctx, slug="employeur", name="Employeur Exemple")
    endorse(ctx, "employeur", comment="Conforme à nos besoins", achievement_id=achievement_id)
    spec = IssueSpec(
        recipient=parse_recipient("lea@example.org"),
        level="N2",
        evidence=[evidence_item(narrative="Observé en situation", url="https://exemple.org/p/1")],
    )
    issued = issue(ctx, achievement_id, spec)
    credential = json.loads(issued.signed_text)
    extra = {**published_documents(ctx, "mission-ouest"), **published_documents(ctx, "employeur")}
    result = js("verify-proof", {"credential": credential, "extraContexts": extra})
    assert result == {"verified": True, "errors": []}, result
    endorsement = credential["credentialSubject"]["achievement"]["endorsement"][0]
    assert js("verify-proof", {"credential": endorsement, "extraContexts": extra})["verified"]
    forged = {**credential, "name": "Autre badge"}
    assert js("verify-proof", {"credential": forged, "extraContexts": extra})["verified"] is False
