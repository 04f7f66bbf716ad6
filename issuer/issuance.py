"""Issuing one credential: build the OpenBadgeCredential, allocate its status indexes, sign it
and store it — all in the caller's transaction (DESIGN.md §3.2, §7; reliability-ux.md D4).

Order inside the transaction: draw a random revocation index and a random suspension index
(unique constraint, savepoints), build the document with both ``credentialStatus`` entries, sign
it (eddsa-rdfc-2022 by default, eddsa-jcs-2022 or VC-JWT on request), insert the row with the
exact signed text, attach the indexes, the private recipient contact and the claim code hash.
Nothing is returned before the commit: a crash anywhere leaves no row, no index, and no signed
bytes handed out.

Re-issue (OB 3.0 "Credential Equality and Comparison"): the new credential keeps the **same
``id``** as the one it replaces and a later ``validFrom``, so wallets and hosts keep the newest.
As ``credentials.credential_id`` is unique, the replacing row's ``credential_id`` column is the
``id`` followed by ``?version=N`` (the URL of that exact version); the public URL without a
version serves the newest. The replaced row points to its successor (``replaced_by_id``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from badges.jwt import encode_vc_jwt
from badges.keys import Ed25519KeyPair
from badges.proofs.data_integrity import JCS, RDFC, create_proof
from issuer.achievements import level_ids
from issuer.context import IssuerContext, IssuerError, iso
from issuer.notify import badge_message, notice_languages
from issuer.recipients import Recipient, claim_code_hash, new_claim_code
from issuer.status import active_list, allocate_entries, status_entries
from storage.status import link_allocations
from storage.tables import (
    Achievement,
    Claim,
    Credential,
    CredentialFormat,
    CredentialRecipient,
    IssuerKey,
    Organisation,
    OutboxMessage,
    RecipientKind,
    StatusList,
    StatusPurpose,
    new_id,
)

__all__ = [
    "JWT_SUITE",
    "SUITES",
    "IssueSpec",
    "Issued",
    "Signer",
    "achieved_level",
    "build_credential",
    "evidence_item",
    "evidence_items",
    "issue_in_session",
]

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
JWT_SUITE = "vc-jwt"
SUITES = (RDFC, JCS, JWT_SUITE)


def _file_id(file_sha256: str) -> str:
    digest = bytes.fromhex(file_sha256)
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def evidence_item(
    *,
    narrative: str | None = None,
    url: str | None = None,
    file_sha256: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """An OB 3.0 ``Evidence``. A file is cited by its digest as an RFC 6920 ``ni:`` URI, so
    the file itself (often personal) never has to be published.

    An Evidence has a single ``id``: a link *and* a file are two pieces of evidence
    (:func:`evidence_items`); asking one item for both is refused rather than dropping one."""
    if url and file_sha256:
        raise IssuerError(
            "une preuve a soit un lien, soit un fichier : donnez-les comme deux preuves",
            code="evidence_link_and_file",
        )
    item: dict[str, Any] = {"type": ["Evidence"]}
    if url:
        item["id"] = url
    elif file_sha256:
        item["id"] = _file_id(file_sha256)
    if narrative:
        item["narrative"] = narrative
    if name:
        item["name"] = name
    if len(item) == 1:
        raise IssuerError("preuve vide : un texte, un lien ou un fichier", code="evidence_empty")
    return item


def evidence_items(
    *,
    narrative: str | None = None,
    url: str | None = None,
    file_sha256: str | None = None,
    name: str | None = None,
) -> list[dict[str, Any]]:
    """The ``Evidence`` items for one piece of evidence as a person gives it (API, CLI, pages).

    With both a link and a file: two items, as the CLI and the observation page issue them —
    the link with the text, then the file's digest (named like the evidence, else « Fichier
    joint ») — so neither is lost."""
    if url and file_sha256:
        return [
            evidence_item(narrative=narrative, url=url, name=name),
            evidence_item(file_sha256=file_sha256, name=name or "Fichier joint"),
        ]
    return [evidence_item(narrative=narrative, url=url, file_sha256=file_sha256, name=name)]


def achieved_level(achievement: dict[str, Any], level: str) -> str:
    """The ``RubricCriterionLevel`` id of ``level`` (its code, or its name in any case) in the
    achievement's result descriptions; refused with the accepted codes when unknown. Issuing
    and the bulk dry run both ask here, so they accept and refuse the same levels."""
    levels = level_ids(achievement)
    typed = level.strip()
    found = levels.get(typed) or levels.get(typed.lower())
    if found is None:
        # Spreadsheets typed by hand say « n2 » or « N2 » alike: a code matches whatever its case,
        # unless two codes differ only by case (then only the exact code is accepted).
        by_case = {
            level_id
            for code, level_id in levels.items()
            if code and code.casefold() == typed.casefold()
        }
        found = by_case.pop() if len(by_case) == 1 else None
    if found is None:
        known = ", ".join(sorted(k for k in levels if k and k == k.upper())) or "aucun"
        raise IssuerError(
            f"niveau « {level} » inconnu pour ce badge (niveaux : {known})",
            code="level_unknown",
            column="niveau",
        )
    return found


@dataclass(slots=True)
class IssueSpec:
    recipient: Recipient
    evidence: list[dict[str, Any]] = field(default_factory=list)
    level: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    suite: str = RDFC
    replaces: str | None = None
    # OB 3.0 allows one ``credentialStatus``: a revocation entry by default, a suspension entry
    # for a badge that may be paused (its revocation then sets that bit for good; ADR 0003).
    suspendable: bool = False
    created_by_user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Issued:
    row_id: str
    credential_id: str
    format: CredentialFormat
    signed_text: str
    verification_url: str
    claim_code: str | None = None
    claim_url: str | None = None
    # True when this issuance closed a half-full status list and opened a new one: the caller
    # publishes it after the commit (``issuer.status.publish_pending``).
    opened_status_list: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.row_id,
            "credential_id": self.credential_id,
            "format": str(self.format),
            "verification_url": self.verification_url,
        }
        if self.claim_code:
            out["claim_code"] = self.claim_code
            out["claim_url"] = self.claim_url
        out["credential"] = (
            json.loads(self.signed_text)
            if self.format == CredentialFormat.JSON
            else self.signed_text
        )
        return out


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# Stand-ins for the shared objects while a signed credential is serialised. Random per process
# (unguessable, so no document can contain one) and with NUL characters, which JSON escapes.
_MARK = f"\x00atouts-{secrets.token_hex(12)}-"
_ACHIEVEMENT_MARK, _ISSUER_MARK = _MARK + "achievement\x00", _MARK + "issuer\x00"
_ACHIEVEMENT_JSON, _ISSUER_JSON = _dumps(_ACHIEVEMENT_MARK), _dumps(_ISSUER_MARK)


@dataclass(frozen=True, slots=True)
class _SharedText:
    """The JSON text of the achievement and issuer profile that every credential of a batch
    shares (as the same objects, see :func:`build_credential`), serialised once: they are
    more than half of each signed credential's text."""

    achievement: dict[str, Any]
    issuer: dict[str, Any]
    achievement_text: str
    issuer_text: str
    # What the texts were made of: the signed copies are compared with these, so a shared
    # object changed in place since can never be written with its old text.
    achievement_value: Any
    issuer_value: Any


@dataclass(slots=True)
class Signer:
    """The organisation's key and method, opened once per operation."""

    org: Organisation
    key_row: IssuerKey
    pair: Ed25519KeyPair
    _shared: _SharedText | None = None

    def sign(self, document: dict[str, Any], suite: str, created: str) -> tuple[str, str]:
        """(signed text, format value)."""
        if suite == JWT_SUITE:
            return encode_vc_jwt(document, self.pair, kid=self.key_row.verification_method), "jwt"
        signed = create_proof(
            document,
            self.pair,
            cryptosuite=suite,
            verification_method=self.key_row.verification_method,
            created=created,
        )
        return self.signed_json(document, signed), "json"

    def signed_json(self, document: dict[str, Any], signed: dict[str, Any]) -> str:
        """The text of ``signed`` (``document`` with its proof): exactly ``json.dumps`` of it
        (UTF-8 as is, no spaces), with the shared achievement and issuer profile serialised
        once per signer instead of once per credential."""
        subject = document.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        issuer = document.get("issuer")
        if not isinstance(achievement, dict) or not isinstance(issuer, dict):
            return _dumps(signed)
        shared = self._shared
        if shared is None or shared.achievement is not achievement or shared.issuer is not issuer:
            achievement_text, issuer_text = _dumps(achievement), _dumps(issuer)
            shared = self._shared = _SharedText(
                achievement,
                issuer,
                achievement_text,
                issuer_text,
                json.loads(achievement_text),
                json.loads(issuer_text),
            )
        signed_subject = signed.get("credentialSubject")
        if (
            not isinstance(signed_subject, dict)
            or signed_subject.get("achievement") != shared.achievement_value
            or signed.get("issuer") != shared.issuer_value
        ):
            return _dumps(signed)
        outer = dict(signed)
        inner = dict(signed_subject)
        inner["achievement"] = _ACHIEVEMENT_MARK
        outer["credentialSubject"] = inner
        outer["issuer"] = _ISSUER_MARK
        text = _dumps(outer)
        text = text.replace(_ACHIEVEMENT_JSON, shared.achievement_text, 1)
        return text.replace(_ISSUER_JSON, shared.issuer_text, 1)


def build_credential(
    *,
    credential_url: str,
    org: Organisation,
    achievement: dict[str, Any],
    identity: dict[str, Any],
    spec: IssueSpec,
    valid_from: datetime,
    status: dict[str, Any],
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential (OB 3.0 §B.1 AchievementCredential).

    The document *shares* the achievement, profile and evidence objects given (no copies: bulk
    issuance builds thousands); it is only read — signing returns a new document."""
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [identity],
        "achievement": achievement,
    }
    if spec.level:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": achievement["resultDescription"][0]["id"],
                "achievedLevel": achieved_level(achievement, spec.level),
            }
        ]
    document: dict[str, Any] = {
        "@context": [VC_V2, OB_V3],
        "id": credential_url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": org.profile,
        "validFrom": iso(valid_from),
        "name": achievement.get("name", "Badge"),
        "credentialSubject": subject,
        "credentialStatus": status,
    }
    if spec.valid_until is not None:
        if spec.valid_until <= valid_from:
            raise IssuerError(
                "la date de fin doit être après la date de début",
                code="valid_until_before_valid_from",
                column="date_fin",
            )
        document["validUntil"] = iso(spec.valid_until)
    if spec.evidence:
        document["evidence"] = spec.evidence
    return document


def _replaced(session: Session, ref: str, org: Organisation) -> Credential:
    old = session.get(Credential, ref)
    if old is None:
        old = session.exec(select(Credential).where(Credential.credential_id == ref)).first()
    if old is None or old.organisation_id != org.id:
        raise IssuerError(f"badge à remplacer « {ref} » inconnu", code="credential_not_found")
    if old.replaced_by_id is not None:
        raise IssuerError(
            "ce badge a déjà été remplacé : remplacez la version la plus récente",
            code="already_replaced",
            status=409,
        )
    return old


def _lineage_id(old: Credential) -> str:
    return old.credential_id.split("?version=", 1)[0]


def issue_in_session(
    ctx: IssuerContext,
    session: Session,
    *,
    signer: Signer,
    achievement: Achievement,
    spec: IssueSpec,
    lists: dict[StatusPurpose, StatusList] | None = None,
) -> Issued:
    """Issue one credential inside ``session``'s transaction (the caller commits)."""
    if spec.suite not in SUITES:
        raise IssuerError(
            f"suite « {spec.suite} » inconnue ({', '.join(SUITES)})", code="suite_unknown"
        )
    org = signer.org
    now = ctx.now()
    valid_from = spec.valid_from or now
    if lists is None:
        lists = {p: active_list(ctx, session, org, p) for p in StatusPurpose}
    purpose = StatusPurpose.SUSPENSION if spec.suspendable else StatusPurpose.REVOCATION
    before = lists[purpose].id
    ((status_list, allocation),) = allocate_entries(ctx, session, lists, purpose, 1)
    row_id = new_id()
    credential_url = ctx.urls.credential(row_id)
    column_id = credential_url
    old: Credential | None = None
    if spec.replaces:
        old = _replaced(session, spec.replaces, org)
        credential_url = _lineage_id(old)
        versions = session.exec(
            select(Credential.id).where(col(Credential.credential_id).startswith(credential_url))
        ).all()
        column_id = f"{credential_url}?version={len(versions) + 1}"
        if old.valid_from >= valid_from:
            valid_from = old.valid_from.replace(microsecond=0)
            valid_from = max(now, valid_from + timedelta(seconds=1))
    claim_code = new_claim_code() if spec.recipient.kind == RecipientKind.NONE else None
    identity = spec.recipient.identity(claim_code)
    entry = status_entries([(status_list, allocation.status_index)])[0]
    document = build_credential(
        credential_url=credential_url,
        org=org,
        achievement=achievement.achievement,
        identity=identity,
        spec=spec,
        valid_from=valid_from,
        status=entry,
    )
    signed_text, fmt = signer.sign(document, spec.suite, iso(now))
    row = Credential(
        id=row_id,
        credential_id=column_id,
        organisation_id=org.id,
        issuer_key_id=signer.key_row.id,
        achievement_id=achievement.id,
        format=CredentialFormat(fmt),
        proof_suite=spec.suite,
        signed_text=signed_text,
        content_sha256=hashlib.sha256(signed_text.encode()).hexdigest(),
        recipient_identity_hash=str(identity["identityHash"]),
        issued_at=now,
        valid_from=valid_from,
        valid_until=spec.valid_until,
        created_by_user_id=spec.created_by_user_id,
    )
    session.add(row)
    session.flush()
    link_allocations(session, [(allocation.id, row.id)])
    session.add(
        CredentialRecipient(
            credential_id=row.id,
            kind=spec.recipient.kind,
            contact=spec.recipient.value,
            display_name=spec.recipient.name,
            lookup_hmac=spec.recipient.lookup_hmac(ctx.custody.derived_key("recipient-lookup")),
        )
    )
    claim_url = None
    if claim_code is not None:
        session.add(Claim(code_hash=claim_code_hash(claim_code), credential_id=row.id))
        claim_url = ctx.urls.claim(claim_code)
    if old is not None:
        old.replaced_by_id = row.id
        session.add(old)
    message = badge_message(
        ctx,
        recipient=spec.recipient,
        row_id=row.id,
        credential_url=credential_url,
        badge_name=str(achievement.achievement.get("name", achievement.name)),
        issuer_name=str(org.profile.get("name", org.name)),
        now=now,
        language=notice_languages(ctx, session, [spec.recipient]).get(spec.recipient),
    )
    if message is not None:
        session.add(OutboxMessage(**message))
    return Issued(
        row_id=row.id,
        credential_id=credential_url,
        format=row.format,
        signed_text=signed_text,
        verification_url=ctx.urls.verification_page(credential_url),
        claim_code=claim_code,
        claim_url=claim_url,
        opened_status_list=lists[purpose].id != before,
    )
