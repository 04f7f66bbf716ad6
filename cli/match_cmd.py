"""``atouts match …``: how close a person is to a job, and why (issue 7, DESIGN §6).

* ``atouts match --job JOB.yaml | --target NODE (--holder BADGE… | --holds NODE…) [--json]``
  — one person (badge files, verified here first; or what-if nodes) against one job (a YAML
  offer, or a referential item, ESCO occupation URI or ROME fiche code taken whole);
* ``atouts match jobs --holder WALLET [--top N]`` — open jobs ranked for one wallet;
* ``atouts match candidates --job ID [--top N]`` — opted-in wallets ranked for one job;
* ``atouts match save JOB.yaml`` — store a job offer; ``atouts match propose TEXT`` — items
  whose labels match free text (proposals to confirm, never used silently).

Referentials: the bundled ones, those imported with ``atouts referential import`` and any
``--referentiel FORMAT:PATH``. Exit status: 0 done, 1 input refused, 64 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from cli.main import EX_USAGE

EX_REFUSED = 1


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "match",
        help="rapprocher des badges vérifiés et une offre d'emploi, avec les raisons",
        description="Rapproche les compétences attestées par des badges vérifiés des exigences "
        "d'une offre, en parcourant les référentiels. Statut de sortie : 0 fait, 1 entrée "
        "refusée, 64 erreur d'usage.",
    )
    _common(parser)
    job = parser.add_mutually_exclusive_group()
    job.add_argument("--job", metavar="OFFRE.yaml", type=Path, help="offre décrite en YAML")
    job.add_argument(
        "--target", metavar="ÉLÉMENT", help="élément de référentiel, URI ESCO ou code ROME"
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--holder", metavar="BADGE", nargs="+", type=Path, help="fichiers de badges")
    who.add_argument("--holds", metavar="ÉLÉMENT", nargs="+", help="compétences supposées acquises")
    parser.add_argument("--at", metavar="ISO", help="date de vérification des badges")
    parser.add_argument("--offline", action="store_true", help="ne jamais utiliser le réseau")
    parser.add_argument("--trust-key", metavar="KEYFILE", type=Path, action="append", default=[])
    parser.add_argument("--map", metavar="URL=FILE", action="append", default=[])
    parser.add_argument("--trust", metavar="FILE", type=Path)
    parser.add_argument("--policy", choices=("default", "strict"), default="default")
    parser.set_defaults(handler=_match)
    subs = parser.add_subparsers(dest="match_command", metavar="ACTION")
    jobs = subs.add_parser("jobs", help="offres ouvertes classées pour un portefeuille")
    jobs.add_argument("--holder", required=True, metavar="PORTEFEUILLE", dest="wallet")
    jobs.add_argument("--top", type=int, default=10)
    _common(jobs)
    jobs.set_defaults(handler=_jobs)
    cands = subs.add_parser("candidates", help="candidats (volontaires) classés pour une offre")
    cands.add_argument("--job", required=True, metavar="ID", dest="job_id")
    cands.add_argument("--top", type=int, default=10)
    _common(cands)
    cands.set_defaults(handler=_candidates)
    save = subs.add_parser("save", help="enregistrer une offre décrite en YAML")
    save.add_argument("file", metavar="OFFRE.yaml", type=Path)
    _common(save)
    save.set_defaults(handler=_save)
    propose = subs.add_parser("propose", help="éléments dont le libellé correspond à un texte")
    propose.add_argument("text", metavar="TEXTE")
    propose.add_argument("--top", type=int, default=10)
    _common(propose)
    propose.set_defaults(handler=_propose)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="résultat complet en JSON")
    parser.add_argument(
        "--referentiel",
        metavar="FORMAT:CHEMIN",
        action="append",
        default=[],
        help="charger aussi ce référentiel (yaml, case, esco, rome, blocks-csv ; répétable)",
    )


def _fail(message: str, status: int = EX_REFUSED) -> int:
    print(f"atouts match : erreur : {message}", file=sys.stderr)
    return status


def _graph(args: argparse.Namespace) -> Any:
    """Bundled + stored + ``--referentiel`` referentials in one graph."""
    from api.settings import Settings
    from referentials.bundled import load_bundled
    from referentials.graph import build_graph
    from referentials.importing import import_paths
    from referentials.store import FilesystemReferentialStore

    settings = Settings.from_environment()
    loaded = {r.key: r for r in load_bundled()}
    root = settings.home / "referentials"
    if root.is_dir():
        store = FilesystemReferentialStore(root)
        for entry in store.list():
            ref = store.get(entry.slug, entry.version)
            loaded[ref.key] = ref
    for spec in args.referentiel:
        fmt, sep, path = spec.partition(":")
        if not sep or not path:
            raise ValueError(f"--referentiel attend FORMAT:CHEMIN, reçu « {spec} »")
        target = Path(path)
        paths = sorted(p for p in target.rglob("*") if p.is_file()) if target.is_dir() else [target]
        for ref in import_paths(paths, fmt, base=settings.base_url)[0]:
            loaded[ref.key] = ref
    return build_graph(loaded.values(), settings.base_url)


def _engine() -> Any:
    from api.settings import Settings
    from storage.engine import DatabaseSettings
    from storage.migrate import open_migrated_engine

    settings = Settings.from_environment()
    return open_migrated_engine(DatabaseSettings(home=settings.home, url=settings.database_url))


def _holder_from_badges(args: argparse.Namespace, matcher: Any) -> Any:
    from cli import verify_cmd
    from matching.holders import holder_from_credentials
    from verifier import verify

    # The verify command's own defaults, with the options given here: new verify options
    # need no change in this command.
    parser = argparse.ArgumentParser()
    verify_cmd.register(parser.add_subparsers())
    base = parser.parse_args(["verify", "-"])
    for name in ("at", "offline", "trust_key", "map", "trust", "policy"):
        setattr(base, name, getattr(args, name))
    options = verify_cmd.build_options(base)
    evidence: list[tuple[dict[str, Any], object]] = []
    for path in args.holder:
        report = verify(path.read_bytes(), options=options)
        credential = report.credential or {}
        if str(report.verdict) != "verified":
            print(
                f"atouts match : {path} n'est pas pris en compte (verdict : {report.verdict})",
                file=sys.stderr,
            )
        evidence.append((credential, report))
    return holder_from_credentials("titulaire", evidence, matcher.tables)


def _match(args: argparse.Namespace) -> int:
    from matching.jobs_yaml import JobFormatError, load_job_file
    from matching.model import Holder, Job, Requirement
    from matching.ranking import Matcher
    from matching.resolve import NodeResolver

    if args.job is None and args.target is None:
        return _fail("indiquez --job OFFRE.yaml ou --target ÉLÉMENT (ou une action)", EX_USAGE)
    if args.holder is None and args.holds is None:
        return _fail("indiquez --holder BADGE… ou --holds ÉLÉMENT…", EX_USAGE)
    try:
        graph = _graph(args)
    except (ValueError, OSError) as exc:
        return _fail(str(exc))
    matcher = Matcher(graph)
    resolver = NodeResolver(graph)
    if args.job is not None:
        try:
            job = load_job_file(
                args.job, resolve=resolver.resolve, level_rank=matcher.tables.level_rank
            )
        except (JobFormatError, OSError) as exc:
            return _fail(str(exc))
    else:
        node = resolver.resolve(args.target)
        if node is None:
            return _fail(f"l'élément « {args.target} » n'existe dans aucun référentiel chargé")
        job = Job(node, matcher.tables.label(node), (Requirement(node),))
    if args.holds is not None:
        nodes = []
        for ref in args.holds:
            node = resolver.resolve(ref)
            if node is None:
                return _fail(f"l'élément « {ref} » n'existe dans aucun référentiel chargé")
            nodes.append(node)
        holder = Holder.of("simulation", nodes)
    else:
        try:
            holder = _holder_from_badges(args, matcher)
        except (ValueError, OSError) as exc:
            return _fail(str(exc))
    result = matcher.match(job, holder)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(render(result, matcher, job.title))
    return 0


def _pct(value: float) -> str:
    return f"{round(value * 100)} %"


_SHOWN = 12  # lines per section in the plain-text view (--json has everything)


def _section(lines: list[str], heading: str, entries: list[str]) -> None:
    if not entries:
        return
    lines.append(heading)
    lines.extend(entries[:_SHOWN])
    if len(entries) > _SHOWN:
        lines.append(f"  … et {len(entries) - _SHOWN} de plus (--json pour tout voir)")


def render(result: Any, matcher: Any, title: str) -> str:
    """The result in plain French."""
    label = matcher.tables.label
    c = result.components
    lines = [
        f"Offre : {title} — score {_pct(result.score)} "
        f"({'complet' if result.complete else 'incomplet'})",
        f"  exigences obligatoires couvertes : {_pct(c.mandatory_coverage)} "
        f"({c.mandatory_count}), facultatives : {_pct(c.optional_coverage)} ({c.optional_count})",
    ]
    if result.mobility:
        lines.append(f"  mobilité ROME : {', '.join(result.mobility)} (+{c.mobility})")
    acquired = []
    for m in result.matched:
        badge = f"badge {m.badge_id}" if m.badge_id else "déclaré"
        acquired.append(f"  ✓ {label(m.item)} — {badge} ({m.kind}) ← {label(m.held)}")
    _section(lines, "Acquis :", acquired)
    _section(
        lines,
        "Transférables (crédit partiel) :",
        [
            f"  ~ {label(t.item)} ← {label(t.held)} ({t.kind}, crédit {t.credit:.2f})"
            for t in result.transferred
        ],
    )
    gaps = []
    for gap in sorted(result.missing, key=lambda g: (not g.mandatory, g.credit, g.item)):
        need = "obligatoire" if gap.mandatory else "facultative"
        where = ", ".join(label(t) for t in gap.taught_by[:3])
        gaps.append(f"  ✗ {gap.label} ({need})" + (f" — enseigné par : {where}" if where else ""))
    _section(lines, "À acquérir :", gaps)
    _section(
        lines,
        "Blocs :",
        [f"  {b.label} : {b.status} ({b.held}/{b.total})" for b in result.blocks],
    )
    _section(lines, "Suggestions :", [f"  → {s.label} : {s.reason}" for s in result.suggestions])
    _section(lines, "Mis de côté :", [f"  ! {u.reason}" for u in result.unresolved])
    p = result.parameters
    lines.append(
        f"Paramètres : λ={p.transfer_decay}, {p.transfer_max_hops} sauts max, relations "
        f"{p.related_credit}, poids {p.mandatory_weight}/{p.optional_weight}"
    )
    return "\n".join(lines)


def _ranked(args: argparse.Namespace, ranked: list[Any], heading: str) -> None:
    if args.json:
        payload = [
            {"id": r.id, "ranking_score": r.ranking_score, **r.result.to_dict()} for r in ranked
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    print(heading)
    if not ranked:
        print("  (aucun résultat)")
    for i, r in enumerate(ranked, 1):
        state = "complet" if r.result.complete else f"{len(r.result.missing)} manque(s)"
        print(f"  {i}. {r.id} — {_pct(r.ranking_score)} ({state})")


def _jobs(args: argparse.Namespace) -> int:
    from matching import store
    from matching.holders import resolved
    from matching.ranking import Matcher
    from matching.resolve import NodeResolver
    from storage.engine import session_scope

    try:
        graph = _graph(args)
        engine = _engine()
    except Exception as exc:  # refused database or referential: one French line
        return _fail(str(exc))
    matcher = Matcher(graph)
    try:
        with session_scope(engine, write=False) as session:
            holder = store.holder_for_wallet(session, args.wallet, tables=matcher.tables)
            jobs = store.list_jobs(session)
    finally:
        engine.dispose()
    if holder is None:
        return _fail(f"le portefeuille « {args.wallet} » n'existe pas")
    matcher.add_jobs(jobs)
    holder = resolved(holder, NodeResolver(graph))
    _ranked(args, matcher.jobs_for(holder, top=args.top), f"Offres pour {args.wallet} :")
    return 0


def _candidates(args: argparse.Namespace) -> int:
    from matching import store
    from matching.holders import resolved
    from matching.ranking import Matcher
    from matching.resolve import NodeResolver
    from storage.engine import session_scope

    try:
        graph = _graph(args)
        engine = _engine()
    except Exception as exc:
        return _fail(str(exc))
    matcher = Matcher(graph)
    try:
        with session_scope(engine, write=False) as session:
            job = store.get_job(session, args.job_id)
            holders = store.opted_in_holders(session, tables=matcher.tables)
    finally:
        engine.dispose()
    if job is None:
        return _fail(f"l'offre « {args.job_id} » n'existe pas")
    resolver = NodeResolver(graph)
    matcher.add_holders(resolved(h, resolver) for h in holders)
    _ranked(args, matcher.candidates(job, top=args.top), f"Candidats pour {job.title} :")
    return 0


def _save(args: argparse.Namespace) -> int:
    from matching import store
    from matching.credit import CreditTables
    from matching.jobs_yaml import JobFormatError, load_job_file
    from matching.params import DEFAULT_PARAMETERS
    from matching.resolve import NodeResolver
    from storage.engine import session_scope

    try:
        graph = _graph(args)
        tables = CreditTables(graph, DEFAULT_PARAMETERS)
        job = load_job_file(
            args.file, resolve=NodeResolver(graph).resolve, level_rank=tables.level_rank
        )
        engine = _engine()
    except (JobFormatError, ValueError, OSError) as exc:
        return _fail(str(exc))
    except Exception as exc:
        return _fail(str(exc))
    try:
        with session_scope(engine) as session:
            store.save_job(session, job)
    finally:
        engine.dispose()
    print(f"offre « {job.id} » enregistrée ({len(job.requirements)} exigence(s))")
    return 0


def _propose(args: argparse.Namespace) -> int:
    from matching.search import LabelIndex

    try:
        graph = _graph(args)
    except (ValueError, OSError) as exc:
        return _fail(str(exc))
    proposals = LabelIndex(graph).search(args.text, limit=args.top)
    if args.json:
        print(json.dumps([p.to_dict() for p in proposals], ensure_ascii=False, indent=2))
        return 0
    print("Propositions (à confirmer) :")
    for p in proposals:
        print(f"  {p.score:.2f}  {p.label} [{p.kind}, {p.referential}]\n        {p.node}")
    return 0
