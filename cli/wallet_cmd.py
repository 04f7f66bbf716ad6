"""``atouts wallet``: a holder's badges from the command line (issue 6).

- ``atouts wallet import FILE... --holder H``: verify and keep badges (JSON, JWT, PNG, SVG,
  OB 2.0); the holder's wallet is created if it does not exist yet (``H`` = its name, or an
  e-mail address for a holder who will sign in with a magic link);
- ``atouts wallet list --holder H [--json]``;
- ``atouts wallet share --holder H --badges IDS... [--audience NAME] [--expires 30d] [--json]``
  prints the link (the token is shown once: only its hash is stored);
- ``atouts wallet unshare LINK``: withdraws the share (hard delete);
- ``atouts wallet export --holder H -o FILE``: one zip with every badge.

``H`` is a wallet id, a holder's e-mail address or a wallet's (unique) name. Exit status: 0 done,
1 refused (with a French message), 64 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from wallet.context import WalletContext, WalletError


def register(subparsers: Any) -> None:
    wallet = subparsers.add_parser("wallet", help="portefeuille de badges d'une personne")
    sub = wallet.add_subparsers(dest="wallet_command", metavar="ACTION", parser_class=type(wallet))
    wallet.set_defaults(handler=lambda _args: _usage(wallet))

    importing = sub.add_parser("import", help="vérifier et ranger des badges dans un portefeuille")
    importing.add_argument("files", nargs="+", type=Path, metavar="FICHIER")
    importing.add_argument("--holder", required=True, help="portefeuille (id, e-mail ou nom)")
    importing.add_argument("--json", action="store_true", help="sortie JSON")
    importing.set_defaults(handler=_import)

    listing = sub.add_parser("list", help="lister les badges d'un portefeuille")
    listing.add_argument("--holder", required=True)
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.set_defaults(handler=_list)

    share = sub.add_parser("share", help="créer un lien pour montrer des badges")
    share.add_argument("--holder", required=True)
    share.add_argument("--badges", nargs="+", required=True, metavar="ID")
    share.add_argument(
        "--audience", default=None, help="nom de l'entreprise (sinon : tout le monde)"
    )
    share.add_argument("--expires", default="30d", help="durée du lien (30d, 7 jours, 2w, 12h)")
    share.add_argument("--json", action="store_true", help="sortie JSON")
    share.set_defaults(handler=_share)

    unshare = sub.add_parser("unshare", help="retirer un lien de partage")
    unshare.add_argument("link", metavar="LIEN")
    unshare.set_defaults(handler=_unshare)

    export = sub.add_parser("export", help="exporter tous les badges dans un fichier zip")
    export.add_argument("--holder", required=True)
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(handler=_export)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 64


def _context() -> WalletContext:
    from api.settings import Settings
    from api.wallet_setup import wallet_context

    return wallet_context(Settings.from_environment())


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def _run(action: Any, args: argparse.Namespace) -> int:
    from storage.errors import DatabaseNotMigratedError

    try:
        ctx = _context()
    except DatabaseNotMigratedError as error:
        return _fail(f"{error} Lancez d'abord : atouts db upgrade")
    try:
        return int(action(ctx, args))
    except WalletError as error:
        return _fail(f"Refusé : {error.message} ({error.code})")
    finally:
        ctx.engine.dispose()


def _holder(ctx: WalletContext, holder: str, *, create: bool = False) -> str:
    from storage.engine import session_scope
    from wallet.holders import find_wallet, open_wallet

    with session_scope(ctx.engine, write=False) as session:
        found = find_wallet(session, holder)
        if found is not None:
            return found.id
    if not create:
        raise WalletError(f"Aucun portefeuille « {holder} ».", code="wallet_not_found")
    email = holder if "@" in holder else None
    return open_wallet(ctx, display_name=holder.split("@")[0], email=email).id


def _import(args: argparse.Namespace) -> int:
    return _run(_do_import, args)


def _do_import(ctx: WalletContext, args: argparse.Namespace) -> int:
    from verifier.summary import verdict_text
    from wallet.items import import_badge

    wallet_id = _holder(ctx, args.holder, create=True)
    results: list[dict[str, Any]] = []
    status = 0
    for path in args.files:
        try:
            result = import_badge(ctx, wallet_id, path.read_bytes())
        except OSError as error:
            results.append({"file": str(path), "error": str(error), "code": "file_unreadable"})
            status = 1
            continue
        except WalletError as error:
            results.append({"file": str(path), "error": error.message, "code": error.code})
            status = 1
            continue
        results.append(
            {
                "file": str(path),
                "id": result.item.id,
                "outcome": str(result.outcome),
                "verdict": str(result.report.verdict),
                "name": result.item.summary.get("name", ""),
                "verdict_text": verdict_text(result.report).title,
            }
        )
    if args.json:
        print(json.dumps({"wallet": wallet_id, "imports": results}, ensure_ascii=False, indent=2))
        return status
    words = {"added": "ajouté", "replaced": "remplacé (plus récent)", "duplicate": "déjà là"}
    for entry in results:
        if "error" in entry:
            print(f"{entry['file']} : refusé — {entry['error']}", file=sys.stderr)
        else:
            print(
                f"{entry['file']} : {words[entry['outcome']]} — {entry['verdict_text']} — "
                f"{entry['name']} [{entry['id']}]"
            )
    print(f"Portefeuille : {wallet_id}")
    return status


def _list(args: argparse.Namespace) -> int:
    return _run(_do_list, args)


def _do_list(ctx: WalletContext, args: argparse.Namespace) -> int:
    from storage.engine import session_scope
    from wallet.items import list_items
    from wallet.progress import group_by_referential

    wallet_id = _holder(ctx, args.holder)
    with session_scope(ctx.engine, write=False) as session:
        items = list_items(session, wallet_id)
    groups = group_by_referential(items, ctx.graph)
    if args.json:
        document = {
            "wallet": wallet_id,
            "badges": [
                {
                    "id": i.id,
                    "name": i.summary.get("name", ""),
                    "issuer": i.summary.get("issuer_name") or i.issuer_id,
                    "verdict": i.verdict,
                    "media_type": i.media_type,
                    "source": str(i.source),
                    "added_at": i.added_at.isoformat(),
                }
                for i in items
            ],
            "referentials": [
                {
                    "key": g.key,
                    "title": g.title,
                    "badges": g.item_ids,
                    "progress": [p.sentence() for p in g.progress],
                }
                for g in groups
            ],
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return 0
    if not items:
        print("Aucun badge pour le moment.")
        return 0
    verdicts = {
        "verified": "authentique",
        "not_verified": "non valable",
        "inconclusive": "à vérifier",
    }
    by_id = {i.id: i for i in items}
    for group in groups:
        print(f"== {group.title}")
        for progress in group.progress:
            print(f"   {progress.sentence()}")
        for item_id in group.item_ids:
            item = by_id[item_id]
            issuer = item.summary.get("issuer_name") or item.issuer_id
            print(
                f"  {item.id}  {item.summary.get('name', '')} — {issuer} — "
                f"{verdicts.get(item.verdict, item.verdict)}"
            )
    return 0


def _share(args: argparse.Namespace) -> int:
    return _run(_do_share, args)


def _do_share(ctx: WalletContext, args: argparse.Namespace) -> int:
    from wallet.shares import create_share, parse_duration

    wallet_id = _holder(ctx, args.holder)
    created = create_share(
        ctx,
        wallet_id,
        args.badges,
        audience_name=args.audience,
        duration=parse_duration(args.expires),
    )
    if args.json:
        print(
            json.dumps(
                {
                    "id": created.share.id,
                    "url": created.url,
                    "audience": created.share.audience_name,
                    "expires_at": created.share.expires_at.isoformat(),
                    "badges": args.badges,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    print(created.url)
    who = created.share.audience_name or "toute personne qui a le lien"
    print(
        f"Pour : {who}. Le lien marche jusqu'au {created.share.expires_at:%d/%m/%Y %H:%M} UTC. "
        "Le badge, lui, n'expire pas avec le lien.",
        file=sys.stderr,
    )
    return 0


def _unshare(args: argparse.Namespace) -> int:
    return _run(_do_unshare, args)


def _do_unshare(ctx: WalletContext, args: argparse.Namespace) -> int:
    from wallet.shares import withdraw_share_by_token

    if withdraw_share_by_token(ctx, args.link):
        print("Lien retiré : il ne montre plus rien.")
        return 0
    return _fail("Ce lien n'existe pas (déjà retiré, ou expiré et effacé).")


def _export(args: argparse.Namespace) -> int:
    return _run(_do_export, args)


def _do_export(ctx: WalletContext, args: argparse.Namespace) -> int:
    from wallet.export import export_archive

    data = export_archive(ctx, _holder(ctx, args.holder))
    args.output.write_bytes(data)
    print(f"Badges exportés : {args.output} ({len(data)} octets)")
    return 0
