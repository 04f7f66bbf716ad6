"""The matching JSON API: POST /match, job offers, candidates, jobs for a wallet, proposals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.auth import Principal, Role, current_principal
from api.matching_routes import install
from api.problems import install_problem_handlers
from api.settings import Settings
from matching import store
from matching.model import Holding
from storage.engine import session_scope

BTP = "https://atouts.example/referentials/btp-blocs-exemple/1.0"


class _As:
    principal: Principal | None = None


@pytest.fixture
def who() -> _As:
    return _As()


@pytest.fixture
def client(tmp_path: Path, db_engine: Engine, who: _As) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.settings = Settings(base_url="https://atouts.example", home=tmp_path)
    app.state.engine = db_engine
    install_problem_handlers(app)
    install(app)
    app.dependency_overrides[current_principal] = lambda: who.principal
    with TestClient(app) as test_client:
        yield test_client


def _employer() -> Principal:
    return Principal(user_id="u-emp", roles=frozenset({Role.EMPLOYER}))


JOB: dict[str, Any] = {
    "offre": "OFF-1",
    "titre": "Maçon H/F",
    "exigences": [{"element": "CERT-MACON"}, {"element": "SE01", "obligatoire": False}],
}


def test_post_match_explains_a_what_if_holder(client: TestClient) -> None:
    response = client.post("/match", json={"target": "CERT-MACON", "holds": ["B-SECU", "MAC-B1"]})
    assert response.status_code == 200
    data = response.json()
    assert data["complete"] is False
    assert data["matched"]
    assert data["parameters"]["transfer_max_hops"] == 2
    inline = client.post("/match", json={"job": JOB, "holds": ["CERT-MACON"]}).json()
    assert inline["complete"] is True


def test_post_match_refuses_unknown_items_and_ambiguous_requests(client: TestClient) -> None:
    unknown = client.post("/match", json={"target": "NOPE", "holds": []})
    assert unknown.status_code == 404
    assert client.post("/match", json={"holds": ["MAC-B1"]}).status_code == 422
    bad = client.post(
        "/match", json={"job": {**JOB, "exigences": [{"element": "??"}]}, "holds": []}
    )
    assert bad.status_code == 422
    assert "n'existe dans aucun référentiel" in bad.json()["detail"]


def test_job_offers_need_an_employer_to_write(client: TestClient, who: _As) -> None:
    assert client.post("/jobs", json=JOB).status_code == 401
    who.principal = Principal(user_id="u", roles=frozenset({Role.BENEFICIARY}))
    assert client.post("/jobs", json=JOB).status_code == 403
    who.principal = _employer()
    assert client.post("/jobs", json=JOB).status_code == 201
    assert client.post("/jobs", json=JOB).status_code == 409
    assert [j["id"] for j in client.get("/jobs").json()["jobs"]] == ["OFF-1"]
    changed = {**JOB, "titre": "Maçon confirmé"}
    assert client.put("/jobs/OFF-1", json=changed).json()["title"] == "Maçon confirmé"
    assert client.get("/jobs/OFF-1").json()["title"] == "Maçon confirmé"
    assert client.delete("/jobs/OFF-1").status_code == 204
    assert client.get("/jobs/OFF-1").status_code == 404


def test_candidates_and_jobs_for_a_wallet(client: TestClient, who: _As, db_engine: Engine) -> None:
    from tests.matching.test_store import _wallet

    who.principal = _employer()
    assert client.post("/jobs", json=JOB).status_code == 201
    _wallet(db_engine, "w1", {"i1": "verified"})
    _wallet(db_engine, "w2", {"i2": "verified"})
    with session_scope(db_engine) as session:
        store.record_holdings(session, "w1", "i1", [Holding(f"{BTP}/blocks/MAC-B1")])
        store.record_holdings(session, "w2", "i2", [Holding(f"{BTP}/certifications/CERT-MACON")])
        store.opt_in(session, "w2", {"badges": False})
    ranked = client.get("/jobs/OFF-1/candidates").json()["candidates"]
    assert [c["id"] for c in ranked] == ["w2"]  # w1 did not opt in
    assert {m["badge_id"] for m in ranked[0]["matched"]} == {None}
    with session_scope(db_engine) as session:
        store.opt_in(session, "w2", {"badges": True})  # a new choice is seen at once
    ranked = client.get("/jobs/OFF-1/candidates").json()["candidates"]
    assert {m["badge_id"] for m in ranked[0]["matched"]} == {"urn:uuid:i2"}
    with session_scope(db_engine) as session:
        store.withdraw(session, "w2")
    assert client.get("/jobs/OFF-1/candidates").json()["candidates"] == []
    with session_scope(db_engine) as session:
        store.opt_in(session, "w2")
    who.principal = Principal(
        user_id="u1", roles=frozenset({Role.BENEFICIARY}), wallet_ids=frozenset({"w1"})
    )
    assert client.get("/jobs/OFF-1/candidates").status_code == 403
    jobs = client.get("/wallets/w1/jobs").json()["jobs"]
    assert [j["id"] for j in jobs] == ["OFF-1"]
    assert client.get("/wallets/w2/jobs").status_code == 404


def test_proposals_are_marked_unconfirmed(client: TestClient) -> None:
    data = client.post("/match/proposals", json={"text": "travailler en sécurité"}).json()
    assert data["proposals"]
    assert all(p["confirmed"] is False for p in data["proposals"])


def test_only_the_offers_organisation_manages_it_and_sees_its_candidates(
    client: TestClient, who: _As, db_engine: Engine
) -> None:
    from storage.tables import Organisation

    with session_scope(db_engine) as session:
        session.add(Organisation(id="org-a", slug="a", name="A"))
        session.add(Organisation(id="org-b", slug="b", name="B"))
    owner = Principal(
        user_id="u-a",
        roles=frozenset({Role.EMPLOYER}),
        organisations={Role.EMPLOYER: frozenset({"org-a"})},
    )
    other = Principal(
        user_id="u-b",
        roles=frozenset({Role.EMPLOYER}),
        organisations={Role.EMPLOYER: frozenset({"org-b"})},
    )
    who.principal = owner
    assert client.post("/jobs", json=JOB).status_code == 201
    who.principal = other
    assert client.get("/jobs/OFF-1/candidates").status_code == 404
    assert client.put("/jobs/OFF-1", json=JOB).status_code == 404
    assert client.delete("/jobs/OFF-1").status_code == 404
    who.principal = owner
    assert client.get("/jobs/OFF-1/candidates").status_code == 200
    assert client.delete("/jobs/OFF-1").status_code == 204


def test_post_match_counts_only_the_badges_that_verify(client: TestClient) -> None:
    import copy

    from tests.verifier.builders import did_of, key, sign, unsigned

    pair = key(9)
    credential = unsigned(did_of(pair))
    credential["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetUrl": f"{BTP}/blocks/B-SECU", "targetName": "Sécurité"}
    ]
    good = sign(credential, pair)
    tampered = copy.deepcopy(good)
    tampered["credentialSubject"]["achievement"]["alignment"][0]["targetUrl"] = (
        f"{BTP}/blocks/MAC-B1"
    )
    data = client.post(
        "/match", json={"target": "CERT-MACON", "credentials": [good, tampered]}
    ).json()
    assert {m["held"] for m in data["matched"]} == {f"{BTP}/blocks/B-SECU"}
    assert {m["badge_id"] for m in data["matched"]} == {good["id"]}
