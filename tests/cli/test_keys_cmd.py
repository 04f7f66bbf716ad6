"""``atouts keys generate`` / ``atouts keys public``."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from badges.keys import Ed25519KeyPair, load_key_file
from cli.main import main


def test_generate_writes_a_did_key_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "key.json"
    assert main(["keys", "generate", "-o", str(out)]) == 0
    data = json.loads(out.read_text())
    assert set(data) >= {"publicKeyMultibase", "secretKeyMultibase", "id", "controller"}
    assert data["controller"] == "did:key:" + data["publicKeyMultibase"]
    assert data["id"] == data["controller"] + "#" + data["publicKeyMultibase"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert isinstance(load_key_file(out), Ed25519KeyPair)
    assert capsys.readouterr().out.strip() == data["id"]


def test_generate_never_overwrites(tmp_path: Path) -> None:
    out = tmp_path / "key.json"
    out.write_text("précieux")
    assert main(["keys", "generate", "-o", str(out)]) == 1
    assert out.read_text() == "précieux"


def test_generate_with_controller(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "generate", "--controller", "https://org.example/profil"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["id"].startswith("https://org.example/profil#z6Mk")


def test_public_prints_no_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "key.json"
    main(["keys", "generate", "-o", str(out)])
    capsys.readouterr()
    assert main(["keys", "public", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "secretKeyMultibase" not in printed
    assert printed["publicKeyMultibase"].startswith("z6Mk")
