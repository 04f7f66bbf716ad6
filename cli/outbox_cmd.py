"""``atouts outbox send``: deliver the messages waiting in the outbox (magic links, claim
notices), with the sender the deployment chooses (issue 6).

- ``--via console`` (default; demo): prints each message;
- ``--via file --dir DIR``: one ``.eml`` file per message (demo, tests, a mail pick-up folder);
- ``--via smtp --smtp-host HOST [--smtp-port 587] [--smtp-user USER]``: a real relay, STARTTLS;
  the password is read from ``ATOUTS_SMTP_PASSWORD`` (never on the command line).

``--watch SECONDS`` keeps sending every SECONDS until interrupted. Messages are written in the
same transaction as what they announce; a message the sender refuses stays for a later try.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    outbox = subparsers.add_parser("outbox", help="messages en attente (liens de connexion…)")
    sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", parser_class=type(outbox))
    outbox.set_defaults(handler=lambda _args: _usage(outbox))
    send = sub.add_parser("send", help="envoyer les messages en attente")
    send.add_argument("--via", choices=("console", "file", "smtp"), default="console")
    send.add_argument(
        "--dir", type=Path, default=None, help="dossier des fichiers .eml (--via file)"
    )
    send.add_argument("--smtp-host", default=None)
    send.add_argument("--smtp-port", type=int, default=587)
    send.add_argument("--smtp-user", default=None)
    send.add_argument("--watch", type=float, default=None, metavar="SECONDES")
    send.set_defaults(handler=_send)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 64


def _sender(args: argparse.Namespace) -> Any:
    from wallet.outbox import ConsoleSender, FileSender, SmtpSender

    if args.via == "file":
        if args.dir is None:
            raise SystemExit("--via file demande --dir DOSSIER")
        return FileSender(args.dir)
    if args.via == "smtp":
        if not args.smtp_host:
            raise SystemExit("--via smtp demande --smtp-host HÔTE")
        return SmtpSender(
            host=args.smtp_host,
            port=args.smtp_port,
            username=args.smtp_user,
            password=os.environ.get("ATOUTS_SMTP_PASSWORD"),
        )
    return ConsoleSender(sys.stdout)


def _send(args: argparse.Namespace) -> int:
    from api.settings import Settings
    from storage.engine import DatabaseSettings
    from storage.errors import DatabaseNotMigratedError
    from storage.migrate import open_migrated_engine
    from wallet.outbox import deliver_pending

    settings = Settings.from_environment()
    try:
        engine = open_migrated_engine(
            DatabaseSettings(home=settings.home, url=settings.database_url)
        )
    except DatabaseNotMigratedError as error:
        print(f"{error} Lancez d'abord : atouts db upgrade", file=sys.stderr)
        return 1
    sender = _sender(args)
    try:
        while True:
            sent = deliver_pending(engine, sender, now=datetime.now(UTC))
            print(f"{sent} message(s) envoyé(s).", file=sys.stderr)
            if args.watch is None:
                return 0
            time.sleep(max(args.watch, 1.0))
    except KeyboardInterrupt:
        return 0
    finally:
        engine.dispose()
