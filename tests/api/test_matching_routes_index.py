"""The application's one matching index: updated incrementally, never rebuilt per request;
stored jobs naming unknown items and unknown levels handled clearly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api.auth import Principal, Role, current_principal
from api.matching_index import MatchingIndex
from api.matching_routes import install
from api.problems import install_problem_handlers
from api.settings import Settings
from matching import store
from matching.model import Holding, Job, Requirement
from referentials.model import Item, ItemKind, Referential, Status
from referentials.store import FilesystemReferentialStore
from storage.engine import session_scope
from tests.matching.test_store import _wallet

BTP = "https://atouts.example/referentials/btp-blocs-exemple/1.0"
GONE = "https://elsewhere.example/referentials/retire/1.0/competences/X1"
NEW = "https://atouts.example/referentials/importe-apres/1.0/competences/C1"


class _As:
    principal: Principal | None = None


@pytest.fixture
def who() -> _As:
    return _As()


@pytest.fixture
def app(tmp_path: Path, db_engine: Engine) -> FastAPI:
    application = FastAPI()
    application.state.settings = Settings(base_url="https://atouts.example", home=tmp_path)
    application.state.engine = db_engine
    install_problem_handlers(application)
    install(application)
    return application


@pytest.fixture
def client(app: FastAPI, who: _As) -> Iterator[TestClient]:
    app.dependency_overrides[current_principal] = lambda: who.principal
    with TestClient(app) as test_client:
        yield test_client


def _index(app: FastAPI) -> MatchingIndex:
    index = app.state.matching_index
    assert isinstance(index, MatchingIndex)
    return index


EMPLOYER = Principal(user_id="u-emp", roles=frozenset({Role.EMPLOYER}))


def _holder_principal(*wallets: str) -> Principal:
    return Principal(
        user_id="u1", roles=frozenset({Role.BENEFICIARY}), wallet_ids=frozenset(wallets)
    )


def _save(engine: Engine, job: Job) -> None:
    with session_scope(engine) as session:
        store.save_job(session, job)


def _holds(engine: Engine, wallet_id: str, item_id: str, node: str, *, opt_in: bool) -> None:
    _wallet(engine, wallet_id, {item_id: "verified"})
    with session_scope(engine) as session:
        store.record_holdings(session, wallet_id, item_id, [Holding(node)])
        if opt_in:
            store.opt_in(session, wallet_id)


def test_stored_jobs_naming_unknown_items_are_ranked_with_the_item_set_aside(
    client: TestClient, who: _As, db_engine: Engine
) -> None:
    job = Job(
        "OFF-9",
        "Maçon",
        (Requirement(GONE, label="Compétence retirée"), Requirement(f"{BTP}/blocks/MAC-B1")),
    )
    _save(db_engine, job)
    _holds(db_engine, "w1", "i1", f"{BTP}/blocks/MAC-B1", opt_in=True)
    who.principal = EMPLOYER
    response = client.get("/jobs/OFF-9/candidates")
    assert response.status_code == 200
    [candidate] = response.json()["candidates"]
    assert candidate["id"] == "w1"
    assert candidate["complete"] is False
    assert [(u["requirement"], u["kind"]) for u in candidate["unresolved"]] == [(GONE, "node")]
    assert "Compétence retirée" in candidate["unresolved"][0]["reason"]
    who.principal = _holder_principal("w1")
    mine = client.get("/wallets/w1/jobs")
    assert mine.status_code == 200
    [ranked] = mine.json()["jobs"]
    assert ranked["id"] == "OFF-9"
    assert ranked["unresolved"][0]["requirement"] == GONE


def test_an_unknown_expected_level_is_refused_with_a_clear_french_message(
    client: TestClient, who: _As
) -> None:
    who.principal = EMPLOYER
    body: dict[str, Any] = {
        "offre": "OFF-L",
        "titre": "Agent",
        "exigences": [{"element": "B-SECU", "niveau": "expert"}],
    }
    refused = client.post("/jobs", json=body)
    assert refused.status_code == 422
    assert "niveau inconnu « expert »" in refused.json()["detail"]
    assert client.post("/match", json={"job": body, "holds": []}).status_code == 422
    body["exigences"][0]["niveau"] = "2"
    assert client.post("/jobs", json=body).status_code == 201


def test_one_index_is_updated_incrementally_not_rebuilt_per_request(
    app: FastAPI, client: TestClient, who: _As, db_engine: Engine
) -> None:
    _save(db_engine, Job("OFF-1", "Maçon", (Requirement(f"{BTP}/certifications/CERT-MACON"),)))
    _holds(db_engine, "w1", "i1", f"{BTP}/blocks/MAC-B1", opt_in=True)
    _holds(db_engine, "w2", "i2", f"{BTP}/certifications/CERT-MACON", opt_in=True)
    who.principal = EMPLOYER
    ids = [c["id"] for c in client.get("/jobs/OFF-1/candidates").json()["candidates"]]
    assert ids == ["w2", "w1"]
    index = _index(app)
    matcher = index.matcher
    assert (index.graph_builds, index.holder_loads) == (1, 2)
    for _ in range(3):  # nothing changed: nothing is reloaded
        client.get("/jobs/OFF-1/candidates")
    assert index.matcher is matcher
    assert (index.graph_builds, index.holder_loads) == (1, 2)

    # Someone new opts in: only that wallet is loaded.
    _holds(db_engine, "w3", "i3", f"{BTP}/blocks/MAC-B2", opt_in=True)
    ids = [c["id"] for c in client.get("/jobs/OFF-1/candidates").json()["candidates"]]
    assert ids == ["w2", "w1", "w3"] or set(ids) == {"w1", "w2", "w3"}
    assert index.holder_loads == 3
    # A withdrawal removes the wallet at once, without reloading the others.
    with session_scope(db_engine) as session:
        store.withdraw(session, "w2")
    ids = [c["id"] for c in client.get("/jobs/OFF-1/candidates").json()["candidates"]]
    assert "w2" not in ids
    assert index.holder_loads == 3
    assert index.matcher is matcher

    # Jobs for a person: the open offers are indexed once, then followed one by one.
    who.principal = _holder_principal("w1")
    assert [j["id"] for j in client.get("/wallets/w1/jobs").json()["jobs"]] == ["OFF-1"]
    assert index.job_loads == 1
    client.get("/wallets/w1/jobs")
    assert index.job_loads == 1
    _save(db_engine, Job("OFF-2", "Maçon bis", (Requirement(f"{BTP}/blocks/MAC-B1"),)))
    found = [j["id"] for j in client.get("/wallets/w1/jobs").json()["jobs"]]
    assert found == ["OFF-2", "OFF-1"]
    assert index.job_loads == 2
    _save(
        db_engine,
        Job("OFF-2", "Maçon bis", (Requirement(f"{BTP}/blocks/MAC-B1"),), status="closed"),
    )
    assert [j["id"] for j in client.get("/wallets/w1/jobs").json()["jobs"]] == ["OFF-1"]
    assert index.job_loads == 2
    assert index.graph_builds == 1


def test_a_referential_imported_after_start_up_is_matched_without_a_restart(
    app: FastAPI, client: TestClient, who: _As, db_engine: Engine, tmp_path: Path
) -> None:
    body = {"offre": "OFF-N", "titre": "Nouveau", "exigences": [{"element": NEW}]}
    who.principal = EMPLOYER
    assert client.post("/jobs", json=body).status_code == 422  # not loaded yet
    assert _index(app).graph_builds == 1
    referential = Referential(
        "importe-apres",
        "1.0",
        {"fr": "Importé après le démarrage"},
        Status.PUBLISHED,
        items=(Item("C1", ItemKind.COMPETENCE, {"fr": "Compétence nouvelle"}),),
    )
    FilesystemReferentialStore(tmp_path / "referentials").save(referential)
    assert client.post("/jobs", json=body).status_code == 201
    assert _index(app).graph_builds == 2
    _holds(db_engine, "w1", "i1", NEW, opt_in=True)
    [candidate] = client.get("/jobs/OFF-N/candidates").json()["candidates"]
    assert (candidate["id"], candidate["complete"]) == ("w1", True)
    assert _index(app).graph_builds == 2


def test_many_withdrawals_compact_the_index_and_keep_its_offers(
    tmp_path: Path, db_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from matching.ranking import Matcher

    index = MatchingIndex(tmp_path, "https://atouts.example")
    _save(db_engine, Job("OFF-1", "Maçon", (Requirement(f"{BTP}/blocks/MAC-B1"),)))
    for n in range(3):
        _holds(db_engine, f"w{n}", f"i{n}", f"{BTP}/blocks/MAC-B1", opt_in=True)
    with session_scope(db_engine, write=False) as session:
        before = index.sync(session)
    with session_scope(db_engine) as session:
        store.withdraw(session, "w0")
        store.withdraw(session, "w1")
    monkeypatch.setattr(Matcher, "stale_slots", property(lambda self: 5000))
    with session_scope(db_engine, write=False) as session:
        after = index.sync(session)
    assert after is not before  # rebuilt from the live rows only
    assert after is index.matcher
    assert after.compiled_job("OFF-1") is not None
    assert [r.id for r in after.candidates(after.compiled_job("OFF-1") or Job("x", "x", ()))] == [
        "w2"
    ]
