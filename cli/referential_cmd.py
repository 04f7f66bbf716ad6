"""``atouts referential …``: import, list, show and export competence referentials.

Imports are stored under ``$ATOUTS_HOME/referentials`` (one YAML file per version) until the
database store exists. Exit status: 0 done, 1 the input was refused (message says why),
64 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from referentials.importing import (
    EXPORT_FORMATS,
    FORMATS,
    export_referential,
    guess_format,
    import_and_store,
)
from referentials.model import Referential, ReferentialError
from referentials.store import FilesystemReferentialStore

EX_REFUSED = 1

_ROLE_FR = {
    "employer": "employeur",
    "trade_federation": "fédération professionnelle",
    "training_body": "organisme de formation",
    "public_employment_service": "service public de l'emploi",
    "other": "autre",
}
_STATUS_FR = {"draft": "brouillon", "published": "publié", "retired": "retiré"}
_KIND_FR = {
    "certification": "certifications",
    "block": "blocs",
    "module": "modules",
    "additional_module": "modules additionnels",
    "competence": "compétences",
    "level": "niveaux",
    "occupation": "métiers",
    "group": "groupes",
    "external": "éléments externes",
}


def register(subparsers: Any) -> None:
    ref = subparsers.add_parser(
        "referential", help="référentiels de compétences : importer, lister, afficher, exporter"
    )
    sub = ref.add_subparsers(dest="referential_command", metavar="ACTION")
    ref.set_defaults(handler=lambda _args: _usage(ref))

    imp = sub.add_parser("import", help="importer des fichiers (CASE, ESCO, ROME, blocs, YAML)")
    imp.add_argument("paths", nargs="*", type=Path, metavar="CHEMIN")
    imp.add_argument("--format", choices=list(FORMATS), default=None)
    imp.add_argument(
        "--bundled", action="store_true", help="importer les référentiels d'exemple fournis"
    )
    imp.add_argument("--json", action="store_true", help="résumé en JSON")
    imp.set_defaults(handler=_import, parser=imp)

    lst = sub.add_parser("list", help="lister les référentiels enregistrés")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(handler=_piped(_list))

    show = sub.add_parser("show", help="afficher un référentiel")
    show.add_argument("slug", metavar="IDENTIFIANT")
    show.add_argument("--version", default=None)
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_piped(_show))

    exp = sub.add_parser("export", help="exporter un référentiel (CASE 1.1 ou YAML)")
    exp.add_argument("slug", metavar="IDENTIFIANT")
    exp.add_argument("--format", choices=list(EXPORT_FORMATS), required=True)
    exp.add_argument("--version", default=None)
    exp.add_argument("-o", "--output", type=Path, default=None)
    exp.set_defaults(handler=_piped(_export))


def _piped(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Stop quietly when the reader closes the pipe early (``atouts referential show esco |
    head``) instead of printing a traceback."""

    def run(args: argparse.Namespace) -> int:
        try:
            status = handler(args)
            sys.stdout.flush()
            return status
        except BrokenPipeError:
            # Python would fail again flushing stdout at exit: point it at /dev/null.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 0

    return run


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 64


def _settings() -> tuple[FilesystemReferentialStore, str]:
    from api.settings import Settings

    settings = Settings.from_environment()
    return FilesystemReferentialStore(settings.home / "referentials"), settings.base_url


def _refused(exc: ReferentialError) -> int:
    print(f"erreur : {exc.message}", file=sys.stderr)
    return EX_REFUSED


def _import(args: argparse.Namespace) -> int:
    store, base = _settings()
    if args.bundled:
        from referentials.bundled import bundled_paths

        paths, fmt = [*bundled_paths(), *args.paths], args.format or "yaml"
    else:
        paths, fmt = args.paths, args.format or guess_format(args.paths)
    if not paths:
        args.parser.error("indiquez au moins un CHEMIN (ou --bundled)")
    if fmt is None:
        # ESCO, ROME and blocks files are all CSV: only the user knows which one it is.
        args.parser.error(
            "le format de ces fichiers ne se devine pas : ajoutez --format "
            "(esco, rome, blocks-csv, case ou yaml)"
        )
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"erreur : fichier introuvable : {missing[0]}", file=sys.stderr)
        return EX_REFUSED
    try:
        referentials, summary, outcomes = import_and_store(paths, fmt, store, base=base)
    except ReferentialError as exc:
        return _refused(exc)
    stored = [
        {"slug": r.slug, "version": r.version, "status": str(r.status), "outcome": str(o)}
        for r, o in zip(referentials, outcomes, strict=True)
    ]
    if args.json:
        print(json.dumps({**summary.to_dict(), "stored": stored}, ensure_ascii=False, indent=2))
        return 0
    _outcome_fr = {"created": "enregistré", "updated": "mis à jour", "unchanged": "inchangé"}
    for entry in stored:
        print(f"{entry['slug']} {entry['version']} : {_outcome_fr[entry['outcome']]}")
    print("Nœuds par type :")
    for name, count in summary.nodes_by_type.items():
        print(f"  {name} : {count}")
    print("Relations par type :")
    for name, count in summary.edges_by_type.items():
        print(f"  {name} : {count}")
    if summary.warnings:
        print(f"Avertissements ({len(summary.warnings)}) :")
        for warning in summary.warnings:
            print(f"  - {warning}")
    return 0


def _list(args: argparse.Namespace) -> int:
    store, _ = _settings()
    try:
        rows = store.list()
    except ReferentialError as exc:
        return _refused(exc)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "slug": r.slug,
                        "version": r.version,
                        "status": str(r.status),
                        "title": r.title,
                        "items": r.items,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return 0
    if not rows:
        print("Aucun référentiel enregistré (atouts referential import --bundled pour commencer).")
    for r in rows:
        count = f"{r.items} élément" + ("s" if r.items > 1 else "")  # « 0 élément », « 1 élément »
        print(f"{r.slug}\t{r.version}\t{_STATUS_FR[r.status]}\t{count}\t{r.title or r.slug}")
    return 0


def _describe(ref: Referential, base: str) -> dict[str, Any]:
    kinds = Counter(str(item.kind) for item in ref.items)
    return {
        "slug": ref.slug,
        "version": ref.version,
        "url": ref.url(base),
        "title": dict(ref.title),
        "status": str(ref.status),
        "languages": list(ref.languages),
        "licence": ref.licence,
        "replaces": ref.replaces,
        "organisations": [{"name": o.name, "role": str(o.role)} for o in ref.organisations],
        "agreements": [
            {
                "version": a.version,
                "agreed_on": a.agreed_on.isoformat(),
                "organisations": list(a.organisations),
            }
            for a in ref.agreements
        ],
        "items_by_kind": dict(sorted(kinds.items())),
        "relations": len(ref.relations),
    }


def _show(args: argparse.Namespace) -> int:
    store, base = _settings()
    try:
        ref = store.get(args.slug, args.version)
    except ReferentialError as exc:
        return _refused(exc)
    info = _describe(ref, base)
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    print(f"{ref.title.get('fr') or next(iter(ref.title.values()), ref.slug)}")
    print(
        f"  identifiant : {ref.slug}   version : {ref.version}   statut : {_STATUS_FR[ref.status]}"
    )
    print(f"  adresse : {info['url']}")
    if ref.replaces:
        print(f"  remplace la version {ref.replaces}")
    if ref.licence:
        print(f"  licence : {ref.licence}")
    if ref.organisations:
        print("  Co-construit par :")
        for o in ref.organisations:
            print(f"    - {o.name} ({_ROLE_FR[o.role]})")
    for a in ref.agreements:
        names = ", ".join(a.organisations)
        print(
            f"  Version {a.version} adoptée le {a.agreed_on.isoformat()}"
            + (f" par {names}" if names else "")
        )
    for kind, count in info["items_by_kind"].items():
        print(f"  {_KIND_FR.get(kind, kind)} : {count}")
        for item in [i for i in ref.items if i.kind == kind][:50]:
            print(f"    {item.human_code or item.code}  {item.label('fr')}")
        if count > 50:
            print(f"    … et {count - 50} autres")
    return 0


def _export(args: argparse.Namespace) -> int:
    store, base = _settings()
    try:
        ref = store.get(args.slug, args.version)
        text = export_referential(ref, args.format, base=base)
    except ReferentialError as exc:
        return _refused(exc)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
        print(f"écrit : {args.output}", file=sys.stderr)
    return 0
