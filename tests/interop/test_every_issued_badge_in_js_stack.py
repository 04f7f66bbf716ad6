# ruff: noqa: F811  (pytest fixtures imported from tests.issuer.conftest are parameters here)
"""Issue 4, "every badge issued by atouts ... verifies in the DCC JavaScript stack": not one
example but each way atouts makes a badge — every recipient kind (claim code included),
suspendable, with an expiry, re-issued, from a bulk file (one by one and pipelined), from a
local did:key demo — and the signed status list itself, each verified by the Digital Bazaar
stack (``@digitalbazaar/vc`` with the eddsa-rdfc-2022 cryptosuite), while a changed copy is not.
Also checks the OB 3.0 structure and JSON Schema of each, as atouts' own verifier does. Badges
issued with the other suites atouts offers are checked by independent JavaScript code too:
eddsa-jcs-2022 by Digital Bazaar's cryptosuite, VC-JWT by ``jose`` (DCC has no VC-JWT verifier)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from badges.schema import check_json_schema
from badges.structure import check_structure
from issuer.achievements import create_achievement
from issuer.batch import run_batch, submit_batch
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from issuer.issuance import JWT_SUITE, IssueSpec, evidence_item
from issuer.orgs import create_organisation
from issuer.recipients import parse_recipient
from issuer.service import issue
from issuer.status import change_status
from storage.engine import create_engine, session_scope
from storage.tables import Credential, StatusList
from tests.interop.harness import JsRunner, published_documents
from tests.issuer.conftest import (  # noqa: F401 - fixtures shared with tests/issuer
    Clock,
    achievement_id,
    clock,
    ctx,
    kek,
    org,
    referential,
)

pytestmark = pytest.mark.interop


def _ob_errors(credential: dict[str, Any]) -> list[str]:
    found = check_structure(credential) + check_json_schema(credential)
    return [p.code for p in found if p.severity == "error"]


def _proof_holds(js: JsRunner, credential: dict[str, Any], extra: dict[str, Any]) -> None:
    result = js("verify-proof", {"credential": credential, "extraContexts": extra})
    assert result == {"verified": True, "errors": []}, (credential.get("id"), result)
    forged = {**credential, "validFrom": "2020-01-01T00:00:00Z"}
    assert js("verify-proof", {"credential": forged, "extraContexts": extra})["verified"] is False


def test_badges_of_every_kind_verify_in_the_js_stack(
    js: JsRunner, ctx: IssuerContext, achievement_id: str, clock: Clock, tmp_path: Path
) -> None:
    specs = [
        IssueSpec(recipient=parse_recipient("lea@example.org"), level="N1"),
        IssueSpec(recipient=parse_recipient("0692123456"), suspendable=True),
        IssueSpec(
            recipient=parse_recipient("nir:1 85 05 97 411 123"),
            evidence=[evidence_item(file_sha256="ab" * 32)],
        ),
        IssueSpec(
            recipient=parse_recipient("id:CFA-42"),
            valid_until=clock.now + timedelta(days=365),
        ),
        IssueSpec(recipient=parse_recipient(None), evidence=[evidence_item(narrative="Observé")]),
    ]
    issued = [issue(ctx, achievement_id, spec) for spec in specs]
    clock.advance(3600)
    issued.append(
        issue(
            ctx,
            achievement_id,
            IssueSpec(
                recipient=parse_recipient("lea@example.org"), level="N3", replaces=issued[0].row_id
            ),
        )
    )
    lines = "".join(f"p{i}@example.org;N2\n" for i in range(6))
    path = tmp_path / "lot.csv"
    path.write_text("email;niveau\n" + lines, encoding="utf-8")
    for pipeline in (False, True):
        batch, _ = submit_batch(ctx, achievement_id, path, idempotency_key=f"lot-{pipeline}")
        run_batch(ctx, batch.id, pipeline=pipeline, processes=1, chunk=4)
    change_status(ctx, issued[1].row_id, action="suspend")  # the list changes: republished

    extra = published_documents(ctx, "mission-ouest")
    with session_scope(ctx.engine, write=False) as session:
        texts = session.exec(select(Credential.signed_text)).all()
        lists = session.exec(select(StatusList.published_text)).all()
    assert len(texts) == len(issued) + 12
    for text in texts:
        credential = json.loads(text)
        assert _ob_errors(credential) == [], credential["id"]
        _proof_holds(js, credential, extra)
    for published in lists:
        assert published is not None
        _proof_holds(js, json.loads(published), extra)


def test_a_local_did_key_demo_badge_verifies_in_the_js_stack_without_any_document(
    js: JsRunner, db_url: str, kek: bytes
) -> None:
    engine = create_engine(db_url)
    try:
        local = IssuerContext(
            engine=engine, custody=KeyCustody([kek]), base_url="http://127.0.0.1:8000"
        )
        create_organisation(local, slug="demo", name="Démo")
        row = create_achievement(local, "demo", referential("attitude-pro-reunion"), ["SE03"])
        issued = issue(local, row.id, IssueSpec(recipient=parse_recipient("a@example.org")))
    finally:
        engine.dispose()
    credential = json.loads(issued.signed_text)
    assert _ob_errors(credential) == []
    # The did:key resolves offline in the JS stack (no DID document to hand it), and the key
    # is the issuer's own: the method is a fragment of the issuer's identifier.
    assert credential["proof"]["verificationMethod"].startswith(credential["issuer"]["id"] + "#")
    _proof_holds(js, credential, {})


def test_badges_issued_with_eddsa_jcs_2022_verify_in_the_js_stack(
    js: JsRunner, ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    single = issue(
        ctx,
        achievement_id,
        IssueSpec(recipient=parse_recipient("lea@example.org"), suite="eddsa-jcs-2022"),
    )
    path = tmp_path / "lot.csv"
    path.write_text("email;niveau\np1@example.org;N2\np2@example.org;N1\n", encoding="utf-8")
    batch, _ = submit_batch(ctx, achievement_id, path, suite="eddsa-jcs-2022")
    assert run_batch(ctx, batch.id).issued == 2
    extra = published_documents(ctx, "mission-ouest")
    with session_scope(ctx.engine, write=False) as session:
        texts = session.exec(select(Credential.signed_text)).all()
    assert single.signed_text in texts
    assert len(texts) == 3
    for text in texts:
        credential = json.loads(text)
        assert credential["proof"]["cryptosuite"] == "eddsa-jcs-2022"
        assert _ob_errors(credential) == []
        _proof_holds(js, credential, extra)


def test_a_vc_jwt_badge_verifies_with_an_independent_jose_library(
    js: JsRunner, ctx: IssuerContext, achievement_id: str
) -> None:
    issued = issue(
        ctx,
        achievement_id,
        IssueSpec(recipient=parse_recipient("lea@example.org"), suite=JWT_SUITE),
    )
    token = issued.signed_text
    methods = published_documents(ctx, "mission-ouest")
    result = js("verify-jwt", {"jwt": token, "documents": methods})
    assert result["verified"] is True, result
    assert result["header"]["alg"] == "EdDSA"
    assert result["header"]["kid"] in methods
    claims = result["claims"]
    assert claims["iss"] == claims["issuer"]["id"]
    assert "OpenBadgeCredential" in claims["type"]
    assert (
        _ob_errors(
            {k: v for k, v in claims.items() if k not in ("iss", "nbf", "jti", "sub", "exp")}
        )
        == []
    )
    # A payload changed after signing (another badge name) is refused.
    header, _, signature = token.split(".")
    forged_claims = {**claims, "name": "Diplôme d'ingénieur"}
    payload = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
    forged = js("verify-jwt", {"jwt": f"{header}.{payload}.{signature}", "documents": methods})
    assert forged["verified"] is False
    assert forged["errors"] == ["ERR_JWS_SIGNATURE_VERIFICATION_FAILED"]
