"""``atouts match``: one person against one job, both rankings, saving a job, proposals."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from cli.main import main
from matching import store
from matching.model import Holding
from storage.engine import session_scope
from tests.verifier.builders import did_of, key, sign, unsigned

BTP = "https://atouts.example/referentials/btp-blocs-exemple/1.0"
TP = "https://atouts.example/referentials/titres-pro-ccp-derived/1"


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATOUTS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ATOUTS_BASE_URL", "https://atouts.example")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_what_if_holdings_against_a_target_print_reasons_in_french(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = _run(capsys, "match", "--target", "CERT-MACON", "--holds", "B-SECU", "MAC-B1")
    assert status == 0
    assert "Offre : Maçon" in out
    assert "incomplet" in out
    assert "Acquis :" in out
    assert "À acquérir :" in out
    assert "module facultatif de « Maçon »" in out


def test_json_output_carries_score_components_and_parameters(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = _run(
        capsys, "match", "--target", f"{BTP}/blocks/MAC-B1", "--holds", "MAC-B1", "--json"
    )
    assert status == 0
    data = json.loads(out)
    assert data["complete"] is True
    assert data["score"] == 1.0
    assert data["parameters"]["transfer_decay"] == 0.5


def test_a_yaml_job_against_the_real_titres_pro(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, shared: Path
) -> None:
    csv = shared / "data" / "legifrance-titres-pro" / "titres_pro_ccp_derived.csv"
    job = tmp_path / "offre.yaml"
    job.write_text(
        "offre: OFF-PLAQ\ntitre: Plaquiste\nexigences:\n"
        f"  - element: {TP}/certifications/tp-plaquiste\n",
        encoding="utf-8",
    )
    status, out, _ = _run(
        capsys,
        "match",
        "--referentiel",
        f"blocks-csv:{csv}",
        "--job",
        str(job),
        "--holds",
        f"{TP}/blocks/tp-plaquiste-ccp1",
        f"{TP}/blocks/tp-plaquiste-ccp2",
        "--json",
    )
    assert status == 0
    data = json.loads(out)
    assert data["complete"] is True
    assert [s["module"] for s in data["suggestions"]] == [f"{TP}/modules/tp-plaquiste-ccs"]


def test_an_invalid_job_file_is_refused_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job = tmp_path / "offre.yaml"
    job.write_text(
        "offre: X\ntitre: Y\nexigences:\n  - element: PAS-DE-CE-CODE\n", encoding="utf-8"
    )
    status, _, err = _run(capsys, "match", "--job", str(job), "--holds", "MAC-B1")
    assert status == 1
    assert "ligne 4 : l'élément « PAS-DE-CE-CODE » n'existe" in err


def test_missing_arguments_are_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "match", "--holds", "MAC-B1")[0] == 64
    assert _run(capsys, "match", "--target", "MAC-B1")[0] == 64


def test_badge_files_count_only_when_they_verify(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pair = key(7)
    credential = unsigned(did_of(pair))
    credential["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetUrl": f"{BTP}/blocks/B-SECU", "targetName": "Sécurité"}
    ]
    good = sign(credential, pair)
    bad = copy.deepcopy(good)
    bad["credentialSubject"]["achievement"]["alignment"][0]["targetUrl"] = f"{BTP}/blocks/MAC-B1"
    (tmp_path / "good.json").write_text(json.dumps(good), encoding="utf-8")
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    status, out, err = _run(
        capsys,
        "match",
        "--target",
        "CERT-MACON",
        "--holder",
        str(tmp_path / "good.json"),
        str(tmp_path / "bad.json"),
        "--offline",
        "--at",
        "2025-06-01T00:00:00Z",
        "--json",
    )
    assert status == 0
    data = json.loads(out)
    assert {m["held"] for m in data["matched"]} == {f"{BTP}/blocks/B-SECU"}
    assert {m["badge_id"] for m in data["matched"]} == {good["id"]}
    assert "bad.json n'est pas pris en compte" in err


def test_save_then_rank_candidates_and_jobs_from_the_database(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    db_url: str,
    db_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.matching.test_store import _wallet

    monkeypatch.setenv("ATOUTS_DATABASE_URL", db_url)
    job = tmp_path / "offre.yaml"
    job.write_text("offre: OFF-MAC\ntitre: Maçon\nexigences: [CERT-MACON]\n", encoding="utf-8")
    status, out, _ = _run(capsys, "match", "save", str(job))
    assert status == 0, out
    _wallet(db_engine, "w1", {"i1": "verified"})
    _wallet(db_engine, "w2", {"i2": "verified"})
    with session_scope(db_engine) as session:
        store.record_holdings(session, "w1", "i1", [Holding(f"{BTP}/blocks/MAC-B1")])
        store.record_holdings(session, "w2", "i2", [Holding(f"{BTP}/certifications/CERT-MACON")])
        store.opt_in(session, "w1")
        store.opt_in(session, "w2")
    status, out, _ = _run(capsys, "match", "candidates", "--job", "OFF-MAC", "--json")
    assert status == 0
    assert [r["id"] for r in json.loads(out)] == ["w2", "w1"]
    status, out, _ = _run(capsys, "match", "jobs", "--holder", "w1")
    assert status == 0
    assert "OFF-MAC" in out
    assert _run(capsys, "match", "candidates", "--job", "NOPE")[0] == 1


def test_propose_lists_items_to_confirm(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = _run(capsys, "match", "propose", "sécurité chantier", "--json")
    assert status == 0
    proposals = json.loads(out)
    assert proposals
    assert proposals[0]["confirmed"] is False


def test_an_esco_occupation_target_counts_the_essential_skills_held(
    capsys: pytest.CaptureFixture[str], shared: Path
) -> None:
    import csv

    folder = shared / "data" / "esco" / "v1.1.1"
    with (folder / "en" / "occupationSkillRelations.csv").open(encoding="utf-8") as handle:
        relations = list(csv.DictReader(handle))
    occupation = relations[0]["occupationUri"]
    essential = sorted(
        r["skillUri"]
        for r in relations
        if r["occupationUri"] == occupation and r["relationType"] == "essential"
    )
    status, out, _ = _run(
        capsys,
        "match",
        "--referentiel",
        f"esco:{folder}",
        "--target",
        occupation,
        "--holds",
        *essential,
        "--json",
    )
    assert status == 0
    data = json.loads(out)
    assert data["complete"] is True
    assert data["components"]["mandatory_count"] == len(essential)
    assert data["components"]["mandatory_coverage"] == 1.0


def test_an_unknown_expected_level_is_refused_with_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job = tmp_path / "offre.yaml"
    job.write_text(
        "offre: X\ntitre: Y\nexigences:\n  - element: MAC-B1\n    niveau: expert\n",
        encoding="utf-8",
    )
    status, _, err = _run(capsys, "match", "--job", str(job), "--holds", "MAC-B1")
    assert status == 1
    assert "ligne 5 : niveau inconnu « expert » pour l'élément « MAC-B1 »" in err
    assert _run(capsys, "match", "save", str(job))[0] == 1


def test_stored_jobs_naming_unknown_items_rank_without_crashing(
    capsys: pytest.CaptureFixture[str],
    db_url: str,
    db_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from matching.model import Job, Requirement
    from tests.matching.test_store import _wallet

    monkeypatch.setenv("ATOUTS_DATABASE_URL", db_url)
    gone = "https://elsewhere.example/referentials/retire/1.0/competences/X1"
    _wallet(db_engine, "w1", {"i1": "verified"})
    with session_scope(db_engine) as session:
        store.save_job(
            session, Job("OFF-G", "Maçon", (Requirement(gone), Requirement(f"{BTP}/blocks/MAC-B1")))
        )
        store.record_holdings(session, "w1", "i1", [Holding(f"{BTP}/blocks/MAC-B1")])
        store.opt_in(session, "w1")
    status, out, _ = _run(capsys, "match", "candidates", "--job", "OFF-G", "--json")
    assert status == 0
    [candidate] = json.loads(out)
    assert candidate["complete"] is False
    assert [u["requirement"] for u in candidate["unresolved"]] == [gone]
    status, out, _ = _run(capsys, "match", "jobs", "--holder", "w1", "--json")
    assert status == 0
    assert [j["id"] for j in json.loads(out)] == ["OFF-G"]


def test_a_rome_fiche_code_target_is_taken_whole(
    capsys: pytest.CaptureFixture[str], shared: Path
) -> None:
    import csv

    folder = shared / "data" / "rome" / "v460"
    with (folder / "unix_cr_gd_dp_v460_utf8.csv").open(encoding="utf-8") as handle:
        code = next(csv.DictReader(handle))["code_rome"]
    status, out, _ = _run(
        capsys,
        "match",
        "--referentiel",
        f"rome:{folder}",
        "--target",
        code,
        "--holds",
        "B-SECU",
        "--json",
    )
    assert status == 0
    data = json.loads(out)
    assert data["job_id"] == f"urn:rome:fiche:{code}"
    assert data["requirements"]
    assert {r["origin"] for r in data["requirements"]} == {f"urn:rome:fiche:{code}"}
    assert (data["score"], data["complete"]) == (0.0, False)
