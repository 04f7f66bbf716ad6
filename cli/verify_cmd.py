"""``atouts verify IN|URL|- [--json] [--at ISO] [--policy default|strict] [--trust FILE]
[--trust-key KEYFILE] [--map URL=FILE ...]``.

Exit status: 0 verified, 1 not verified, 2 inconclusive, 64 usage error (issue 2 §3, issue 5).
Without ``--json`` a plain French summary is printed: the verdict first, then one line per check.
``--map`` serves a URL (status list, DID or controller document, hosted credential) from a local
file instead of the network; ``--offline`` forbids the network altogether.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

EX_USAGE = 64
EXIT_CODES = {"verified": 0, "not_verified": 1, "inconclusive": 2}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="vérifier un badge (JSON, JWT, image PNG/SVG, présentation ou lien)",
        description="Vérifie un badge et affiche un verdict en clair. Statut de sortie : "
        "0 vérifié, 1 non valable, 2 à vérifier (non concluant), 64 erreur d'usage.",
    )
    parser.add_argument("input", metavar="IN|URL|-", help="fichier, lien https, ou - (entrée)")
    parser.add_argument("--json", action="store_true", help="afficher le rapport complet en JSON")
    parser.add_argument("--at", metavar="ISO", help="date de vérification (ISO 8601)")
    parser.add_argument("--policy", choices=("default", "strict"), default="default")
    parser.add_argument("--trust", metavar="FILE", type=Path, help="registre d'organismes connus")
    parser.add_argument(
        "--trust-key",
        metavar="KEYFILE",
        type=Path,
        action="append",
        default=[],
        help="clé publique à laquelle se fier (répétable)",
    )
    parser.add_argument(
        "--map",
        metavar="URL=FILE",
        action="append",
        default=[],
        help="servir URL depuis FILE au lieu du réseau (répétable)",
    )
    parser.add_argument("--offline", action="store_true", help="ne jamais utiliser le réseau")
    parser.add_argument("--recipient", metavar="IDENTITÉ", help="titulaire attendu (e-mail, URL)")
    parser.add_argument("--challenge", help="défi attendu (présentation)")
    parser.add_argument("--domain", help="domaine attendu (présentation)")
    parser.add_argument("--lang", choices=("fr", "en"), default="fr")
    parser.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="URL=FICHIER",
        help="contenu d'un contexte autorisé par empreinte mais non fourni (ex. exemples W3C)",
    )
    parser.set_defaults(handler=run)


def _usage(message: str) -> int:
    print(f"atouts verify : erreur : {message}", file=sys.stderr)
    return EX_USAGE


def _parse_at(value: str) -> datetime:
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _read_input(value: str) -> bytes | str:
    if value == "-":
        return sys.stdin.buffer.read()
    if value.startswith(("https://", "http://")):
        return value
    return Path(value).read_bytes()


def build_options(args: argparse.Namespace) -> Any:
    """The ``VerifyOptions`` for these arguments (raises ``ValueError``/``OSError`` on bad ones)."""
    from badges.fetch import Fetcher, GuardedFetcher, MapFetcher
    from badges.keys import Ed25519KeyPair, Ed25519PublicKey, load_key_file
    from verifier.options import VerifyOptions
    from verifier.trust import TrustRegistry

    now = _parse_at(args.at) if args.at else datetime.now(UTC)
    network: Fetcher | None = None if args.offline else GuardedFetcher()
    fetcher: Fetcher | None = network
    if args.map:
        for pair in args.map:
            url, sep, path = pair.rpartition("=")
            if not sep or not url or not Path(path).is_file():
                raise ValueError(f"--map attend URL=FICHIER existant, reçu {pair!r}")
        fetcher = MapFetcher.from_pairs(list(args.map), fallback=network)
    pinned: list[Ed25519PublicKey] = []
    for key_path in args.trust_key:
        key = load_key_file(key_path)
        pinned.append(key.public if isinstance(key, Ed25519KeyPair) else key)
    registry = TrustRegistry.from_file(args.trust) if args.trust else None
    loader = None
    if args.context:
        from badges.jsonld.loader import OfflineDocumentLoader

        extra: dict[str, bytes] = {}
        for pair in args.context:
            url, sep, path = pair.partition("=")
            if not sep or not url or not Path(path).is_file():
                raise ValueError(f"--context attend URL=FICHIER existant, reçu {pair!r}")
            extra[url] = Path(path).read_bytes()
        loader = OfflineDocumentLoader(extra)  # refuses bytes whose digest is not the pin
    return VerifyOptions(
        now=now,
        fetcher=fetcher,
        pinned_keys=pinned,
        trust_registry=registry,
        policy=args.policy,
        expected_recipient=args.recipient,
        expected_challenge=args.challenge,
        expected_domain=args.domain,
        document_loader=loader,
    )


def run(args: argparse.Namespace) -> int:
    from badges.problems import BadgeError
    from verifier.pipeline import verify
    from verifier.summary import summary_lines

    try:
        options = build_options(args)
    except (ValueError, OSError, BadgeError) as exc:
        return _usage(str(exc))
    try:
        data = _read_input(args.input)
    except OSError as exc:
        return _usage(f"impossible de lire {args.input} : {exc.strerror or exc}")
    report = verify(data, options=options)
    if args.json:
        print(json.dumps(report.to_json_dict(), ensure_ascii=False, indent=2))
    else:
        for line in summary_lines(report, args.lang):
            print(line)
    return EXIT_CODES.get(str(report.verdict), 2)
