"""Bulk issuance from CSV/XLSX: dry run, per-row failures, idempotency (D2), result file."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from issuer.batch import dry_run, result_rows, run_batch, submit_batch
from issuer.batch_input import template_csv, template_xlsx
from issuer.context import IssuerContext, IssuerError
from storage.engine import session_scope
from storage.tables import Credential, IssuanceBatch, StatusAllocation
from tests.issuer.conftest import check
from verifier import Verdict

HEADER = "email;telephone;nom;niveau;preuve;date_fin\n"


def write_csv(tmp_path: Path, lines: list[str], name: str = "lot.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def good_lines(n: int) -> list[str]:
    return [f"personne{i}@example.org;;Personne {i};N1;Observée en atelier;" for i in range(n)]


def test_dry_run_names_line_and_column_and_issues_nothing(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    lines = [*good_lines(12), "pas-une-adresse;;X;N1;;", "a@example.org;;Y;N9;;"]
    report = dry_run(write_csv(tmp_path, lines))
    assert report.total == 14
    assert report.ready == 13  # the unknown level is only known against the achievement
    assert str(report.errors[0]) == (
        "ligne 14, colonne « email » : l'adresse « pas-une-adresse » n'est pas valide"
    )
    with session_scope(ctx.engine, write=False) as session:
        assert session.exec(select(func.count()).select_from(Credential)).one() == 0


def test_batch_issues_every_good_row_and_reports_the_bad_ones(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    lines = [
        *good_lines(5),
        "pas-une-adresse;;X;N1;;",
        "b@example.org;;Y;N9;;",
        ";;Sans contact;;;",
    ]
    batch, created = submit_batch(ctx, achievement_id, write_csv(tmp_path, lines))
    assert created
    progress = run_batch(ctx, batch.id)
    assert (progress.issued, progress.failed, progress.pending, progress.state) == (
        6,
        2,
        0,
        "completed",
    )
    results = list(result_rows(ctx, batch.id))
    assert [r["statut"] for r in results] == ["délivré"] * 5 + ["erreur", "erreur", "délivré"]
    assert "colonne « niveau »" in results[6]["erreur"]
    assert results[7]["code_reclamation"]  # nobody to send it to yet: a claim code
    with session_scope(ctx.engine, write=False) as session:
        signed = session.exec(select(Credential.signed_text)).first()
    assert signed is not None
    assert check(ctx, signed).verdict == Verdict.VERIFIED


def test_same_key_same_file_returns_the_same_batch_without_new_badges(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, good_lines(3))
    first, _ = submit_batch(ctx, achievement_id, path, idempotency_key="session-mars")
    run_batch(ctx, first.id)
    again, created = submit_batch(ctx, achievement_id, path, idempotency_key="session-mars")
    assert not created
    assert again.id == first.id
    assert run_batch(ctx, again.id).issued == 3
    with session_scope(ctx.engine, write=False) as session:
        assert session.exec(select(func.count()).select_from(Credential)).one() == 3


def test_same_key_with_a_changed_file_is_refused(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    submit_batch(ctx, achievement_id, write_csv(tmp_path, good_lines(3)), idempotency_key="k")
    changed = write_csv(tmp_path, good_lines(4), name="lot2.csv")
    with pytest.raises(IssuerError) as caught:
        submit_batch(ctx, achievement_id, changed, idempotency_key="k")
    assert (caught.value.code, caught.value.status) == ("idempotency_key_reused", 422)


def test_parallel_submissions_with_one_key_make_one_batch(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, good_lines(20))
    outcomes: list[object] = []

    def submit() -> None:
        try:
            outcomes.append(submit_batch(ctx, achievement_id, path, idempotency_key="p")[0].id)
        except IssuerError as exc:
            outcomes.append(exc.status)

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = {o for o in outcomes if isinstance(o, str)}
    assert len(ids) == 1
    assert all(o == 409 for o in outcomes if not isinstance(o, str))
    with session_scope(ctx.engine, write=False) as session:
        assert session.exec(select(func.count()).select_from(IssuanceBatch)).one() == 1


def test_row_keys_must_be_unique_within_a_batch(tmp_path: Path) -> None:
    path = tmp_path / "cles.csv"
    path.write_text("email;cle\na@example.org;A\nb@example.org;A\n", encoding="utf-8")
    report = dry_run(path)
    assert [e.code for e in report.errors] == ["duplicate_row_key"]
    assert report.errors[0].line == 3


def test_french_excel_csv_in_windows_1252_with_semicolons(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("Courriel;Nom;Niveau\r\nlea@example.org;Léa Hoarau;N2\r\n".encode("cp1252"))
    report = dry_run(path)
    assert (report.total, report.ready, report.errors) == (1, 1, [])


def test_xlsx_rows_are_read_and_checked(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["email", "telephone", "niveau"])
    sheet.append(["lea@example.org", None, "N2"])
    sheet.append([None, 692123456.0, "N1"])
    sheet.append(["faux", None, None])
    path = tmp_path / "lot.xlsx"
    workbook.save(path)
    report = dry_run(path)
    assert (report.total, report.ready) == (3, 2)
    assert str(report.errors[0]).startswith("ligne 4, colonne « email »")
    batch, _ = submit_batch(ctx, achievement_id, path)
    assert run_batch(ctx, batch.id).issued == 2


def test_templates_are_readable_as_input(tmp_path: Path) -> None:
    csv_path = tmp_path / "modele.csv"
    csv_path.write_bytes(template_csv())
    assert dry_run(csv_path).ready == 1
    xlsx_path = tmp_path / "modele.xlsx"
    xlsx_path.write_bytes(template_xlsx())
    assert dry_run(xlsx_path).errors == []


def test_every_status_index_is_unique_after_a_batch(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    batch, _ = submit_batch(ctx, achievement_id, write_csv(tmp_path, good_lines(30)))
    run_batch(ctx, batch.id, chunk=7)
    with session_scope(ctx.engine, write=False) as session:
        pairs = session.exec(
            select(StatusAllocation.status_list_id, StatusAllocation.status_index)
        ).all()
        ids = session.exec(select(Credential.credential_id)).all()
    assert len(pairs) == len(set(pairs)) == 30
    assert len(ids) == len(set(ids)) == 30


@pytest.mark.parametrize("processes", [1, 2])
def test_pipelined_batch_issues_each_row_once(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path, processes: int
) -> None:
    lines = [*good_lines(59), "pas-une-adresse;;X;N1;;", "b@example.org;;Y;N9;;"]
    batch, _ = submit_batch(ctx, achievement_id, write_csv(tmp_path, lines))
    progress = run_batch(ctx, batch.id, processes=processes, pipeline=True, chunk=20)
    assert (progress.issued, progress.failed, progress.pending) == (59, 2, 0)
    with session_scope(ctx.engine, write=False) as session:
        pairs = session.exec(
            select(StatusAllocation.status_list_id, StatusAllocation.status_index).where(
                StatusAllocation.credential_id.is_not(None)  # type: ignore[union-attr]
            )
        ).all()
        signed = session.exec(select(Credential.signed_text)).all()
    assert len(pairs) == len(set(pairs)) == 59
    assert len(signed) == 59
    assert check(ctx, signed[-1]).verdict == Verdict.VERIFIED


def _keyed(tmp_path: Path, name: str, rows: list[tuple[str, str]]) -> Path:
    path = tmp_path / name
    lines = "".join(f"{key};{email};N1\n" for key, email in rows)
    path.write_text("cle;email;niveau\n" + lines, encoding="utf-8")
    return path


def test_a_row_key_already_issued_by_an_earlier_batch_is_not_issued_again(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    first, _ = submit_batch(
        ctx, achievement_id, _keyed(tmp_path, "a.csv", [("K1", "a@example.org")])
    )
    run_batch(ctx, first.id)
    pending, _ = submit_batch(
        ctx, achievement_id, _keyed(tmp_path, "b.csv", [("K2", "b@example.org")])
    )  # not run yet: its key is taken too
    second, _ = submit_batch(
        ctx,
        achievement_id,
        _keyed(
            tmp_path,
            "c.csv",
            [("K1", "a@example.org"), ("K2", "b@example.org"), ("K3", "c@example.org")],
        ),
    )
    progress = run_batch(ctx, second.id)
    assert (progress.issued, progress.failed) == (1, 2)
    rows = list(result_rows(ctx, second.id))
    assert [r["statut"] for r in rows] == ["erreur", "erreur", "délivré"]
    assert "déjà utilisée par un envoi précédent" in rows[0]["erreur"]
    assert run_batch(ctx, pending.id).issued == 1  # the earlier batch keeps its key


def test_a_row_key_of_a_failed_row_can_be_used_again_in_a_corrected_file(
    ctx: IssuerContext, achievement_id: str, tmp_path: Path
) -> None:
    first, _ = submit_batch(
        ctx, achievement_id, _keyed(tmp_path, "a.csv", [("K1", "pas-une-adresse")])
    )
    assert run_batch(ctx, first.id).failed == 1
    fixed, _ = submit_batch(
        ctx, achievement_id, _keyed(tmp_path, "b.csv", [("K1", "a@example.org")])
    )
    assert run_batch(ctx, fixed.id).issued == 1
