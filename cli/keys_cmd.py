"""``atouts keys``: create and inspect Ed25519 key files (Multikey, did:key by default).

A key file holds ``publicKeyMultibase`` (``z6Mk…``), ``secretKeyMultibase`` (``z3u2…``), ``id``
(the verification method URL) and ``controller``. Without ``--controller`` the key is a did:key
(``did:key:z6Mk…#z6Mk…``), usable offline. The secret key is written with mode 0600 and an
existing file is never overwritten.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from badges.keys import Ed25519KeyPair, KeyFormatError, load_key_file

EX_USAGE = 64


def register(subparsers: Any) -> None:
    keys = subparsers.add_parser("keys", help="créer ou afficher une clé de signature Ed25519")
    sub = keys.add_subparsers(dest="keys_command", metavar="ACTION")
    keys.set_defaults(handler=lambda args: _help(keys))

    generate = sub.add_parser("generate", help="créer une nouvelle clé (did:key par défaut)")
    generate.add_argument("-o", "--output", type=Path, help="fichier à créer (sinon : sortie)")
    generate.add_argument(
        "--controller",
        help="URL ou DID qui contrôle la clé (ex. https://organisme.example/profil) ; "
        "par défaut le did:key de la clé",
    )
    generate.add_argument("--id", help="identifiant de la clé (par défaut CONTROLLER#z6Mk…)")
    generate.set_defaults(handler=_generate)

    public = sub.add_parser("public", help="afficher la partie publique d'un fichier de clé")
    public.add_argument("keyfile", type=Path)
    public.set_defaults(handler=_public)


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EX_USAGE


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _generate(args: argparse.Namespace) -> int:
    pair = Ed25519KeyPair.generate()
    multibase = pair.public.public_key_multibase
    controller = args.controller or pair.public.did_key
    key_id = args.id or f"{controller}#{multibase}"
    text = _dump(pair.to_key_file(key_id, controller))
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        # O_EXCL: never overwrite (losing a signing key cannot be undone); 0600: secret
        fd = os.open(args.output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        print(f"atouts keys : {args.output} existe déjà, rien n'est écrasé", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"atouts keys : impossible de créer {args.output} : {exc}", file=sys.stderr)
        return EX_USAGE
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    print(key_id)
    return 0


def _public(args: argparse.Namespace) -> int:
    try:
        key = load_key_file(args.keyfile)
        raw = json.loads(args.keyfile.read_text(encoding="utf-8"))
    except (KeyFormatError, OSError, ValueError) as exc:
        print(f"atouts keys : {exc}", file=sys.stderr)
        return EX_USAGE
    public = key.public if isinstance(key, Ed25519KeyPair) else key
    out: dict[str, Any] = {"type": "Multikey"}
    for name in ("id", "controller"):
        if isinstance(raw.get(name), str):
            out[name] = raw[name]
    out["publicKeyMultibase"] = public.public_key_multibase
    sys.stdout.write(_dump(out))
    return 0
