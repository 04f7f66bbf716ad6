"""Being found by employers through the JSON API, as on the page « /metiers-proches/visibilite »
(issue 8: « everything the pages do is in the API »): the holder agrees (choosing what is
shown) or withdraws, and the ranking follows at once; a counsellor reads the choice but never
makes it; nobody else learns the wallet exists; both changes are audited without personal data.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import select

from api.demo import DEMO_PEOPLE, seed_demo
from storage.engine import session_scope
from storage.tables import AuditEvent, Consent, ConsentScope, MatchingOptIn, User, Wallet
from tests.api.webapp_fixtures import NOW, Web, add_user, signed_in

JSON = {"accept": "application/json", "x-csrf-token": "t" * 32}


def _demo(web: Web, who: str) -> TestClient:
    email = next(p.email for p in DEMO_PEOPLE if p.key == who)
    with session_scope(web.engine, write=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
    return _with_csrf(signed_in(web, user.id))


def _with_csrf(client: TestClient) -> TestClient:
    client.cookies.set("atouts_csrf", "t" * 32)
    return client


def _wallet_id(web: Web) -> str:
    email = next(p.email for p in DEMO_PEOPLE if p.key == "beneficiaire")
    with session_scope(web.engine, write=False) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        return session.exec(select(Wallet.id).where(Wallet.holder_user_id == user.id)).one()


def _candidates(employer: TestClient) -> list[dict[str, Any]]:
    answer = employer.get("/jobs/demo-aide-macon/candidates", headers=JSON)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["candidates"])


def test_the_holder_withdraws_and_agrees_again_and_the_ranking_follows(web: Web) -> None:
    seed_demo(web.app)
    holder, employer, wallet = _demo(web, "beneficiaire"), _demo(web, "employeur"), _wallet_id(web)
    path = f"/wallets/{wallet}/visibility"
    assert holder.get(path, headers=JSON).json() == {
        "wallet_id": wallet,
        "visible": True,
        "display_name": True,
        "badges": False,
    }
    assert [c["id"] for c in _candidates(employer)] == [wallet]

    assert holder.delete(path, headers=JSON).status_code == 204
    assert holder.get(path, headers=JSON).json()["visible"] is False
    assert _candidates(employer) == []

    agreed = holder.put(path, json={"display_name": False, "badges": True}, headers=JSON)
    assert agreed.status_code == 200, agreed.text
    assert agreed.json() == {
        "wallet_id": wallet,
        "visible": True,
        "display_name": False,
        "badges": True,
    }
    assert [c["id"] for c in _candidates(employer)] == [wallet]

    with session_scope(web.engine, write=False) as session:
        rows = session.exec(select(AuditEvent).where(AuditEvent.object_id == wallet)).all()
    actions = [r.action for r in rows]
    assert "matching.withdraw" in actions
    assert "matching.opt_in" in actions
    logged = json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False)
    assert "Samir" not in logged
    assert "beneficiaire@" not in logged


def test_only_the_holder_decides_and_others_do_not_learn_the_wallet_exists(web: Web) -> None:
    seed_demo(web.app)
    wallet = _wallet_id(web)
    path = f"/wallets/{wallet}/visibility"

    stranger = _with_csrf(signed_in(web, add_user(web.engine, "Autre personne")))
    for method in ("GET", "PUT", "DELETE"):
        body = {"json": {}} if method == "PUT" else {}
        answer = stranger.request(method, path, headers=JSON, **body)
        assert answer.status_code in (403, 404), (method, answer.status_code)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert stranger.get(path, headers=JSON).json()["code"] == "not_found"

    employer = _demo(web, "employeur")
    assert employer.delete(path, headers=JSON).status_code == 403
    assert TestClient(web.app).get(path, headers=JSON).status_code == 401

    # A counsellor acting for the person, with consent, reads the choice; only the person makes it.
    counsellor_id = add_user(web.engine, "Conseillère")
    with session_scope(web.engine) as session:
        session.add(
            Consent(
                wallet_id=wallet,
                scope=ConsentScope.CUSTODY,
                counsellor_user_id=counsellor_id,
                wording="Accompagnement",
                recorded_at=NOW,
            )
        )
    counsellor = _with_csrf(signed_in(web, counsellor_id))
    assert counsellor.get(path, headers=JSON).json()["visible"] is True
    refused = counsellor.delete(path, headers=JSON)
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert counsellor.put(path, json={}, headers=JSON).status_code == 403
    assert holder_still_visible(web, wallet)


def holder_still_visible(web: Web, wallet: str) -> bool:
    with session_scope(web.engine, write=False) as session:
        return session.get(MatchingOptIn, wallet) is not None
