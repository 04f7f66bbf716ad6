"""Entry point of the ``atouts`` command.

Each area of the product registers its sub-commands from its own module (``cli/<area>_cmd.py``
exposing ``register(subparsers)``), so the command grows without one file knowing everything.
Exit status: 0 success, 1 a negative result (e.g. not verified), 2 inconclusive, 64 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

EX_USAGE = 64

# Modules that contribute sub-commands, in the order they appear in ``atouts --help``.
COMMAND_MODULES: tuple[str, ...] = (
    "cli.serve_cmd",
    "cli.verify_cmd",
    "cli.sign_cmd",
    "cli.keys_cmd",
    "cli.db_cmd",
    "cli.referential_cmd",
    "cli.bake_cmd",
    "cli.wallet_cmd",
    "cli.outbox_cmd",
    "cli.issue_cmd",
    "cli.match_cmd",
)


class UsageErrorParser(argparse.ArgumentParser):
    """An argument parser that exits with EX_USAGE (64) instead of argparse's 2.

    Status 2 means "inconclusive" for ``atouts verify``, so a usage error must not look like it.
    """

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EX_USAGE, f"{self.prog}: erreur : {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = UsageErrorParser(
        prog="atouts",
        description="atouts — référentiels de compétences, badges numériques (Open Badges 3.0), "
        "vérification, portefeuilles et rapprochement avec les offres d'emploi.",
    )
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMANDE", parser_class=UsageErrorParser
    )
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EX_USAGE
    return int(handler(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
