"""« Délivrer en série »: template, dry run, issue with progress, result file (reliability-ux.md
B4; issue 4 « Bulk issue »).

1. The trainer downloads the template (CSV or XLSX) and fills one line per person.
2. « Vérifier le fichier » (dry run): every row is checked without issuing anything; the page
   says « 18 badges prêts, 2 lignes à corriger », an error summary links to each bad row
   (« ligne 14, colonne « email » : … ») in a table of the rows. Levels are also checked
   against the chosen achievement here, so a wrong level is caught before issuing.
3. « Délivrer »: the batch is submitted (idempotent: the same file for the same badge type gives
   the same batch, a double click issues nothing twice) and issued in the background; the
   progress page refreshes itself without JavaScript (``<noscript><meta http-equiv="refresh">``)
   and shows its counts in an ``aria-live`` region. With JavaScript, a small script
   (``/static/formateur-suivi.js``) updates that region in place instead of reloading, so it is
   really announced and nothing reloads under a screen reader (WCAG 2.2.1; axe ``meta-refresh``).
4. The result file: one line per row with its status (« délivré » / « erreur »).

Between the dry run and « Délivrer » the uploaded file waits under ``ATOUTS_HOME/envois`` with
a random name (it may hold personal data: it is deleted once the batch is stored, or after a
day if nobody issued it). A batch whose runner stopped (server restarted) shows « Reprendre »,
which resumes it without duplicates (:func:`issuer.batch.run_batch`, reliability-ux.md D1).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlmodel import col, select
from starlette.datastructures import UploadFile

from api.auth import Principal
from api.i18n import gettext, ngettext
from api.pages import render
from api.problems import ApiProblem
from api.trainer_common import (
    ACT,
    ACTOR,
    ACTORS,
    READER,
    FormErrors,
    ctx,
    organisations_of,
    require_org,
)
from api.trainer_pages import achievements_of
from issuer.batch_input import RowError, file_sha256, iter_rows
from issuer.context import IssuerContext, IssuerError
from storage.engine import session_scope
from storage.tables import Achievement, BatchState, IssuanceBatch

__all__ = ["router"]

router = APIRouter(prefix="/formateur/serie", include_in_schema=False)

MAX_UPLOAD = 20 * 1024 * 1024
# A running batch refreshes its lease every chunk (issuer.batch.LEASE is 120 s); past this, its
# runner is gone and the page offers to resume.
STALLED_AFTER = timedelta(seconds=150)
TABLE_LIMIT = 500  # beyond this, the table shows only the rows to correct
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,40}\.(csv|xlsx|txt)$")
KEEP_UPLOAD = 24 * 3600.0  # seconds a checked file waits for « Délivrer »
_SHOWN = ("email", "telephone", "identifiant", "nir", "nom", "niveau")


def _uploads(request: Request) -> Path:
    folder = Path(request.app.state.settings.home) / "envois"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def forget_abandoned_uploads(folder: Path, *, now: float, older_than: float = KEEP_UPLOAD) -> int:
    """Delete checked files nobody issued (they may hold personal data; A4 retention)."""
    removed = 0
    for path in folder.iterdir():
        if _TOKEN.match(path.name) and path.stat().st_mtime < now - older_than:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _form_page(
    request: Request,
    principal: Principal,
    *,
    errors: FormErrors | None = None,
    chosen: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    orgs = organisations_of(request, principal)
    return render(
        request,
        "formateur/serie.html",
        {
            "active": "espace",
            "rows": achievements_of(request, [o.id for o in orgs]),
            "errors": errors or FormErrors(),
            "chosen": chosen,
            "earlier": _earlier_batches(request, [o.id for o in orgs]),
        },
        status_code=status_code,
    )


EARLIER_SHOWN = 20


def _earlier_batches(request: Request, org_ids: list[str]) -> list[dict[str, Any]]:
    """The latest batches of these organisations, so a trainer who left the follow-up page can
    come back to it and to its result file."""
    if not org_ids:
        return []
    with session_scope(ctx(request).engine, write=False) as session:
        found = session.exec(
            select(IssuanceBatch, Achievement.name)
            .join(Achievement, col(Achievement.id) == IssuanceBatch.achievement_id)
            .where(col(IssuanceBatch.organisation_id).in_(org_ids))
            .order_by(col(IssuanceBatch.created_at).desc())
            .limit(EARLIER_SHOWN)
        ).all()
    words = {
        BatchState.PENDING: gettext("en attente"),
        BatchState.RUNNING: gettext("en cours"),
        BatchState.COMPLETED: gettext("terminé"),
    }
    return [
        {
            "id": batch.id,
            "created": batch.created_at,
            "file": batch.filename or "",
            "name": name,
            "rows": batch.total_rows,
            "state": words[batch.state],
            "done": batch.state == BatchState.COMPLETED,
        }
        for batch, name in found
    ]


@router.get("", response_class=HTMLResponse, dependencies=[Depends(ACTOR)])
def batch_form(request: Request, principal: Annotated[Principal, Depends(ACTOR)]) -> HTMLResponse:
    return _form_page(request, principal, chosen=request.query_params.get("realisation", ""))


@router.get("/modele.{kind}", dependencies=[Depends(ACTOR)])
def template(kind: str) -> Response:
    from issuer.batch_input import template_csv, template_xlsx

    if kind == "xlsx":
        return Response(
            template_xlsx(),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": 'attachment; filename="modele-badges.xlsx"'},
        )
    if kind == "csv":
        return Response(
            template_csv(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="modele-badges.csv"'},
        )
    raise ApiProblem(404, "not_found", gettext("Ce modèle n'existe pas."))


def _achievement(request: Request, principal: Principal, achievement_id: str) -> Achievement | None:
    with session_scope(ctx(request).engine, write=False) as session:
        row = session.get(Achievement, achievement_id)
    if row is None or row.archived_at is not None:
        return None
    require_org(principal, row.organisation_id)
    return row


async def _save(upload: UploadFile, folder: Path) -> str:
    suffix = Path(upload.filename or "").suffix.lower()
    if suffix not in (".csv", ".xlsx", ".txt"):
        raise ValueError(gettext("Le fichier doit être un tableur CSV ou XLSX."))
    token = secrets.token_urlsafe(18) + suffix
    size = 0
    with (folder / token).open("wb") as handle:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > MAX_UPLOAD:
                handle.close()
                (folder / token).unlink(missing_ok=True)
                raise ValueError(gettext("Le fichier est trop gros (20 Mo au plus)."))
            handle.write(chunk)
    if size == 0:
        (folder / token).unlink(missing_ok=True)
        raise ValueError(gettext("Le fichier est vide : utilisez le modèle."))
    return token


def _level_error(line: int, cells: dict[str, str], levels: dict[str, str]) -> RowError | None:
    level = cells.get("niveau", "")
    if level and level not in levels and level.lower() not in levels:
        known = ", ".join(sorted(k for k in levels if k and k == k.upper())) or "—"
        return RowError(
            line,
            "niveau",
            "level_unknown",
            gettext("niveau « %(level)s » inconnu pour ce badge (niveaux : %(known)s)")
            % {"level": level, "known": known},
        )
    return None


def check_file(
    path: Path, achievement: Achievement, suite: str, suspendable: bool
) -> dict[str, Any]:
    """The dry run of :mod:`issuer.batch` (levels checked against the badge's), and the rows
    for the table. An unknown level is said in the page's language."""
    from issuer.achievements import level_ids
    from issuer.batch import dry_run

    report = dry_run(
        path, suite=suite, suspendable=suspendable, achievement=achievement.achievement
    )
    errors = {e.line: e for e in report.errors if e.line > 1}
    header = [e for e in report.errors if e.line <= 1]
    levels = level_ids(achievement.achievement)
    rows: list[dict[str, Any]] = []
    total = 0
    for item in iter_rows(path):
        if isinstance(item, RowError):
            continue
        line, cells = item
        total += 1
        if line in errors and errors[line].code == "level_unknown":
            errors[line] = _level_error(line, cells, levels) or errors[line]
        if total <= TABLE_LIMIT or line in errors:
            rows.append({"line": line, "cells": cells, "error": errors.get(line)})
    bad = [errors[line] for line in sorted(errors)]
    return {
        "total": total,
        "ready": total - len(bad),
        "errors": bad,
        "header": header,
        "rows": rows,
        "columns": _SHOWN,
        "partial": total > TABLE_LIMIT,
    }


@router.post("/verifier", response_class=HTMLResponse, dependencies=ACT)
async def dry_run_page(
    request: Request, principal: Annotated[Principal, Depends(ACTOR)]
) -> HTMLResponse:
    form = await request.form()
    achievement_id = str(form.get("realisation", ""))
    errors = FormErrors()
    row = _achievement(request, principal, achievement_id) if achievement_id else None
    if row is None:
        errors.add("realisation", gettext("Choisissez le badge à délivrer."))
    upload = form.get("fichier")
    token = ""
    if not isinstance(upload, UploadFile) or not upload.filename:
        errors.add("fichier", gettext("Choisissez le fichier à envoyer."))
    elif row is not None:
        forget_abandoned_uploads(_uploads(request), now=time.time())
        try:
            token = await _save(upload, _uploads(request))
        except ValueError as exc:
            errors.add("fichier", str(exc))
    suspendable = bool(form.get("suspendable"))
    if errors or row is None:
        return _form_page(request, principal, errors=errors, chosen=achievement_id, status_code=422)
    path = _uploads(request) / token
    try:
        checked = check_file(path, row, "eddsa-rdfc-2022", suspendable)
    except IssuerError as exc:
        path.unlink(missing_ok=True)
        errors.add("fichier", exc.message)
        return _form_page(request, principal, errors=errors, chosen=achievement_id, status_code=422)
    summary = ngettext("%(num)d badge prêt", "%(num)d badges prêts", checked["ready"]) % {
        "num": checked["ready"]
    }
    if checked["errors"]:
        summary += ", " + ngettext(
            "%(num)d ligne à corriger", "%(num)d lignes à corriger", len(checked["errors"])
        ) % {"num": len(checked["errors"])}
    return render(
        request,
        "formateur/serie_verification.html",
        {
            "active": "espace",
            "row": row,
            "checked": checked,
            "summary": summary,
            "token": token,
            "filename": Path(upload.filename or "").name if isinstance(upload, UploadFile) else "",
            "suspendable": suspendable,
        },
        status_code=200,
    )


def _run(context: IssuerContext, batch_id: str) -> None:
    from issuer.batch import run_batch

    try:
        run_batch(context, batch_id)
    except IssuerError:  # another runner holds it; the progress page says where it is
        return


@router.post("/delivrer", dependencies=ACT)
async def issue_batch(
    request: Request,
    background: BackgroundTasks,
    principal: Annotated[Principal, Depends(ACTOR)],
) -> Response:
    from issuer.batch import submit_batch

    form = await request.form()
    token = str(form.get("envoi", ""))
    row = _achievement(request, principal, str(form.get("realisation", "")))
    path = _uploads(request) / token
    if row is None or not _TOKEN.match(token) or not path.is_file():
        raise ApiProblem(
            410,
            "upload_gone",
            gettext("Ce fichier n'est plus disponible : envoyez-le à nouveau."),
            title=gettext("Fichier expiré"),
        )
    suspendable = bool(form.get("suspendable"))
    suite = "eddsa-rdfc-2022"
    material = f"{file_sha256(path)}|{row.id}|{suite}|{suspendable}"
    key = "page:" + hashlib.sha256(material.encode()).hexdigest()
    context = ctx(request)
    try:
        batch, _created = submit_batch(
            context,
            row.id,
            path,
            idempotency_key=key,
            filename=str(form.get("nom_fichier", ""))[:200] or None,
            suite=suite,
            suspendable=suspendable,
            created_by_user_id=principal.user_id,
        )
    except IssuerError as exc:
        raise ApiProblem(exc.status, exc.code, exc.message) from exc
    finally:
        path.unlink(missing_ok=True)
    if batch.state != "completed":
        background.add_task(_run, context, batch.id)
    return RedirectResponse(f"/formateur/serie/{batch.id}", status_code=303)


def _batch(request: Request, principal: Principal, batch_id: str) -> IssuanceBatch:
    with session_scope(ctx(request).engine, write=False) as session:
        batch = session.get(IssuanceBatch, batch_id)
    if batch is None:
        raise ApiProblem(404, "batch_not_found", gettext("Cet envoi n'existe pas."))
    require_org(principal, batch.organisation_id, acting=False)
    return batch


@router.get("/{batch_id}", response_class=HTMLResponse, dependencies=[Depends(READER)])
def progress_page(
    batch_id: str, request: Request, principal: Annotated[Principal, Depends(READER)]
) -> HTMLResponse:
    from issuer.batch import batch_status

    batch = _batch(request, principal, batch_id)
    progress = batch_status(ctx(request), batch_id)
    with session_scope(ctx(request).engine, write=False) as session:
        achievement = session.get(Achievement, batch.achievement_id)
    done = progress.state == "completed"
    now = ctx(request).now()
    # Pending and never started, or running without a fresh lease: nobody is issuing it.
    since = batch.started_at if progress.state == "running" else batch.created_at
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    stalled = not done and since is not None and since + STALLED_AFTER < now
    return render(
        request,
        "formateur/serie_suivi.html",
        {
            "active": "espace",
            "batch": batch,
            "progress": progress,
            "done": done,
            "name": achievement.name if achievement else "",
            "refresh": not done and not stalled,
            "stalled": stalled,
            "acting": principal.in_organisation(batch.organisation_id, *ACTORS),
        },
    )


@router.post("/{batch_id}/reprendre", dependencies=ACT)
def resume(
    batch_id: str,
    request: Request,
    background: BackgroundTasks,
    principal: Annotated[Principal, Depends(ACTOR)],
) -> Response:
    """Finish a batch whose runner stopped: only pending rows are issued, never twice."""
    batch = _batch(request, principal, batch_id)
    require_org(principal, batch.organisation_id)
    if batch.state != "completed":
        background.add_task(_run, ctx(request), batch.id)
    return RedirectResponse(f"/formateur/serie/{batch.id}", status_code=303)


@router.get("/{batch_id}/resultat.csv", dependencies=[Depends(READER)])
def result_file(
    batch_id: str, request: Request, principal: Annotated[Principal, Depends(READER)]
) -> Response:
    from issuer.batch import result_csv

    _batch(request, principal, batch_id)
    chunks: Iterator[str] = result_csv(ctx(request), batch_id)
    return StreamingResponse(
        (c.encode("utf-8") for c in chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="resultat-{batch_id}.csv"'},
    )
