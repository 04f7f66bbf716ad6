"""« Candidats » for one job (issue 7: « the employer sees ranked candidates with reasons »).

Only holders who agreed to be found appear (``matching_optins``; withdrawing removes them at
once, there is no copy), ranked by :class:`matching.ranking.Matcher` (score, then id), each
shown **as they agreed** (:func:`matching.holders.disclosed`): the name only when they allowed
it (else « Personne n° 2 »), the names of badges only when they allowed badges to be shown,
only the referentials they chose. Each candidate: score, complete or not, per-block bars
(SVG with a table as text version), what is proven, what counts in part, what is missing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

from api.auth import Principal
from api.charts import coverage_bars, coverage_table
from api.database import engine_of
from api.employer_pages import EMPLOYER, job_of, status_word, usable
from api.employer_reasons import explain
from api.i18n import gettext as _
from api.matching_index import matcher_of, synced
from api.pages import render
from storage.engine import session_scope
from storage.tables import User, Wallet, WalletItem

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
TOP = 20


@router.get("/employeur/postes/{job_id}/candidats", response_class=HTMLResponse)
def candidates_page(
    request: Request, job_id: str, principal: Annotated[Principal, Depends(EMPLOYER)]
) -> HTMLResponse:
    job = job_of(request, principal, job_id)
    matcher = matcher_of(request)
    ranked_job, unknown = usable(job, matcher)
    ranked: list[Any] = []
    names: dict[str, str] = {}
    badge_names: dict[str, str] = {}
    if ranked_job.requirements:
        # The application's one index (api.matching_index), brought up to date, not rebuilt.
        with synced(request, jobs=False) as ranking:
            ranked = ranking.candidates(job, top=TOP)
            disclosure = {
                r.id: holder.disclosure for r in ranked if (holder := ranking.holder(r.id))
            }
        shown = [r.id for r in ranked]
        with session_scope(engine_of(request), write=False) as session:
            for wallet in session.exec(select(Wallet).where(col(Wallet.id).in_(shown))).all():
                if disclosure.get(wallet.id, {}).get("display_name"):
                    # The person's own name when the wallet is theirs, else the wallet's.
                    user = (
                        session.get(User, wallet.holder_user_id) if wallet.holder_user_id else None
                    )
                    names[wallet.id] = (user.display_name if user else None) or (
                        wallet.display_name or ""
                    )
            badge_ids = {
                m.badge_id for r in ranked for m in r.result.matched if m.badge_id is not None
            }
            if badge_ids:
                items = session.exec(
                    select(WalletItem).where(col(WalletItem.credential_id).in_(sorted(badge_ids)))
                ).all()
                for item in items:
                    if item.credential_id and item.wallet_id in shown:
                        badge_names[item.credential_id] = str(
                            (item.summary or {}).get("name") or _("Badge")
                        )
    people = []
    for rank, entry in enumerate(ranked, start=1):
        view = explain(entry.result, matcher.tables, badges=badge_names)
        name = names.get(entry.id) or _("Personne n° %(n)d") % {"n": rank}
        prefix = f"couverture-{rank}"
        people.append(
            {
                "rank": rank,
                "name": name,
                "view": view,
                "svg": coverage_bars(
                    view.bars,
                    title=_("Couverture par bloc : %(name)s") % {"name": name},
                    prefix=prefix,
                ),
                "table": coverage_table(
                    view.bars, caption=_("Couverture par bloc : %(name)s") % {"name": name}
                ),
            }
        )
    context = {
        "job": job,
        "status": status_word(job.status),
        "people": people,
        "unknown": unknown,
        "active": "espace",
    }
    return render(request, "employeur/candidats.html", context)
