"""``make run``: the demo data, the demo sign-in links, and ``atouts serve --demo`` end to end."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from api.demo import DEMO_PEOPLE, seed_demo
from storage.engine import session_scope
from storage.tables import Credential, Job, MatchingOptIn, Organisation, WalletItem
from tests.api.webapp_fixtures import Web, csrf_of
from tests.conftest import REPO


def test_seeding_creates_each_demo_person_once(web: Web) -> None:
    seed_demo(web.app)
    seed_demo(web.app)  # a second start changes nothing
    with session_scope(web.engine, write=False) as session:
        assert session.exec(select(func.count()).select_from(Organisation)).one() == 2
        assert session.exec(select(func.count()).select_from(Credential)).one() == 3
        assert session.exec(select(func.count()).select_from(Job)).one() == 1
        assert session.exec(select(func.count()).select_from(MatchingOptIn)).one() == 1
        items = session.exec(select(WalletItem)).all()
    assert len(items) == 3
    assert {str(i.verdict) for i in items} == {"verified"}


def test_demo_sign_in_route_exists_only_in_demo_mode(web: Web) -> None:
    response = web.client.get("/demo/connexion/formatrice", headers={"accept": "application/json"})
    assert response.status_code == 404


def _sign_in(client: httpx.Client, link: str) -> None:
    page = client.get(link)
    assert page.status_code == 200
    done = client.post(link, data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 200  # followed to /mon-espace
    assert "Mon espace" in done.text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_atouts_serve_demo_prints_working_sign_in_links(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "ATOUTS_HOME": str(tmp_path / "home")}
    env.pop("ATOUTS_DATABASE_URL", None)
    env.pop("ATOUTS_BASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--demo", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Données de démonstration" in line:
                break
        printed = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in printed
        links = re.findall(rf"http://127\.0\.0\.1:{port}/demo/connexion/\w+", printed)
        assert len(links) == len(DEMO_PEOPLE)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        assert "<h1>" in httpx.get(base + "/").text
        roles = {}
        for link in links:
            with httpx.Client(follow_redirects=True) as client:
                _sign_in(client, link)
                roles[link.rsplit("/", 1)[1]] = set(client.get(base + "/api/me").json()["roles"])
        assert "issuer" in roles["formatrice"]
        assert "employer" in roles["employeur"]
        assert roles["beneficiaire"] == {"beneficiary"}
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    env = {**os.environ, "ATOUTS_HOME": str(tmp_path)}
    env.pop("ATOUTS_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--port", str(_free_port())],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "atouts db upgrade" in result.stderr


def test_verification_link_of_a_badge_issued_here_works_offline(web: Web) -> None:
    seed_demo(web.app)
    with session_scope(web.engine, write=False) as session:
        credential = session.exec(select(Credential)).first()
        assert credential is not None
    page = web.client.get("/verifier", params={"url": credential.credential_id})
    assert "Badge authentique" in page.text  # the QR code's link, read from our own database
    report = web.client.post("/verify", json={"url": credential.credential_id}).json()
    assert report["verdict"] == "verified"
