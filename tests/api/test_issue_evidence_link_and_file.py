# ruff: noqa: F811  (pytest fixtures imported from shared modules are parameters here)
"""The JSON API keeps a file's digest given with a link in one evidence: the credential gets
both (two Evidence items), as the CLI and the observation page do."""

from __future__ import annotations

import base64
import hashlib

from fastapi.testclient import TestClient

from tests.api.issuer_api_fixtures import api_client, api_token, bearer  # noqa: F401
from tests.issuer.conftest import achievement_id, clock, ctx, kek, org  # noqa: F401

DIGEST = hashlib.sha256(b"compte rendu de stage").hexdigest()
NI = "ni:///sha-256;" + base64.urlsafe_b64encode(bytes.fromhex(DIGEST)).decode().rstrip("=")
LINK = "https://exemple.org/preuves/7"


def test_the_api_keeps_both_the_link_and_the_file_digest_of_one_evidence(
    api_client: TestClient, api_token: str, achievement_id: str
) -> None:
    response = api_client.post(
        "/api/issuer/credentials",
        json={
            "achievement_id": achievement_id,
            "recipient": "lea@example.org",
            "evidence": [
                {"narrative": "Stage observé", "url": LINK, "file_sha256": DIGEST},
                {"narrative": "Entretien"},
            ],
        },
        headers=bearer(api_token),
    )
    assert response.status_code == 201, response.text
    evidence = response.json()["credential"]["evidence"]
    assert [e.get("id") for e in evidence] == [LINK, NI, None]
    assert evidence[0]["narrative"] == "Stage observé"
    assert evidence[2]["narrative"] == "Entretien"
