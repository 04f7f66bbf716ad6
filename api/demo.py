"""Demonstration data for ``make run`` (``atouts serve --demo``), and the demo sign-in links.

:func:`seed_demo` puts into the application's database, once (running it again changes
nothing): the bundled referentials (read from the package, nothing to store), one training
organisation with its issuer key (did:key, since a local demo has no https domain) and two
badge types built from the bundled referentials, an employer with an open job (and a key, to
sign what it endorses), and a beneficiary whose wallet holds three badges issued by that
organisation and who agreed to be found by employers. The demo organisation is added to the
known issuers of the verification page.

Signing in as a demo person uses ``/demo/connexion/{who}`` (a button, then a session): the route
exists **only** when the settings say ``demo`` (``create_app`` registers it), and
``atouts serve --demo`` prints the links.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import select

from api.audit import audit_request
from api.auth import SESSION_LIFETIME, session_cookie_name, start_session
from api.database import app_engine
from api.pages import render
from api.problems import ApiProblem
from api.security import require_csrf
from storage.engine import session_scope
from storage.tables import Member, MemberRole, Organisation, User

__all__ = ["DEMO_PEOPLE", "DemoPerson", "demo_links", "router", "seed_demo"]

TRAINING_SLUG = "demo-formation"
EMPLOYER_SLUG = "demo-entreprise"


@dataclass(frozen=True, slots=True)
class DemoPerson:
    key: str
    email: str
    name: str
    role_text: str


DEMO_PEOPLE = (
    DemoPerson(
        "formatrice",
        "formatrice@demo.atouts.example",
        "Claire Formatrice",
        "formatrice (organisme de formation, peut délivrer des badges)",
    ),
    DemoPerson(
        "employeur",
        "employeur@demo.atouts.example",
        "Marc Employeur",
        "employeur (une offre, voit les candidats)",
    ),
    DemoPerson(
        "beneficiaire",
        "beneficiaire@demo.atouts.example",
        "Samir Bénéficiaire",
        "bénéficiaire (un portefeuille avec trois badges)",
    ),
)

ATTITUDE = ("attitude-pro-reunion", "1.0")
BTP = ("btp-blocs-exemple", "1.0")


def demo_links(base_url: str) -> list[tuple[DemoPerson, str]]:
    return [(p, f"{base_url}/demo/connexion/{p.key}") for p in DEMO_PEOPLE]


def _bundled(slug: str, version: str):  # type: ignore[no-untyped-def]
    from referentials.bundled import load_bundled

    return next(r for r in load_bundled() if r.key == (slug, version))


def seed_demo(app: FastAPI) -> None:
    """Create the demo data once (see the module docstring)."""
    from api.issuer_public import issuer_context
    from api.wallet_setup import wallet_context
    from issuer.achievements import create_achievement
    from issuer.issuance import IssueSpec
    from issuer.orgs import add_member, create_organisation
    from issuer.recipients import parse_recipient
    from issuer.service import issue
    from matching.model import Job, Requirement
    from matching.store import opt_in, save_job
    from storage.tables import WalletItemSource
    from wallet.holders import open_wallet
    from wallet.items import import_badge

    settings = app.state.settings
    engine = app_engine(app)
    with session_scope(engine, write=False) as session:
        done = session.exec(select(Organisation).where(Organisation.slug == TRAINING_SLUG)).first()
    if done is None:
        ictx = issuer_context(settings, app)
        create_organisation(
            ictx,
            slug=TRAINING_SLUG,
            name="Organisme de formation Démo",
            description="Chantier d'insertion et centre de formation aux métiers du bâtiment.",
        )
        trainer, employer, beneficiary = DEMO_PEOPLE
        for role in (MemberRole.ADMIN, MemberRole.ISSUER):
            add_member(
                ictx, TRAINING_SLUG, email=trainer.email, display_name=trainer.name, role=role
            )
        attitude = create_achievement(
            ictx,
            TRAINING_SLUG,
            _bundled(*ATTITUDE),
            ["SE01", "SE02", "SE05"],
            name="Savoir-être professionnels : ponctualité, assiduité, travail en équipe",
        )
        safety = create_achievement(
            ictx, TRAINING_SLUG, _bundled(*BTP), ["B-SECU"], name="Sécurité sur chantier"
        )
        calm = create_achievement(
            ictx,
            TRAINING_SLUG,
            _bundled(*ATTITUDE),
            ["SE07", "SE09"],
            name="Savoir-être professionnels : s'organiser, garder son calme",
        )
        # The employer signs what it endorses, so its organisation gets a key (its profile says
        # which); it issues no badges, so no issuer_id: it stays an employer only (api.auth).
        create_organisation(
            ictx,
            slug=EMPLOYER_SLUG,
            name="Entreprise Démo du Bâtiment",
            description="Entreprise de rénovation qui recrute des aides-maçons.",
        )
        with session_scope(engine) as session:
            org = session.exec(select(Organisation).where(Organisation.slug == EMPLOYER_SLUG)).one()
            org.issuer_id = None
            session.add(org)
            boss = User(display_name=employer.name, email=employer.email)
            session.add(boss)
            session.flush()
            session.add(Member(organisation_id=org.id, user_id=boss.id, role=MemberRole.ADMIN))
            base = settings.base_url
            job = Job(
                id="demo-aide-macon",
                title="Aide-maçon H/F",
                description="Chantiers de rénovation. Débutants acceptés, tutorat assuré.",
                requirements=(
                    Requirement(
                        f"{base}/referentials/{BTP[0]}/{BTP[1]}/blocks/B-SECU",
                        True,
                        label="Sécurité sur chantier",
                    ),
                    Requirement(
                        f"{base}/referentials/{ATTITUDE[0]}/{ATTITUDE[1]}/competences/SE01",
                        True,
                        label="Être ponctuel",
                    ),
                    Requirement(
                        f"{base}/referentials/{BTP[0]}/{BTP[1]}/blocks/MAC-B1",
                        False,
                        label="Maçonnerie : premier bloc",
                    ),
                ),
            )
            save_job(session, job, organisation_id=org.id)
        wctx = wallet_context(settings, engine=engine, network=False)
        wallet = open_wallet(wctx, display_name=beneficiary.name, email=beneficiary.email)
        for achievement, narrative in (
            (attitude, "Observé pendant trois semaines de chantier : toujours à l'heure."),
            (safety, "Port des équipements et balisage vérifiés par le tuteur."),
            (calm, "Journée de forte affluence gérée sans débordement, selon la tutrice."),
        ):
            issued = issue(
                ictx,
                achievement.id,
                IssueSpec(
                    recipient=parse_recipient(beneficiary.email, name=beneficiary.name),
                    evidence=[{"type": ["Evidence"], "narrative": narrative}],
                ),
            )
            import_badge(
                wctx,
                wallet.id,
                issued.signed_text,
                source=WalletItemSource.CLAIM,
                issued_credential_id=issued.row_id,
            )
        with session_scope(engine) as session:
            opt_in(session, wallet.id, {"display_name": True})
    _trust_demo_issuer(app)


def _trust_demo_issuer(app: FastAPI) -> None:
    from verifier.trust import TrustedIssuer, TrustRegistry

    with session_scope(app_engine(app), write=False) as session:
        org = session.exec(select(Organisation).where(Organisation.slug == TRAINING_SLUG)).one()
    config = app.state.verifier_config
    demo = TrustRegistry([TrustedIssuer(id=str(org.issuer_id), name=org.name)], name="démo")
    config.trust_registry = (
        demo if config.trust_registry is None else (config.trust_registry.merged(demo))
    )


router = APIRouter(include_in_schema=False)


def _person(who: str) -> DemoPerson:
    for person in DEMO_PEOPLE:
        if person.key == who:
            return person
    raise ApiProblem(404, "not_found", "Personne de démonstration inconnue.")


@router.get("/demo/connexion/{who}", response_class=HTMLResponse)
def demo_sign_in_page(request: Request, who: str) -> HTMLResponse:
    person = _person(who)
    return render(request, "demo_connexion.html", {"person": person, "active": "connexion"})


@router.post("/demo/connexion/{who}", dependencies=[Depends(require_csrf)])
def demo_sign_in(request: Request, who: str) -> Response:
    from fastapi.responses import RedirectResponse

    person = _person(who)
    with session_scope(app_engine(request.app), write=False) as session:
        user = session.exec(select(User).where(User.email == person.email)).first()
    if user is None:
        raise ApiProblem(404, "not_found", "Les données de démonstration manquent.")
    raw = start_session(app_engine(request.app), user.id, now=request.app.state.clock())
    audit_request(
        request, "sign_in", "session", None, actor=f"user:{user.id}", details={"via": "demo"}
    )
    response = RedirectResponse("/mon-espace", status_code=303)
    response.set_cookie(
        session_cookie_name(request),
        raw,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        **request.app.state.cookie_policy.params(),
    )
    return response
