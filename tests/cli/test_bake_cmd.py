"""``atouts bake`` / ``atouts unbake`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import EX_USAGE, main
from tests.badges.test_baking import JWS, SVG, tiny_png

CREDENTIAL_TEXT = '{"@context": ["https://www.w3.org/ns/credentials/v2"], "id": "urn:uuid:1"}'


def test_bake_json_into_png_then_unbake_prints_it_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cred.json").write_text(CREDENTIAL_TEXT + "\n", encoding="utf-8")
    (tmp_path / "badge.png").write_bytes(tiny_png())
    out = tmp_path / "baked.png"
    status = main(
        [
            "bake",
            str(tmp_path / "cred.json"),
            "--image",
            str(tmp_path / "badge.png"),
            "-o",
            str(out),
        ]
    )
    assert status == 0
    capsys.readouterr()
    assert main(["unbake", str(out)]) == 0
    assert capsys.readouterr().out.strip() == CREDENTIAL_TEXT


def test_bake_jwt_into_svg_picks_the_format_from_the_image_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cred.jwt").write_text(JWS, encoding="utf-8")
    (tmp_path / "badge.png").write_bytes(SVG)  # misleading name: the bytes decide
    out = tmp_path / "baked.svg"
    assert (
        main(
            [
                "bake",
                str(tmp_path / "cred.jwt"),
                "--image",
                str(tmp_path / "badge.png"),
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert b"<openbadges:credential verify=" in out.read_bytes()
    capsys.readouterr()
    assert main(["unbake", "--json", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"kind": "ob3_jwt", "source": "svg:credential", "payload": JWS}


def test_unbake_published_fixture(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = shared / "standards/1edtech-validator/ob30/simple-jwt.png"
    assert main(["unbake", str(image)]) == 0
    assert capsys.readouterr().out.startswith("eyJ")


def test_bake_refuses_a_credential_that_is_neither_json_nor_jwt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "cred.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "badge.png").write_bytes(tiny_png())
    status = main(
        [
            "bake",
            str(tmp_path / "cred.txt"),
            "--image",
            str(tmp_path / "badge.png"),
            "-o",
            str(tmp_path / "out.png"),
        ]
    )
    assert status == 1
    assert "erreur" in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()


def test_unbake_reports_the_code_for_an_image_without_badge(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plain.png").write_bytes(tiny_png())
    assert main(["unbake", str(tmp_path / "plain.png")]) == 1
    assert "no_baked_credential" in capsys.readouterr().err


def test_missing_files_and_arguments_are_usage_errors(tmp_path: Path) -> None:
    assert main(["unbake", str(tmp_path / "absent.png")]) == EX_USAGE
    with pytest.raises(SystemExit) as exited:
        main(["bake", "cred.json"])
    assert exited.value.code == EX_USAGE
