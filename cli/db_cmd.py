"""``atouts db upgrade`` applies the migrations; ``atouts db status`` says whether the database
is up to date (exit 0) or not (exit 1).

The database is the one the application uses: ``ATOUTS_DATABASE_URL`` when set, otherwise the
SQLite file ``atouts.db`` under ``ATOUTS_HOME``. ``atouts db backup FICHIER`` copies the SQLite
file safely while the application runs; ``atouts db check`` looks for damaged or dangling data.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine


def register(subparsers: Any) -> None:
    db = subparsers.add_parser("db", help="base de données : migrations et état")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", parser_class=type(db))
    db.set_defaults(handler=lambda _args: _usage(db))

    upgrade = db_sub.add_parser("upgrade", help="mettre la base de données à jour (migrations)")
    upgrade.add_argument(
        "--revision", default="head", help="révision à atteindre (par défaut : la dernière)"
    )
    upgrade.set_defaults(handler=_upgrade)

    status = db_sub.add_parser("status", help="dire si la base de données est à jour")
    status.add_argument("--json", action="store_true", help="sortie JSON")
    status.set_defaults(handler=_status)

    backup = db_sub.add_parser(
        "backup", help="copier la base SQLite sans arrêter l'application (PostgreSQL : pg_dump)"
    )
    backup.add_argument("output", type=Path, metavar="FICHIER", help="fichier à écrire")
    backup.set_defaults(handler=_backup)

    check = db_sub.add_parser("check", help="vérifier l'intégrité des données enregistrées")
    check.set_defaults(handler=_check)

    purge = db_sub.add_parser(
        "purge", help="effacer ce qui ne sert plus (liens expirés, contenus de messages envoyés…)"
    )
    purge.add_argument("--dry-run", action="store_true", help="compter sans rien effacer")
    purge.set_defaults(handler=_purge)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 64


def _engine() -> Engine:
    from api.settings import Settings
    from storage.engine import DatabaseSettings, create_engine

    settings = Settings.from_environment()
    return create_engine(DatabaseSettings(home=settings.home, url=settings.database_url))


def _where(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _upgrade(args: argparse.Namespace) -> int:
    from alembic.util import CommandError as AlembicError

    from storage.errors import NEWER_DATABASE_MESSAGE
    from storage.migrate import current_revision, upgrade

    engine = _engine()
    try:
        before = current_revision(engine)
        after = upgrade(engine, args.revision)
    except sa_exc.OperationalError as error:
        print(
            f"Impossible d'ouvrir la base de données {_where(engine)} : {error.orig}",
            file=sys.stderr,
        )
        return 1
    except AlembicError:
        # The database is at a revision these scripts do not know: a newer atouts migrated it.
        print(NEWER_DATABASE_MESSAGE.format(current=current_revision(engine)), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    if before == after:
        print(f"La base de données est déjà à jour (révision {after}) : {_where(engine)}")
    else:
        print(
            f"Base de données mise à jour : révision {before or 'vide'} → {after} "
            f"({_where(engine)})"
        )
    return 0


def _status(args: argparse.Namespace) -> int:
    from storage.migrate import current_revision, head_revision

    engine = _engine()
    try:
        current = current_revision(engine)
    except sa_exc.OperationalError as error:
        print(
            f"Impossible d'ouvrir la base de données {_where(engine)} : {error.orig}",
            file=sys.stderr,
        )
        return 1
    finally:
        engine.dispose()
    expected = head_revision()
    up_to_date = current == expected
    if args.json:
        print(
            json.dumps(
                {
                    "database": _where(engine),
                    "current_revision": current,
                    "head_revision": expected,
                    "up_to_date": up_to_date,
                },
                ensure_ascii=False,
            )
        )
    elif up_to_date:
        print(f"La base de données est à jour (révision {current}) : {_where(engine)}")
    else:
        print(
            f"La base de données n'est pas à jour (révision {current or 'aucune'}, "
            f"attendue {expected}) : lancez `atouts db upgrade`. ({_where(engine)})"
        )
    return 0 if up_to_date else 1


def _backup(args: argparse.Namespace) -> int:
    from storage.errors import StorageError
    from storage.maintenance import backup_sqlite

    engine = _engine()
    try:
        size = backup_sqlite(engine, args.output)
    except StorageError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(
        f"Copie de sauvegarde écrite : {args.output} ({size} octets). Les clés privées y sont "
        "chiffrées : sauvegardez aussi, à part, ATOUTS_SECRET_KEY ou le fichier de clé."
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from storage.maintenance import integrity_problems

    engine = _engine()
    try:
        problems = integrity_problems(engine)
    finally:
        engine.dispose()
    if not problems:
        print(f"Aucun problème trouvé : {_where(engine)}")
        return 0
    for problem in problems:
        print(problem)
    return 1


_PURGE_LABELS = {
    "login_tokens": "liens de connexion expirés ou utilisés",
    "web_sessions": "sessions terminées",
    "credential_offers": "offres de transfert expirées ou utilisées",
    "idempotency_records": "clés d'idempotence expirées",
    "outbox_contents": "messages envoyés dont le contenu est effacé",
    "batch_row_data": "lignes de lots terminés dont les données sont effacées",
    "expired_shares": "partages expirés depuis longtemps",
}


def _purge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from storage.engine import session_scope
    from storage.retention import purge

    engine = _engine()
    try:
        with session_scope(engine) as session:
            counts = purge(session, datetime.now(UTC), dry_run=args.dry_run)
    finally:
        engine.dispose()
    title = "À effacer (rien n'a été modifié)" if args.dry_run else "Effacé"
    print(f"{title} :")
    for name, count in counts.items():
        print(f"  {count:>6}  {_PURGE_LABELS.get(name, name)}")
    return 0
