"""``atouts referential import|list|show|export`` end to end, on a temporary ATOUTS_HOME."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from cli.main import main
from referentials.bundled import bundled_paths
from referentials.yaml_format import loads


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path))
    monkeypatch.setenv("ATOUTS_BASE_URL", "https://atouts.test")
    return tmp_path


def test_import_prints_counts_and_stores(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = bundled_paths()[0]
    assert main(["referential", "import", str(path), "--format", "yaml", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["nodes_by_type"]["competence"] == 12
    assert out["edges_by_type"]["hasSkillLevel"] == 36
    assert out["warnings"] == []
    assert out["stored"] == [
        {
            "slug": "attitude-pro-reunion",
            "version": "1.0",
            "status": "published",
            "outcome": "created",
        }
    ]
    assert (home / "referentials" / "attitude-pro-reunion" / "1.0.yaml").is_file()
    assert main(["referential", "import", str(path), "--format", "yaml", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stored"][0]["outcome"] == "unchanged"


def test_list_show_and_export(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["referential", "import", "--bundled"]) == 0
    assert "btp-blocs-exemple 1.0 : enregistré" in capsys.readouterr().out
    assert main(["referential", "list"]) == 0
    listing = capsys.readouterr().out
    assert "modules-additionnels-exemple\t1.0\tpublié" in listing
    assert main(["referential", "show", "attitude-pro-reunion"]) == 0
    shown = capsys.readouterr().out
    assert "Hôtel Lagon Exemple (employeur)" in shown
    assert "https://atouts.test/referentials/attitude-pro-reunion/1.0" in shown
    out = home / "btp.yaml"
    assert (
        main(["referential", "export", "btp-blocs-exemple", "--format", "yaml", "-o", str(out)])
        == 0
    )
    assert loads(out.read_text("utf-8")).slug == "btp-blocs-exemple"
    assert main(["referential", "export", "btp-blocs-exemple", "--format", "case"]) == 0
    package = json.loads(capsys.readouterr().out)
    assert package["CFDocument"]["uri"] == "https://atouts.test/referentials/btp-blocs-exemple/1.0"


def test_a_bad_file_is_refused_with_its_line(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "referentiel: x\nversion: '1'\ntitre: X\nblocs:\n  - code: B1\n"
        "    libelle: B\n    competences: [C9]\n",
        encoding="utf-8",
    )
    assert main(["referential", "import", str(bad), "--format", "yaml"]) == 1
    err = capsys.readouterr().err
    assert (
        "ligne 7 : la compétence « C9 » est citée dans le bloc « B1 » mais n'est pas définie" in err
    )
    assert not (home / "referentials" / "x").exists()


def test_missing_referential_and_usage_errors(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["referential", "show", "absent"]) == 1
    assert "aucun référentiel « absent »" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["referential", "import"])
    assert exit_.value.code == 64
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_:
        main(["referential", "import", str(home / "occupations_en.csv")])
    assert exit_.value.code == 64
    assert "ajoutez --format (esco, rome, blocks-csv" in capsys.readouterr().err


def test_case_export_imports_back_unchanged(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["referential", "import", "--bundled"]) == 0
    files = []
    for slug in ("attitude-pro-reunion", "btp-blocs-exemple", "modules-additionnels-exemple"):
        out = home / f"{slug}.json"
        assert main(["referential", "export", slug, "--format", "case", "-o", str(out)]) == 0
        files.append(str(out))
    capsys.readouterr()
    assert main(["referential", "import", *files, "--json"]) == 0  # format guessed: case
    stored = json.loads(capsys.readouterr().out)["stored"]
    assert [s["outcome"] for s in stored] == ["unchanged"] * 3


def test_a_reader_closing_the_pipe_early_stops_the_listing_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cli.referential_cmd import _piped

    def long_listing(_args: object) -> int:
        raise BrokenPipeError  # what print() raises once ``head`` has exited

    with (tmp_path / "out.txt").open("w") as out:
        monkeypatch.setattr("sys.stdout", out)
        assert _piped(long_listing)(argparse.Namespace()) == 0
