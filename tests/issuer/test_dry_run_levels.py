# ruff: noqa: F811  (pytest fixtures imported from tests.issuer.conftest are parameters here)
"""The bulk dry run, given the badge type, refuses a level that badge does not define (« N9 »)
with the line, the column and the accepted levels — as issuing would refuse that row."""

from __future__ import annotations

from pathlib import Path

from issuer.achievements import get_achievement
from issuer.batch import dry_run, result_rows, run_batch, submit_batch
from issuer.context import IssuerContext
from tests.issuer.conftest import (  # noqa: F401 - fixtures
    achievement_id,
    clock,
    ctx,
    kek,
    org,
)

HEADER = "email;nom;niveau\n"


def _file(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "lot.csv"
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_dry_run_with_the_achievement_reports_an_unknown_level_with_the_accepted_ones(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    achievement = get_achievement(ctx, achievement_id).achievement
    path = _file(
        tmp_path,
        "a@example.org;A;N1",
        "b@example.org;B;N9",
        "c@example.org;C;N2",
        "d@example.org;D;",  # no level: nothing to check
    )
    report = dry_run(path, achievement=achievement)
    assert (report.total, report.ready) == (4, 3)
    (error,) = report.errors
    assert (error.line, error.column, error.code) == (3, "niveau", "level_unknown")
    assert str(error) == (
        "ligne 3, colonne « niveau » : niveau « N9 » inconnu pour ce badge (niveaux : N1, N2, N3)"
    )
    assert report.to_json()["errors"][0]["column"] == "niveau"


def test_the_dry_run_refuses_exactly_the_levels_issuing_refuses(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    path = _file(tmp_path, "a@example.org;A;N1", "b@example.org;B;N9", "c@example.org;C;N0")
    report = dry_run(path, achievement=get_achievement(ctx, achievement_id).achievement)
    batch, _ = submit_batch(ctx, achievement_id, path)
    run_batch(ctx, batch.id)
    refused_at_issue = [
        (int(r["ligne"]), r["erreur"]) for r in result_rows(ctx, batch.id) if r["erreur"]
    ]
    assert [(e.line, str(e)) for e in report.errors] == refused_at_issue


def test_dry_run_without_the_achievement_checks_only_the_file(tmp_path: Path) -> None:
    report = dry_run(_file(tmp_path, "b@example.org;B;N9"))
    assert (report.total, report.ready, report.errors) == (1, 1, [])


def test_a_level_code_typed_in_lower_case_or_with_spaces_is_the_same_level(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    path = _file(tmp_path, "a@example.org;A;n2", "b@example.org;B; N1 ", "c@example.org;C;n9")
    report = dry_run(path, achievement=get_achievement(ctx, achievement_id).achievement)
    assert [(e.line, e.code) for e in report.errors] == [(4, "level_unknown")]
    batch, _ = submit_batch(ctx, achievement_id, path)
    assert run_batch(ctx, batch.id).issued == 2
