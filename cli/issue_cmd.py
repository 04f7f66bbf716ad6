"""Issuing commands: ``atouts org``, ``achievement``, ``issue``, ``issue-batch``, ``revoke``,
``reinstate``, ``export`` and ``endorse`` (issue 4).

They work on the database at ``ATOUTS_DATABASE_URL`` or the SQLite file under ``ATOUTS_HOME``
(run ``atouts db upgrade`` first: an unmigrated database is refused with that advice). Issuer
private keys are sealed with ``ATOUTS_SECRET_KEY`` (or ``ATOUTS_SECRET_KEY_FILE``, else
``$ATOUTS_HOME/secret.key``), see ADR 0003. Public URLs use ``ATOUTS_BASE_URL``.

Exit status: 0 done, 1 refused (the message says why, in French), 64 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from issuer.context import IssuerContext

EX_USAGE = 64
EX_REFUSED = 1


def register(subparsers: Any) -> None:
    _register_org(subparsers)
    _register_achievement(subparsers)
    _register_issue(subparsers)
    _register_batch(subparsers)
    revoke = subparsers.add_parser("revoke", help="révoquer (ou suspendre) un badge")
    revoke.add_argument("credential", metavar="CREDENTIAL_ID")
    revoke.add_argument("--reason", help="raison (privée, jamais publiée)")
    revoke.add_argument("--suspend", action="store_true", help="suspendre au lieu de révoquer")
    revoke.add_argument("--json", action="store_true")
    revoke.set_defaults(handler=_guard(_revoke))
    reinstate = subparsers.add_parser("reinstate", help="lever la suspension d'un badge")
    reinstate.add_argument("credential", metavar="CREDENTIAL_ID")
    reinstate.add_argument("--json", action="store_true")
    reinstate.set_defaults(handler=_guard(_reinstate))
    export = subparsers.add_parser("export", help="télécharger un badge (json, jwt, png, svg)")
    export.add_argument("credential", metavar="CREDENTIAL_ID")
    export.add_argument("--as", dest="as_", choices=("json", "jwt", "png", "svg"), required=True)
    export.add_argument("-o", "--output", type=Path, help="fichier (défaut : sortie standard)")
    export.set_defaults(handler=_guard(_export))
    endorse = subparsers.add_parser("endorse", help="un employeur recommande un badge type")
    endorse.add_argument("org", metavar="ORG", help="organisation qui recommande")
    target = endorse.add_mutually_exclusive_group(required=True)
    target.add_argument("--achievement", metavar="ID")
    target.add_argument("--referential", metavar="SLUG@VERSION")
    endorse.add_argument("--comment", required=True)
    endorse.set_defaults(handler=_guard(_endorse))


def _register_org(subparsers: Any) -> None:
    org = subparsers.add_parser("org", help="organisations qui délivrent des badges")
    sub = org.add_subparsers(dest="org_command", metavar="ACTION", parser_class=type(org))
    org.set_defaults(handler=lambda _a: _usage(org))
    create = sub.add_parser("create", help="créer une organisation (profil, clé, listes)")
    create.add_argument("--slug", required=True, help="identifiant court (ex. mission-ouest)")
    create.add_argument("--name", required=True)
    create.add_argument("--url")
    create.add_argument("--email")
    create.add_argument("--description")
    create.add_argument("--parent", metavar="SLUG", help="réseau dont elle fait partie")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=_guard(_org_create))
    member = sub.add_parser("member", help="donner un rôle à une personne")
    member.add_argument("org", metavar="ORG")
    member.add_argument("--email", required=True)
    member.add_argument("--name", default="")
    member.add_argument("--role", choices=("admin", "issuer", "reviewer"), required=True)
    member.set_defaults(handler=_guard(_org_member))
    rotate = sub.add_parser(
        "rotate-key", help="nouvelle clé de signature (l'ancienne reste publiée)"
    )
    rotate.add_argument("org", metavar="ORG")
    rotate.set_defaults(handler=_guard(_org_rotate))
    publish = sub.add_parser(
        "publish", help="publier les listes de statut en attente ; écrire les documents publics"
    )
    publish.add_argument("--dir", type=Path, help="écrire document DID et listes dans ce dossier")
    publish.set_defaults(handler=_guard(_org_publish))
    secret = sub.add_parser("secret-key", help="générer une clé maître (ATOUTS_SECRET_KEY)")
    secret.set_defaults(handler=_secret_key)


def _register_achievement(subparsers: Any) -> None:
    achievement = subparsers.add_parser("achievement", help="badges types (réussites)")
    sub = achievement.add_subparsers(
        dest="achievement_command", metavar="ACTION", parser_class=type(achievement)
    )
    achievement.set_defaults(handler=lambda _a: _usage(achievement))
    create = sub.add_parser("create", help="créer un badge type depuis un référentiel publié")
    create.add_argument("--referential", required=True, metavar="SLUG")
    create.add_argument("--version", help="version (défaut : la dernière publiée)")
    create.add_argument("--items", nargs="+", required=True, metavar="CODE")
    create.add_argument("--org", metavar="ORG", help="organisation (défaut : la seule existante)")
    create.add_argument("--name")
    create.add_argument("--description")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=_guard(_achievement_create))


def _register_issue(subparsers: Any) -> None:
    issue = subparsers.add_parser("issue", help="délivrer un badge")
    issue.add_argument("--achievement", required=True, metavar="ID")
    issue.add_argument(
        "--recipient",
        default="",
        help="e-mail, téléphone, nir:…, id:…, ou rien (code de réception)",
    )
    issue.add_argument("--name", help="nom de la personne (privé)")
    issue.add_argument("--evidence", help="ce qui a été observé")
    issue.add_argument("--evidence-url", help="lien vers une preuve")
    issue.add_argument("--evidence-file", type=Path, help="fichier de preuve (seule son empreinte)")
    issue.add_argument("--level", help="niveau atteint (code, ex. N2)")
    issue.add_argument("--valid-from", metavar="DATE")
    issue.add_argument("--valid-until", metavar="DATE")
    issue.add_argument(
        "--suite",
        choices=("eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt"),
        default="eddsa-rdfc-2022",
    )
    issue.add_argument("--suspendable", action="store_true", help="pouvoir suspendre ce badge")
    issue.add_argument("--replaces", metavar="CREDENTIAL_ID", help="badge que celui-ci remplace")
    issue.add_argument("--qr", type=Path, help="écrire le QR code du lien de réception (SVG)")
    issue.add_argument("--json", action="store_true")
    issue.set_defaults(handler=_guard(_issue))


def _register_batch(subparsers: Any) -> None:
    batch = subparsers.add_parser(
        "issue-batch",
        help="délivrer des badges depuis un fichier CSV/XLSX",
        description="atouts issue-batch FICHIER --achievement ID [--dry-run] "
        "[--idempotency-key K] | atouts issue-batch resume BATCH_ID | "
        "atouts issue-batch template --format csv|xlsx -o FICHIER",
    )
    batch.add_argument("target", nargs="+", metavar="FICHIER | resume BATCH_ID | template")
    batch.add_argument("--achievement", metavar="ID")
    batch.add_argument("--dry-run", action="store_true", help="vérifier sans délivrer")
    batch.add_argument("--idempotency-key", metavar="K")
    batch.add_argument(
        "--suite",
        choices=("eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt"),
        default="eddsa-rdfc-2022",
    )
    batch.add_argument("--suspendable", action="store_true")
    batch.add_argument("--result", type=Path, help="fichier résultat (CSV, un statut par ligne)")
    batch.add_argument("--force", action="store_true", help="reprendre sans attendre le bail")
    batch.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    batch.add_argument("-o", "--output", type=Path)
    batch.add_argument("--json", action="store_true")
    batch.set_defaults(handler=_guard(_batch))


# -- plumbing -------------------------------------------------------------------------------------


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EX_USAGE


def _fail(message: str) -> int:
    print(f"erreur : {message}", file=sys.stderr)
    return EX_REFUSED


def _guard(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn the refusals of the issuer, keys and database into French messages and exit 1."""

    def run(args: argparse.Namespace) -> int:
        from issuer.context import IssuerError
        from issuer.custody import KeyCustodyError
        from storage.errors import DatabaseNotMigratedError

        try:
            return handler(args)
        except IssuerError as exc:
            return _fail(exc.message)
        except KeyCustodyError as exc:
            return _fail(str(exc))
        except DatabaseNotMigratedError as exc:
            return _fail(str(exc))

    return run


def _context() -> IssuerContext:
    from api.mail_texts import CatalogueNoticeTexts
    from api.settings import Settings
    from issuer.context import IssuerContext
    from issuer.custody import load_custody
    from storage.engine import DatabaseSettings
    from storage.migrate import open_migrated_engine

    settings = Settings.from_environment()
    engine = open_migrated_engine(DatabaseSettings(home=settings.home, url=settings.database_url))
    custody = load_custody(os.environ, settings.home)
    # Badge notices in the recipient's language, as when issued from the web.
    return IssuerContext(
        engine=engine,
        custody=custody,
        base_url=settings.base_url,
        notice_texts=CatalogueNoticeTexts(),
    )


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def _date(text: str | None) -> datetime | None:
    if not text:
        return None
    from issuer.context import IssuerError

    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise IssuerError(f"date « {text} » illisible (AAAA-MM-JJ)", code="date_invalid") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- organisations --------------------------------------------------------------------------------


def _org_create(args: argparse.Namespace) -> int:
    from issuer.orgs import create_organisation

    ctx = _context()
    org = create_organisation(
        ctx,
        slug=args.slug,
        name=args.name,
        url=args.url,
        email=args.email,
        description=args.description,
        parent_slug=args.parent,
        actor="cli",
    )
    if args.json:
        _print_json(
            {"id": org.id, "slug": org.slug, "issuer": org.issuer_id, "profile": org.profile}
        )
    else:
        print(f"Organisation créée : {org.name} ({org.slug})")
        print(f"Identifiant d'émetteur : {org.issuer_id}")
        if str(org.issuer_id).startswith("did:web:"):
            print(f"Document DID publié à : {ctx.urls.did_document(org.slug)}")
    return 0


def _org_member(args: argparse.Namespace) -> int:
    from issuer.orgs import add_member
    from storage.tables import MemberRole

    add_member(
        _context(), args.org, email=args.email, display_name=args.name, role=MemberRole(args.role)
    )
    print(f"{args.email} a le rôle « {args.role} » dans {args.org}")
    return 0


def _org_rotate(args: argparse.Namespace) -> int:
    from issuer.orgs import rotate_key

    row = rotate_key(_context(), args.org, actor="cli")
    print(f"Nouvelle clé de signature : {row.verification_method}")
    print("L'ancienne clé reste publiée pour vérifier les badges déjà délivrés.")
    return 0


def _org_publish(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from issuer.orgs import did_document
    from issuer.startup import reconcile
    from storage.engine import session_scope
    from storage.tables import Organisation, StatusList

    ctx = _context()
    count = reconcile(ctx)
    print(f"Listes de statut publiées : {count}", file=sys.stderr)
    if args.dir is None:
        return 0
    args.dir.mkdir(parents=True, exist_ok=True)
    with session_scope(ctx.engine, write=False) as session:
        orgs = session.exec(select(Organisation)).all()
        lists = session.exec(select(StatusList)).all()
    for org in orgs:
        if str(org.issuer_id).startswith("did:web:"):
            path = args.dir / f"{org.slug}.did.json"
            path.write_text(json.dumps(did_document(ctx, org.slug), indent=2), encoding="utf-8")
            print(f"{ctx.urls.did_document(org.slug)}={path}")
    for status_list in lists:
        if status_list.published_text and status_list.url:
            path = args.dir / f"status-{status_list.id}.json"
            path.write_text(status_list.published_text, encoding="utf-8")
            print(f"{status_list.url}={path}")
    return 0


def _secret_key(_args: argparse.Namespace) -> int:
    from issuer.custody import generate_kek

    print(generate_kek())
    return 0


# -- achievements ---------------------------------------------------------------------------------


def _load_referential(slug: str, version: str | None) -> Any:
    from api.settings import Settings
    from issuer.context import IssuerError
    from referentials.bundled import load_bundled
    from referentials.model import ReferentialError
    from referentials.store import FilesystemReferentialStore

    store = FilesystemReferentialStore(Settings.from_environment().home / "referentials")
    try:
        return store.get(slug, version)
    except ReferentialError:
        for ref in load_bundled():
            if ref.slug == slug and (version is None or ref.version == version):
                return ref
    raise IssuerError(
        f"référentiel « {slug} » introuvable : importez-le avec `atouts referential import`",
        code="referential_not_found",
    )


def _single_org(ctx: IssuerContext) -> str:
    from sqlmodel import select

    from issuer.context import IssuerError
    from storage.engine import session_scope
    from storage.tables import Organisation

    with session_scope(ctx.engine, write=False) as session:
        slugs = session.exec(select(Organisation.slug)).all()
    if len(slugs) != 1:
        raise IssuerError(
            "précisez l'organisation avec --org"
            if slugs
            else "créez d'abord une organisation : atouts org create",
            code="organisation_required",
        )
    return slugs[0]


def _achievement_create(args: argparse.Namespace) -> int:
    from issuer.achievements import create_achievement

    ctx = _context()
    ref = _load_referential(args.referential, args.version)
    row = create_achievement(
        ctx,
        args.org or _single_org(ctx),
        ref,
        list(args.items),
        name=args.name,
        description=args.description,
    )
    if args.json:
        _print_json({"id": row.id, "name": row.name, "achievement": row.achievement})
    else:
        print(f"Badge type créé : {row.name}")
        print(f"Identifiant : {row.id}")
        print(f"Compétences alignées : {len(row.achievement['alignment'])}")
    return 0


# -- issuing --------------------------------------------------------------------------------------


def _issue(args: argparse.Namespace) -> int:
    import hashlib

    from issuer.images import claim_qr_svg
    from issuer.issuance import IssueSpec, evidence_item
    from issuer.recipients import parse_recipient
    from issuer.service import issue

    ctx = _context()
    evidence = []
    if args.evidence or args.evidence_url or args.evidence_file:
        digest = None
        if args.evidence_file:
            if not args.evidence_file.is_file():
                return _fail(f"fichier de preuve introuvable : {args.evidence_file}")
            digest = hashlib.sha256(args.evidence_file.read_bytes()).hexdigest()
        if args.evidence_url and digest:
            # An Evidence has one id: the link and the file's digest are two pieces of evidence
            # (one item would keep the link and silently drop the file).
            evidence.append(evidence_item(narrative=args.evidence, url=args.evidence_url))
            evidence.append(evidence_item(file_sha256=digest))
        else:
            evidence.append(
                evidence_item(narrative=args.evidence, url=args.evidence_url, file_sha256=digest)
            )
    spec = IssueSpec(
        recipient=parse_recipient(args.recipient, name=args.name),
        evidence=evidence,
        level=args.level,
        valid_from=_date(args.valid_from),
        valid_until=_date(args.valid_until),
        suite=args.suite,
        suspendable=args.suspendable,
        replaces=args.replaces,
    )
    issued = issue(ctx, args.achievement, spec, actor="cli")
    if args.qr and issued.claim_url:
        args.qr.write_bytes(claim_qr_svg(issued.claim_url))
    if args.json:
        _print_json(issued.to_json())
        return 0
    print(f"Badge délivré : {issued.credential_id}")
    print(f"Identifiant : {issued.row_id}")
    print(f"Page de vérification : {issued.verification_url}")
    if issued.claim_code:
        print(f"Code de réception (à remettre à la personne) : {issued.claim_code}")
        print(f"Lien de réception : {issued.claim_url}")
        if args.qr:
            print(f"QR code à imprimer : {args.qr}")
    return 0


def _batch(args: argparse.Namespace) -> int:
    from issuer.batch import dry_run, result_csv, run_batch, submit_batch
    from issuer.batch_input import template_csv, template_xlsx

    first = args.target[0]
    if first == "template":
        data = template_xlsx() if args.format == "xlsx" else template_csv()
        output = args.output or Path(f"modele-badges.{args.format}")
        output.write_bytes(data)
        print(f"Modèle écrit : {output}")
        return 0
    if first == "resume":
        if len(args.target) != 2:
            return _fail("usage : atouts issue-batch resume BATCH_ID")
        ctx = _context()
        return _run(ctx, args, args.target[1], run_batch, result_csv)
    if len(args.target) != 1:
        return _fail("un seul fichier à la fois")
    path = Path(first)
    if not path.is_file():
        return _fail(f"fichier introuvable : {path}")
    if args.dry_run:
        achievement = None
        if args.achievement:  # levels are checked against this badge's, as issuing will
            from issuer.achievements import get_achievement

            achievement = get_achievement(_context(), args.achievement).achievement
        report = dry_run(
            path, suite=args.suite, suspendable=args.suspendable, achievement=achievement
        )
        if args.json:
            _print_json(report.to_json())
        else:
            for error in report.errors:
                print(str(error))
            print(f"{report.ready} badges prêts, {report.total - report.ready} lignes à corriger")
        return 0 if report.ready == report.total else EX_REFUSED
    if not args.achievement:
        return _fail("précisez le badge type : --achievement ID")
    ctx = _context()
    batch, created = submit_batch(
        ctx,
        args.achievement,
        path,
        idempotency_key=args.idempotency_key,
        suite=args.suite,
        suspendable=args.suspendable,
        actor="cli",
    )
    if not created:
        print(
            f"Ce fichier a déjà été envoyé (envoi {batch.id}) : reprise, sans doublon.",
            file=sys.stderr,
        )
    else:
        print(f"Envoi {batch.id} : {batch.total_rows} lignes", file=sys.stderr)
    return _run(ctx, args, batch.id, run_batch, result_csv)


def _run(ctx: IssuerContext, args: argparse.Namespace, batch_id: str, run: Any, result: Any) -> int:
    def progress(p: Any) -> None:
        left = p.pending
        print(
            f"\r{p.issued} délivrés, {p.failed} en erreur, {left} restants", end="", file=sys.stderr
        )

    final = run(ctx, batch_id, progress=None if args.json else progress, force=args.force)
    if not args.json:
        print(file=sys.stderr)
    output = args.result or Path(f"resultat-{batch_id}.csv")
    with output.open("w", encoding="utf-8", newline="") as handle:
        for chunk in result(ctx, batch_id):
            handle.write(chunk)
    if args.json:
        _print_json({**final.to_json(), "result_file": str(output)})
    else:
        print(f"Terminé : {final.issued} badges délivrés, {final.failed} lignes en erreur.")
        print(f"Résultat ligne par ligne : {output}")
    return 0


# -- status, export, endorsements -----------------------------------------------------------------


def _status(args: argparse.Namespace, action: str) -> int:
    from issuer.status import change_status

    change = change_status(
        _context(),
        args.credential,
        action=action,
        reason=args.__dict__.get("reason"),
        actor="cli",
    )
    if args.json:
        _print_json(
            {
                "credential_id": change.credential_id,
                "state": str(change.state),
                "changed": change.changed,
            }
        )
        return 0
    words = {"revoke": "révoqué", "suspend": "suspendu", "reinstate": "de nouveau valable"}
    if change.changed:
        print(f"Badge {words[action]} : {change.credential_id}")
        print("La liste de statut publiée est à jour.")
    else:
        print(f"Rien à changer : le badge est déjà {words[action]}.")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    return _status(args, "suspend" if args.suspend else "revoke")


def _reinstate(args: argparse.Namespace) -> int:
    return _status(args, "reinstate")


def _export(args: argparse.Namespace) -> int:
    from issuer.exports import export_credential

    exported = export_credential(_context(), args.credential, args.as_)
    if args.output is not None:
        args.output.write_bytes(exported.data)
        print(f"Écrit : {args.output}", file=sys.stderr)
    elif args.as_ in ("png",) and sys.stdout.isatty():
        return _fail("image binaire : précisez -o FICHIER")
    else:
        sys.stdout.buffer.write(exported.data)
        sys.stdout.flush()
    return 0


def _endorse(args: argparse.Namespace) -> int:
    from issuer.endorsements import endorse

    referential = None
    if args.referential:
        slug, _, version = args.referential.partition("@")
        referential = (slug, version or "1.0")
    signed = endorse(
        _context(),
        args.org,
        comment=args.comment,
        achievement_id=args.achievement,
        referential=referential,
    )
    _print_json(signed)
    return 0
