"""Endorsements by employers of an achievement or of a referential (OB 3.0 §B
EndorsementCredential, signed by the endorsing organisation's own key).

An endorsement of an achievement is also added to the achievement's ``endorsement`` list, so
badges issued afterwards carry it and verifiers check it with the badge (OB 3.0 §9 step 6).
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import select

from issuer.context import IssuerContext, IssuerError, iso
from issuer.issuance import OB_V3, VC_V2, Signer
from issuer.keyring import current_key_row, signing_key
from referentials.model import referential_url
from storage.engine import session_scope
from storage.tables import Achievement, Endorsement, Organisation
from storage.tables import Referential as ReferentialRow

__all__ = ["endorse"]


def endorse(
    ctx: IssuerContext,
    endorser_slug: str,
    *,
    comment: str,
    achievement_id: str | None = None,
    referential: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """Sign and store an endorsement; returns the signed EndorsementCredential."""
    if (achievement_id is None) == (referential is None):
        raise IssuerError(
            "recommandez soit un badge type, soit un référentiel", code="endorsement_subject"
        )
    now = ctx.now()
    with session_scope(ctx.engine) as session:
        org = session.exec(select(Organisation).where(Organisation.slug == endorser_slug)).first()
        if org is None:
            raise IssuerError(
                f"organisation « {endorser_slug} » inconnue",
                code="organisation_not_found",
                status=404,
            )
        achievement: Achievement | None = None
        referential_row: ReferentialRow | None = None
        if achievement_id is not None:
            achievement = session.get(Achievement, achievement_id)
            if achievement is None:
                raise IssuerError("badge type inconnu", code="achievement_not_found", status=404)
            subject_id = str(achievement.achievement["id"])
            subject_name = achievement.name
        else:
            assert referential is not None
            slug, version = referential
            referential_row = session.exec(
                select(ReferentialRow)
                .where(ReferentialRow.slug == slug)
                .where(ReferentialRow.version == version)
            ).first()
            if referential_row is None:
                raise IssuerError(
                    f"référentiel {slug} {version} inconnu de la base : créez d'abord un badge "
                    "qui l'utilise",
                    code="referential_not_found",
                    status=404,
                )
            subject_id = referential_url(ctx.urls.base, slug, version)
            subject_name = referential_row.title
        row = Endorsement(
            endorser_organisation_id=org.id,
            achievement_id=achievement.id if achievement else None,
            referential_id=referential_row.id if referential_row else None,
            credential_id="",
            signed_text="",
            comment=comment,
            created_at=now,
        )
        row.credential_id = ctx.urls.endorsement(row.id)
        document = {
            "@context": [VC_V2, OB_V3],
            "id": row.credential_id,
            "type": ["VerifiableCredential", "EndorsementCredential"],
            "issuer": dict(org.profile),
            "validFrom": iso(now),
            "name": f"{org.name} recommande « {subject_name} »",
            "credentialSubject": {
                "id": subject_id,
                "type": ["EndorsementSubject"],
                "endorsementComment": comment,
            },
        }
        key_row = current_key_row(session, org)
        signer = Signer(org, key_row, signing_key(ctx, key_row))
        text, _ = signer.sign(document, "eddsa-rdfc-2022", iso(now))
        row.signed_text = text
        session.add(row)
        signed: dict[str, Any] = json.loads(text)
        if achievement is not None:
            current = list(achievement.achievement.get("endorsement", []))
            achievement.achievement = {**achievement.achievement, "endorsement": [*current, signed]}
            achievement.updated_at = now
            session.add(achievement)
        return signed
