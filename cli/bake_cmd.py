"""``atouts bake`` puts a credential into a badge image; ``atouts unbake`` takes it out.

OB 3.0 §5.3: a PNG gets one ``iTXt`` chunk ``openbadgecredential``, an SVG one
``<openbadges:credential>``; the image type is read from the image bytes, not its file name.
The credential text is baked exactly as given (a signed JSON credential or a compact JWT), never
re-serialised. Exit status: 0 done, 1 the image or credential cannot be used, 64 usage error.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from badges.baking import BakingError, bake, extract_from_image
from cli.main import EX_USAGE

_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$")


def register(subparsers: Any) -> None:
    bake_parser = subparsers.add_parser(
        "bake", help="cuire un badge (JSON signé ou JWT) dans une image PNG ou SVG"
    )
    bake_parser.add_argument("credential", help="fichier du badge (JSON ou JWT compact), ou -")
    bake_parser.add_argument("--image", required=True, type=Path, help="image PNG ou SVG")
    bake_parser.add_argument(
        "-o", "--output", required=True, help="image cuite à écrire (- : sortie standard)"
    )
    bake_parser.set_defaults(handler=_bake)

    unbake = subparsers.add_parser("unbake", help="extraire le badge cuit dans une image")
    unbake.add_argument("image", help="image PNG ou SVG, ou -")
    unbake.add_argument(
        "--json", action="store_true", help="afficher {kind, source, payload} en JSON"
    )
    unbake.set_defaults(handler=_unbake)


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    return Path(name).read_bytes()


def _error(message: str) -> None:
    print(f"atouts : erreur : {message}", file=sys.stderr)


def _credential_text(raw: bytes) -> str | None:
    """The credential exactly as given, or None when it is neither a JSON object nor a JWT."""
    try:
        text = raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        return None
    if _JWS.match(text):
        return text
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return text if isinstance(document, dict) else None


def _bake(args: argparse.Namespace) -> int:
    try:
        raw = _read(args.credential)
        image = args.image.read_bytes()
    except OSError as exc:
        _error(f"lecture impossible : {exc}")
        return EX_USAGE
    text = _credential_text(raw)
    if text is None:
        _error("le badge doit être un objet JSON ou un JWT compact")
        return 1
    try:
        baked = bake(image, text)
    except BakingError as exc:
        _error(f"{exc} ({exc.code})")
        return 1
    if args.output == "-":
        sys.stdout.buffer.write(baked)
        sys.stdout.buffer.flush()
    else:
        Path(args.output).write_bytes(baked)
        print(f"Badge cuit dans {args.output}", file=sys.stderr)
    return 0


def _unbake(args: argparse.Namespace) -> int:
    try:
        data = _read(args.image)
    except OSError as exc:
        _error(f"lecture impossible : {exc}")
        return EX_USAGE
    try:
        extracted = extract_from_image(data)
    except BakingError as exc:
        _error(f"{exc} ({exc.code})")
        return 1
    if args.json:
        document = {
            "kind": extracted.kind,
            "source": extracted.source,
            "payload": extracted.payload,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        print(extracted.payload)
    return 0
