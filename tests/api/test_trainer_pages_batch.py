# ruff: noqa: F811  (pytest fixtures imported from tests.api.trainer_fixtures are parameters)
"""« Délivrer en série »: a 20-row file with 2 bad rows is checked (exactly those 2 reported,
each linked to its row), then 18 badges are issued with a progress page and a result file."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from sqlmodel import select

from storage.engine import session_scope
from storage.tables import Credential, IssuanceBatch
from tests.api.page_checks import english_words, structure_problems
from tests.api.trainer_fixtures import (  # noqa: F401 - the fixture
    Trainer,
    hidden,
    trainer,
    verify_with_app,
)

HTML = {"accept": "text/html"}
BAD_EMAIL_LINE = 7
BAD_LEVEL_LINE = 15


def twenty_rows() -> bytes:
    """20 people (lines 2–21 of the sheet); line 7 has a bad address, line 15 an unknown level."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["email", "nom", "niveau", "preuve"])
    for line in range(2, 22):
        email = f"personne{line}@example.org"
        level = "N2"
        if line == BAD_EMAIL_LINE:
            email = "personne-sans-arobase.example.org"
        if line == BAD_LEVEL_LINE:
            level = "N9"
        writer.writerow([email, f"Personne {line}", level, "Observé en immersion"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _check(t: Trainer, content: bytes, name: str = "groupe.csv") -> Any:
    page = t.client.get("/formateur/serie", headers=HTML)
    assert page.status_code == 200
    return t.client.post(
        "/formateur/serie/verifier",
        data={"csrf_token": hidden(page.text, "csrf_token"), "realisation": t.achievement_id},
        files={"fichier": (name, content, "text/csv")},
        headers=HTML,
    )


def _issue(t: Trainer, checked_html: str) -> Any:
    return t.client.post(
        "/formateur/serie/delivrer",
        data={
            "csrf_token": hidden(checked_html, "csrf_token"),
            "envoi": hidden(checked_html, "envoi"),
            "realisation": t.achievement_id,
            "nom_fichier": "groupe.csv",
        },
        headers=HTML,
        follow_redirects=False,
    )


def test_dry_run_reports_exactly_the_two_bad_rows_with_links(trainer: Trainer) -> None:
    response = _check(trainer, twenty_rows())
    html = response.text
    assert response.status_code == 200, html
    assert "18 badges prêts, 2 lignes à corriger" in html
    summary = html.split('id="probleme"', 1)[1].split("</div>", 1)[0]
    links = re.findall(r'href="#ligne-(\d+)"', summary)
    summary = re.sub(r"<[^>]+>", "", summary)
    assert links == [str(BAD_EMAIL_LINE), str(BAD_LEVEL_LINE)]
    assert f"ligne {BAD_EMAIL_LINE}, colonne « email »" in summary
    assert f"ligne {BAD_LEVEL_LINE}, colonne « niveau »" in summary
    for line in links:
        assert f'id="ligne-{line}"' in html
    assert html.count('class="ligne-erreur"') == 2
    assert structure_problems(html) == []
    assert english_words(html) == []
    # Nothing was issued by the check.
    with session_scope(trainer.ctx.engine, write=False) as session:
        assert session.exec(select(Credential)).all() == []


def test_bulk_issue_issues_18_shows_progress_and_gives_a_result_file(trainer: Trainer) -> None:
    checked = _check(trainer, twenty_rows())
    issued = _issue(trainer, checked.text)
    assert issued.status_code == 303, issued.text
    progress = trainer.client.get(issued.headers["location"], headers=HTML)
    html = progress.text
    assert "Envoi terminé" in html
    assert 'aria-live="polite"' in html
    assert "18 badges délivrés" in html
    assert "2 lignes en erreur" in html
    assert 'http-equiv="refresh"' not in html  # finished: no more refreshing
    assert structure_problems(html) == []
    result_link = re.search(r'href="(/formateur/serie/[^"]+/resultat\.csv)"', html)
    assert result_link
    result = trainer.client.get(result_link.group(1))
    rows = list(csv.DictReader(io.StringIO(result.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 20
    states = {int(r["ligne"]): r["statut"] for r in rows}
    assert [line for line, state in states.items() if state == "erreur"] == [
        BAD_EMAIL_LINE,
        BAD_LEVEL_LINE,
    ]
    assert sum(1 for s in states.values() if s == "délivré") == 18
    first = next(r for r in rows if r["statut"] == "délivré")
    credential = trainer.client.get(first["badge"].removeprefix("http://testserver"))
    assert verify_with_app(trainer.client, credential.content).verdict == "verified"


def test_sending_the_same_checked_file_twice_issues_once(trainer: Trainer) -> None:
    first = _issue(trainer, _check(trainer, twenty_rows()).text)
    second = _issue(trainer, _check(trainer, twenty_rows()).text)
    assert first.headers["location"] == second.headers["location"]
    with session_scope(trainer.ctx.engine, write=False) as session:
        assert len(session.exec(select(IssuanceBatch)).all()) == 1
        assert len(session.exec(select(Credential)).all()) == 18


def test_a_batch_still_running_refreshes_itself(trainer: Trainer) -> None:
    from issuer.batch import submit_batch

    path = trainer.web.home / "lot.csv"
    path.write_bytes(twenty_rows())
    batch, _ = submit_batch(trainer.ctx, trainer.achievement_id, path)
    page = trainer.client.get(f"/formateur/serie/{batch.id}", headers=HTML)
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in page.text
    assert "Délivrance en cours" in page.text
    # The bad address failed when the file was stored; the unknown level fails while issuing.
    assert "19 lignes restantes" in page.text
    assert "1 ligne en erreur" in page.text
    assert structure_problems(page.text) == []


def test_templates_download_as_csv_and_xlsx_and_a_filled_xlsx_is_checked(
    trainer: Trainer,
) -> None:
    csv_template = trainer.client.get("/formateur/serie/modele.csv")
    assert csv_template.status_code == 200
    assert csv_template.content.decode("utf-8-sig").startswith("email;")
    xlsx = trainer.client.get("/formateur/serie/modele.xlsx")
    workbook = load_workbook(io.BytesIO(xlsx.content))
    sheet = workbook.active
    assert sheet is not None
    headers = [c.value for c in sheet[1]]
    sheet.append(
        ["lea@example.org" if h == "email" else "N1" if h == "niveau" else None for h in headers]
    )
    out = io.BytesIO()
    workbook.save(out)
    checked = _check(trainer, out.getvalue(), "groupe.xlsx")
    assert "1 badge prêt" in checked.text
    assert "Il y a un problème" not in checked.text


def test_a_file_that_is_not_a_spreadsheet_is_refused_next_to_the_field(trainer: Trainer) -> None:
    response = _check(trainer, b"%PDF-1.4", "scan.pdf")
    assert response.status_code == 422
    assert 'href="#fichier"' in response.text
    assert 'id="fichier-erreur"' in response.text
    assert structure_problems(response.text) == []


def test_a_batch_whose_runner_stopped_can_be_resumed_without_duplicates(trainer: Trainer) -> None:
    from datetime import timedelta

    from issuer.batch import submit_batch
    from storage.tables import BatchState
    from tests.api.webapp_fixtures import NOW

    path = trainer.web.home / "lot.csv"
    path.write_bytes(twenty_rows())
    batch, _ = submit_batch(trainer.ctx, trainer.achievement_id, path)
    with session_scope(trainer.ctx.engine) as session:
        stored = session.get(IssuanceBatch, batch.id)
        assert stored is not None
        stored.state = BatchState.RUNNING
        stored.started_at = NOW - timedelta(minutes=10)  # a runner that died long ago
        session.add(stored)
    page = trainer.client.get(f"/formateur/serie/{batch.id}", headers=HTML)
    assert 'http-equiv="refresh"' not in page.text
    assert "Reprendre la délivrance" in page.text
    resumed = trainer.client.post(
        f"/formateur/serie/{batch.id}/reprendre",
        data={"csrf_token": hidden(page.text, "csrf_token")},
        headers=HTML,
        follow_redirects=False,
    )
    assert resumed.status_code == 303
    done = trainer.client.get(resumed.headers["location"], headers=HTML)
    assert "18 badges délivrés" in done.text
    with session_scope(trainer.ctx.engine, write=False) as session:
        assert len(session.exec(select(Credential)).all()) == 18


def test_checked_files_nobody_issued_are_forgotten_after_a_day(tmp_path: Path) -> None:
    import os

    from api.trainer_batch import forget_abandoned_uploads

    old = tmp_path / ("a" * 24 + ".csv")
    fresh = tmp_path / ("b" * 24 + ".csv")
    other = tmp_path / "notes.txt"
    for path in (old, fresh, other):
        path.write_text("email\n")
    os.utime(old, (1_000, 1_000))
    os.utime(other, (1_000, 1_000))
    os.utime(fresh, (100_000, 100_000))
    assert forget_abandoned_uploads(tmp_path, now=100_000) == 1
    assert not old.exists()
    assert fresh.exists()
    assert other.exists()  # not one of ours
