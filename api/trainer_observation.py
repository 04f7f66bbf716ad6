"""« Observer et délivrer »: the two-minute tutor observation form, then the signed badge.

The trainer picks an achievement, reads the observable criteria of its competences (from the
referential), picks the level reached (with the referential's level descriptions), writes what
was observed (evidence: narrative, optional link, optional file of which only the SHA-256 digest
is kept, RFC 6920 ``ni:`` URI), says how to reach the person (e-mail, phone, identifier, or
« pas encore »: a claim code and a printable QR), then signs. The confirmation page gives the
verification link, the downloads and the claim code.

A double click or a resubmitted form never issues twice: the form carries an idempotency key
(:func:`issuer.service.issue_idempotent`, reliability-ux.md D2).
"""

from __future__ import annotations

import hashlib
import io
import json
import secrets
from datetime import UTC, date, datetime
from typing import Annotated, Any

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select
from starlette.datastructures import UploadFile

from api.auth import Principal
from api.i18n import current_language, gettext
from api.pages import render
from api.problems import ApiProblem
from api.referential_catalogue import find
from api.trainer_common import (
    ACT,
    ACTOR,
    FormErrors,
    credential_row,
    ctx,
    organisations_of,
    recipient_of,
    require_org,
)
from api.trainer_pages import achievements_of
from issuer.context import IssuerError
from referentials.model import ItemKind
from storage.engine import session_scope
from storage.tables import Achievement, Credential

__all__ = ["achievement_levels", "qr_svg", "router"]

router = APIRouter(prefix="/formateur", include_in_schema=False)

MAX_EVIDENCE_FILE = 20 * 1024 * 1024
RECIPIENT_KINDS = ("email", "telephone", "identifiant", "aucun")
_PREFIX = {"email": "email:", "telephone": "tel:", "identifiant": "id:"}
SUITES = ("eddsa-rdfc-2022", "vc-jwt")
_KIND_OF = {
    "email": "email",
    "phone": "telephone",
    "local_id": "identifiant",
    "national_id": "identifiant",
    "none": "aucun",
}


def qr_svg(url: str) -> str:
    """An inline SVG QR code (no image request, works printed)."""
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    text = buffer.getvalue().decode("utf-8")
    return text[text.find("<svg") :] if "<svg" in text else text


def achievement_levels(document: dict[str, Any]) -> list[dict[str, str]]:
    """The levels of an achievement (OB 3.0 ``RubricCriterionLevel``), lowest first."""
    found = []
    for description in document.get("resultDescription", []):
        for level in description.get("rubricCriterionLevel", []):
            found.append(
                {
                    "code": str(level.get("level", "")),
                    "name": str(level.get("name", "")),
                    "description": str(level.get("description", "")),
                }
            )
    return found


def _criteria(request: Request, row: Achievement) -> list[dict[str, Any]]:
    """Observable criteria of each competence of the achievement, from its referential."""
    entry = find(ctx(request).engine, row.referential_slug, row.referential_version)
    lang = current_language()
    shown: list[dict[str, Any]] = []
    if entry is None:
        return shown
    ref = entry.referential
    by_display = {i.display_code: i for i in ref.items} | ref.items_by_code
    for alignment in row.achievement.get("alignment", []):
        item = by_display.get(str(alignment.get("targetCode", "")))
        if item is None or item.kind != ItemKind.COMPETENCE:
            continue
        criteria = item.criteria.get(lang) or item.criteria.get("fr") or ()
        shown.append({"label": item.label(lang), "code": item.display_code, "criteria": criteria})
    return shown


def _achievement(request: Request, principal: Principal, achievement_id: str) -> Achievement:
    with session_scope(ctx(request).engine, write=False) as session:
        row = session.get(Achievement, achievement_id)
    if row is None or row.archived_at is not None:
        raise ApiProblem(404, "achievement_not_found", gettext("Ce badge type n'existe pas."))
    require_org(principal, row.organisation_id)
    return row


@router.get("/observer", response_class=HTMLResponse, dependencies=[Depends(ACTOR)])
def choose(request: Request, principal: Annotated[Principal, Depends(ACTOR)]) -> HTMLResponse:
    orgs = organisations_of(request, principal)
    rows = achievements_of(request, [o.id for o in orgs])
    return render(request, "formateur/observer_choix.html", {"active": "espace", "rows": rows})


def _form(
    request: Request,
    row: Achievement,
    *,
    values: dict[str, Any] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    replacing: Credential | None = None,
) -> HTMLResponse:
    values = dict(values or {})
    values.setdefault("cle", secrets.token_urlsafe(18))
    return render(
        request,
        "formateur/observer.html",
        {
            "active": "espace",
            "row": row,
            "criteria": _criteria(request, row),
            "narrative": row.achievement.get("criteria", {}).get("narrative", ""),
            "levels": achievement_levels(row.achievement),
            "values": values,
            "errors": errors or FormErrors(),
            "kinds": RECIPIENT_KINDS,
            "replacing": replacing,
        },
        status_code=status_code,
    )


def _replacing(request: Request, principal: Principal, row: Achievement, ref: str) -> Credential:
    """The badge a new observation replaces (OB 3.0 re-issue: same id, later validFrom)."""
    old = credential_row(request, principal, ref)
    require_org(principal, old.organisation_id)
    if old.achievement_id != row.id:
        raise ApiProblem(
            422,
            "replacement_mismatch",
            gettext("Ce badge est d'un autre type : il ne peut pas être remplacé par celui-ci."),
        )
    return old


def _prefill(request: Request, old: Credential) -> dict[str, Any]:
    """The person of the replaced badge, so that the trainer does not type it again."""
    values: dict[str, Any] = {"remplace": old.id}
    recipient = recipient_of(request, old.id)
    if recipient is not None:
        contact = recipient.contact or ""
        if str(recipient.kind) == "national_id":
            contact = "nir:" + contact
        values |= {
            "destinataire_type": _KIND_OF.get(str(recipient.kind), "aucun"),
            "destinataire": contact,
            "nom": recipient.display_name or "",
        }
    return values


@router.get(
    "/observer/{achievement_id}", response_class=HTMLResponse, dependencies=[Depends(ACTOR)]
)
def observation_form(
    achievement_id: str, request: Request, principal: Annotated[Principal, Depends(ACTOR)]
) -> HTMLResponse:
    row = _achievement(request, principal, achievement_id)
    ref = request.query_params.get("remplace")
    if not ref:
        return _form(request, row)
    old = _replacing(request, principal, row, ref)
    return _form(request, row, values=_prefill(request, old), replacing=old)


async def _file_digest(upload: UploadFile) -> str | None:
    """SHA-256 of an uploaded evidence file, streamed; the file itself is not kept."""
    digest = hashlib.sha256()
    size = 0
    while chunk := await upload.read(1 << 20):
        size += len(chunk)
        if size > MAX_EVIDENCE_FILE:
            raise ValueError("too large")
        digest.update(chunk)
    return digest.hexdigest() if size else None


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


async def _read(form: Any, errors: FormErrors, levels: list[dict[str, str]]) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: _text(form, name)
        for name in (
            "niveau",
            "preuve",
            "preuve_lien",
            "destinataire_type",
            "destinataire",
            "nom",
            "date_fin",
            "format",
            "cle",
            "remplace",
        )
    }
    values["suspendable"] = bool(form.get("suspendable"))
    if levels and values["niveau"] not in {level["code"] for level in levels}:
        errors.add("niveau-0", gettext("Choisissez le niveau atteint."))
    if not values["preuve"]:
        errors.add("preuve", gettext("Écrivez ce que vous avez observé."))
    link = values["preuve_lien"]
    if link and not link.startswith(("https://", "http://")):
        errors.add("preuve_lien", gettext("Le lien doit commencer par https://"))
    upload = form.get("preuve_fichier")
    values["file_sha256"] = None
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            values["file_sha256"] = await _file_digest(upload)
        except ValueError:
            errors.add("preuve_fichier", gettext("Le fichier est trop gros (20 Mo au plus)."))
    kind = values["destinataire_type"]
    if kind not in RECIPIENT_KINDS:
        errors.add(
            "destinataire_type-email",
            gettext("Dites comment joindre la personne, ou « pas encore »."),
        )
    elif kind != "aucun" and not values["destinataire"]:
        errors.add(
            "destinataire",
            gettext("Écrivez l'adresse e-mail, le numéro de téléphone ou l'identifiant."),
        )
    if values["format"] not in SUITES:
        values["format"] = SUITES[0]
    return values


def _valid_until(text: str, errors: FormErrors, now: datetime) -> datetime | None:
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        errors.add("date_fin", gettext("Écrivez la date sous la forme AAAA-MM-JJ."))
        return None
    moment = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)
    if moment <= now:
        errors.add("date_fin", gettext("La date de fin doit être dans le futur."))
    return moment


@router.post("/observer/{achievement_id}", response_class=HTMLResponse, dependencies=ACT)
async def sign_observation(
    achievement_id: str, request: Request, principal: Annotated[Principal, Depends(ACTOR)]
) -> Response:
    from issuer.issuance import IssueSpec, evidence_item
    from issuer.recipients import parse_recipient
    from issuer.service import issue_idempotent

    row = _achievement(request, principal, achievement_id)
    levels = achievement_levels(row.achievement)
    form = await request.form()
    errors = FormErrors()
    values = await _read(form, errors, levels)
    context = ctx(request)
    valid_until = _valid_until(values["date_fin"], errors, context.now())
    old = _replacing(request, principal, row, values["remplace"]) if values["remplace"] else None
    recipient = None
    if not errors:
        kind = values["destinataire_type"]
        text = None if kind == "aucun" else _PREFIX[kind] + values["destinataire"]
        if kind == "identifiant" and values["destinataire"].lower().startswith("nir:"):
            text = values["destinataire"]  # a national identifier keeps its own prefix
        try:
            recipient = parse_recipient(text, name=values["nom"] or None, column="destinataire")
        except IssuerError as exc:
            errors.add("destinataire", exc.message)
    if errors or recipient is None:
        return _form(request, row, values=values, errors=errors, status_code=422, replacing=old)
    spec = IssueSpec(
        recipient=recipient,
        evidence=[
            evidence_item(
                narrative=values["preuve"],
                url=values["preuve_lien"] or None,
                name="Observation en situation de travail",
            )
        ],
        level=values["niveau"] or None,
        valid_until=valid_until,
        suite=values["format"],
        suspendable=values["suspendable"],
        created_by_user_id=principal.user_id,
        replaces=old.id if old is not None else None,
    )
    if values["file_sha256"]:
        spec.evidence.append(evidence_item(file_sha256=values["file_sha256"], name="Fichier joint"))
    material = {k: v for k, v in values.items() if k != "cle"} | {"achievement": row.id}
    digest = hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()
    key = values["cle"] or secrets.token_urlsafe(18)
    try:
        body, _replayed = issue_idempotent(
            context, row.id, spec, key=f"formulaire:{key}", request_sha256=digest
        )
    except IssuerError as exc:
        field = "niveau-0" if exc.column == "niveau" else "destinataire"
        if exc.code == "idempotency_key_reused":
            values["cle"] = secrets.token_urlsafe(18)
            message = gettext(
                "Ce formulaire a déjà servi pour un autre badge. Vérifiez puis signez à nouveau."
            )
        else:
            message = exc.message
        errors.add(field, message)
        return _form(request, row, values=values, errors=errors, status_code=422, replacing=old)
    return render(
        request,
        "formateur/delivre.html",
        {
            "active": "espace",
            "row": row,
            "badge": body,
            "recipient": recipient,
            "qr": qr_svg(body["claim_url"]) if body.get("claim_url") else "",
        },
        status_code=201,
    )


@router.post("/reception/imprimer", response_class=HTMLResponse, dependencies=ACT)
async def print_claim(request: Request) -> HTMLResponse:
    """A printable page with the claim code and its QR (the code travels in the form body,
    never in a URL that logs or browser history would keep)."""
    from issuer.recipients import claim_code_hash

    form = await request.form()
    code = _text(form, "code").upper()
    name = _text(form, "badge")
    with session_scope(ctx(request).engine, write=False) as session:
        from storage.tables import Claim

        claim = session.exec(select(Claim).where(Claim.code_hash == claim_code_hash(code))).first()
    if claim is None:
        raise ApiProblem(404, "claim_unknown", gettext("Ce code de réception est inconnu."))
    url = ctx(request).urls.claim(code)
    return render(
        request,
        "formateur/reception.html",
        {"active": "espace", "code": code, "url": url, "qr": qr_svg(url), "name": name},
    )
