"""``atouts sign``: sign a credential with Data Integrity (eddsa-rdfc-2022, eddsa-jcs-2022) or as
a VC-JWT (OB 3.0 §8.2), printing the signed JSON or the compact JWT.

``--proof-options OPTS.json`` makes the proof use exactly those options (how the published
vectors are reproduced); otherwise the proof is built from the key file (``id`` as the
verification method) and the current time. ``--context URL=FILE`` supplies the bytes of a
context that is allow-listed by digest but not shipped (the W3C examples context); it is
accepted only if its SHA-256 matches the pin.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from badges.jsonld.loader import OfflineDocumentLoader, default_loader
from badges.keys import Ed25519KeyPair, KeyFormatError, load_key_file
from badges.problems import BadgeError
from badges.proofs.data_integrity import create_proof

EX_USAGE = 64
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt")


def register(subparsers: Any) -> None:
    sign = subparsers.add_parser(
        "sign", help="signer un badge (Data Integrity eddsa-rdfc-2022 par défaut, ou VC-JWT)"
    )
    sign.add_argument("input", help="credential JSON à signer (« - » : entrée standard)")
    sign.add_argument("--key", required=True, type=Path, help="fichier de clé (atouts keys)")
    sign.add_argument("--suite", choices=SUITES, default="eddsa-rdfc-2022")
    sign.add_argument(
        "--proof-options", type=Path, help="options de preuve JSON, utilisées telles quelles"
    )
    sign.add_argument("--verification-method", help="URL de la clé (par défaut : id du fichier)")
    sign.add_argument("--created", help="date de la preuve (par défaut : maintenant, UTC)")
    sign.add_argument("--challenge")
    sign.add_argument("--domain")
    sign.add_argument(
        "--proof-set", action="store_true", help="écrire « proof » sous forme de liste"
    )
    sign.add_argument(
        "--context",
        action="append",
        default=[],
        metavar="URL=FICHIER",
        help="contenu d'un contexte autorisé par empreinte mais non fourni (ex. exemples W3C)",
    )
    sign.set_defaults(handler=_sign)


def _fail(message: str, status: int = EX_USAGE) -> int:
    print(f"atouts sign : {message}", file=sys.stderr)
    return status


def _read_json(source: str | Path) -> Any:
    text = sys.stdin.read() if str(source) == "-" else Path(source).read_text(encoding="utf-8")
    return json.loads(text)


def _loader(pairs: list[str]) -> OfflineDocumentLoader:
    if not pairs:
        return default_loader()
    extra: dict[str, bytes] = {}
    for pair in pairs:
        url, sep, path = pair.partition("=")
        if not sep:
            raise ValueError(f"--context attend URL=FICHIER, reçu {pair!r}")
        extra[url] = Path(path).read_bytes()
    return OfflineDocumentLoader(extra)


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sign(args: argparse.Namespace) -> int:
    try:
        credential = _read_json(args.input)
        key = load_key_file(args.key)
        options = _read_json(args.proof_options) if args.proof_options else None
        key_file = json.loads(args.key.read_text(encoding="utf-8"))
        loader = _loader(args.context)
    except (OSError, ValueError) as exc:
        return _fail(str(exc))
    except BadgeError as exc:  # key_format, context_not_allowed
        return _fail(f"{exc} [{exc.code}]")
    if not isinstance(credential, dict):
        return _fail("le credential doit être un objet JSON")
    if not isinstance(key, Ed25519KeyPair):
        return _fail("le fichier de clé ne contient pas de clé secrète")
    verification_method = (
        args.verification_method
        or (key_file.get("id") if isinstance(key_file.get("id"), str) else None)
        or f"{key.public.did_key}#{key.public.public_key_multibase}"
    )
    try:
        if args.suite == "vc-jwt":
            from badges.jwt import encode_vc_jwt

            print(encode_vc_jwt(credential, key, kid=verification_method))
            return 0
        signed = create_proof(
            credential,
            key,
            cryptosuite=args.suite,
            verification_method=verification_method,
            created=args.created or _now(),
            challenge=args.challenge,
            domain=args.domain,
            proof_options=options,
            proof_as_set=args.proof_set,
            loader=loader,
        )
    except (BadgeError, KeyFormatError) as exc:
        return _fail(f"signature refusée : {exc} [{exc.code}]", 1)
    print(json.dumps(signed, indent=2, ensure_ascii=False))
    return 0
