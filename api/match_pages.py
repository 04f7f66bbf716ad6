"""« Les métiers proches de vous » (issue 7 and 8, « Beneficiary »): for a wallet, the closest
open jobs, what is missing and the modules that would close the gap (« ce qu'il vous reste à
apprendre »), a competence map of the wallet, and the choice to be found by employers.

- ``GET /metiers-proches``: the holder's wallet (or, for a counsellor acting with consent, the
  wallet named by ``?portefeuille=``); easy-to-read French (short sentences, common words);
- ``GET /metiers-proches/visibilite``: what employers would see, in plain words, and the form;
- ``POST /metiers-proches/visibilite``: agree to be found (showing the name and the names of
  badges only if ticked) or withdraw — withdrawing removes the wallet from every ranking at
  once (``matching.store.withdraw``). Only the holder decides; a counsellor sees the choice.

Only competences of **verified** badges count (``matching.store`` reads ``wallet_competences``
joined to verdicts). The map is drawn by :func:`api.charts.competence_map` with its text
version.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import col, select

from api.audit import audit_request
from api.auth import Principal, Role, Scope, require_roles, require_scope
from api.charts import (
    MapBlock,
    MapGroup,
    Tile,
    competence_list,
    competence_map,
    coverage_bars,
    coverage_table,
)
from api.database import engine_of
from api.employer_reasons import explain
from api.i18n import gettext as _
from api.matching_index import matcher_of, synced
from api.pages import render
from api.problems import ApiProblem
from api.security import require_csrf
from matching import store
from matching.holders import resolved
from matching.model import Holder
from matching.ranking import Matcher
from matching.resolve import NodeResolver
from referentials.model import NodeType
from storage.engine import session_scope
from storage.tables import MatchingOptIn, Wallet, WalletItem

__all__ = ["router", "wallet_map"]

router = APIRouter(include_in_schema=False)
PERSON = require_roles(Role.BENEFICIARY, Role.COUNSELLOR)
TOP = 5
MAX_TILES = 60


def _wallet(principal: Principal, asked: str | None) -> str:
    """The wallet the page is about: the one asked for if the principal may act for it, else
    the holder's own (a counsellor with several people must choose)."""
    if asked:
        if not principal.may_act_for_wallet(asked):
            raise ApiProblem(404, "not_found", _("Ce portefeuille n'existe pas."))
        return asked
    own = sorted(principal.wallet_ids) or sorted(principal.custody_wallet_ids)
    if not own:
        raise ApiProblem(404, "not_found", _("Vous n'avez pas encore de portefeuille."))
    return own[0]


def wallet_map(holder: Holder, matcher: Matcher) -> list[MapGroup]:
    """Per referential, per block: the competences, held or not (held: a verified badge
    asserts it or a block / certification containing it)."""
    tables = matcher.tables
    graph = matcher.graph
    covered: set[str] = set()
    for holding in holder.holdings:
        covered.add(holding.node)
        covered.update(tables.teaches(holding.node))
    competences = {n for n in covered if tables.node_type(n) is NodeType.COMPETENCE}
    blocks: dict[str, set[str]] = {}  # referential slug -> blocks
    loose: dict[str, set[str]] = {}  # referential slug -> held competences outside blocks
    for node in competences:
        slug = tables.referential(node) or ""
        containing = graph.containers(node, NodeType.BLOCK)
        if containing:
            blocks.setdefault(slug, set()).update(containing)
        else:
            loose.setdefault(slug, set()).add(node)
    titles = {slug: ref.title.get("fr") or slug for (slug, _v), ref in graph.referentials.items()}
    groups: list[MapGroup] = []
    for slug in sorted(set(blocks) | set(loose), key=lambda s: titles.get(s, s)):
        parts: list[MapBlock] = []
        for block in sorted(blocks.get(slug, ()), key=tables.label):
            members = tables.teaches(block) or graph.module_teaches(block)
            tiles = tuple(Tile(tables.label(c), c in competences) for c in members[:MAX_TILES])
            parts.append(MapBlock(tables.label(block), tiles))
        if slug in loose:
            everything = sorted(
                (
                    item.node_id(graph.base, s, v)
                    for (s, v), ref in graph.referentials.items()
                    if s == slug
                    for item in ref.items
                    if item.kind.node_type is NodeType.COMPETENCE
                ),
                key=tables.label,
            )
            outside = [c for c in everything if not graph.containers(c, NodeType.BLOCK)]
            if len(outside) > MAX_TILES:
                outside = sorted(loose[slug], key=tables.label)
            tiles = tuple(Tile(tables.label(c), c in competences) for c in outside)
            parts.append(MapBlock(_("Compétences"), tiles))
        groups.append(MapGroup(titles.get(slug, slug), tuple(parts)))
    return groups


def _opt_in(request: Request, wallet_id: str) -> dict[str, Any] | None:
    with session_scope(engine_of(request), write=False) as session:
        row = session.get(MatchingOptIn, wallet_id)
        return None if row is None else dict(row.disclosure or {})


@router.get("/metiers-proches", response_class=HTMLResponse)
def closest_jobs_page(
    request: Request,
    principal: Annotated[Principal, Depends(PERSON)],
    portefeuille: str | None = None,
) -> HTMLResponse:
    wallet_id = _wallet(principal, portefeuille)
    matcher = matcher_of(request)
    with session_scope(engine_of(request), write=False) as session:
        holder = store.holder_for_wallet(session, wallet_id, tables=matcher.tables)
        items = session.exec(select(WalletItem).where(WalletItem.wallet_id == wallet_id)).all()
        badges = {  # the person sees the names of their own badges
            i.credential_id: str((i.summary or {}).get("name") or _("Badge"))
            for i in items
            if i.credential_id
        }
    if holder is None:
        raise ApiProblem(404, "not_found", _("Ce portefeuille n'existe pas."))
    holder = resolved(holder, NodeResolver(matcher.graph))
    # The application's one index of open jobs (api.matching_index), brought up to date.
    with synced(request, holders=False) as ranking:
        closest = ranking.jobs_for(holder, top=TOP)
        titles = {
            r.id: compiled.job.title for r in closest if (compiled := ranking.compiled_job(r.id))
        }
    found = []
    for n, entry in enumerate(closest, start=1):
        view = explain(entry.result, matcher.tables, badges=badges)
        title = titles.get(entry.id, entry.id)
        caption = _("Ce que vous avez pour « %(job)s », bloc par bloc") % {"job": title}
        found.append(
            {
                "title": title,
                "view": view,
                "svg": coverage_bars(view.bars, title=caption, prefix=f"offre-{n}"),
                "table": coverage_table(view.bars, caption=caption),
            }
        )
    groups = wallet_map(holder, matcher)
    # A counsellor moves between the people they support (names of those wallets only).
    others: list[tuple[str, str]] = []
    custody = sorted((principal.custody_wallet_ids | principal.wallet_ids) - {wallet_id})
    if principal.custody_wallet_ids and custody:
        with session_scope(engine_of(request), write=False) as session:
            rows = session.exec(select(Wallet).where(col(Wallet.id).in_(custody))).all()
        others = sorted((w.display_name or w.id, w.id) for w in rows)
    own = wallet_id in principal.wallet_ids
    context = {
        "jobs": found,
        "groups": groups,
        "svg": competence_map(groups, title=_("Vos compétences prouvées")) if groups else None,
        "text_map": competence_list(groups) if groups else None,
        "opt_in": _opt_in(request, wallet_id),
        "own": own,
        "wallet_id": wallet_id,
        "others": others,
        "active": "espace",
    }
    return render(request, "rapprochement/metiers.html", context)


@router.get("/metiers-proches/visibilite", response_class=HTMLResponse)
def visibility_page(
    request: Request,
    principal: Annotated[Principal, Depends(PERSON)],
    portefeuille: str | None = None,
) -> HTMLResponse:
    wallet_id = _wallet(principal, portefeuille)
    context = {
        "opt_in": _opt_in(request, wallet_id),
        "own": wallet_id in principal.wallet_ids,
        "wallet_id": wallet_id,
        "done": request.query_params.get("fait", ""),
        "active": "espace",
    }
    return render(request, "rapprochement/visibilite.html", context)


@router.post(
    "/metiers-proches/visibilite",
    dependencies=[Depends(require_csrf), Depends(require_scope(Scope.WALLET_WRITE))],
)
def change_visibility(
    request: Request,
    principal: Annotated[Principal, Depends(PERSON)],
    portefeuille: Annotated[str, Form()] = "",
    choix: Annotated[str, Form()] = "",
    montrer_nom: Annotated[str, Form()] = "",
    montrer_badges: Annotated[str, Form()] = "",
) -> RedirectResponse:
    wallet_id = _wallet(principal, portefeuille or None)
    if wallet_id not in principal.wallet_ids:
        raise ApiProblem(
            403, "forbidden", _("Seule la personne qui a les badges peut faire ce choix.")
        )
    if choix not in ("oui", "non"):
        raise ApiProblem(422, "request_invalid", _("Choisissez oui ou non."))
    disclosure = {"display_name": montrer_nom == "oui", "badges": montrer_badges == "oui"}
    with session_scope(engine_of(request)) as session:
        if choix == "oui":
            store.opt_in(session, wallet_id, disclosure)
        else:
            store.withdraw(session, wallet_id)
    # Being found is a kind of sharing: audited like shares (random ids only, no name).
    audit_request(
        request,
        "matching.opt_in" if choix == "oui" else "matching.withdraw",
        "wallet",
        wallet_id,
        details=disclosure if choix == "oui" else None,
    )
    target = f"/metiers-proches/visibilite?portefeuille={quote(wallet_id)}&fait={choix}"
    return RedirectResponse(target, status_code=303)
