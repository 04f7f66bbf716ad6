"""Benchmark: what the wallet adds around verification, as ratios to bare ``verify()``.

Issue 6 / DESIGN.md §8. In one run, on a SQLite file (WAL, ``synchronous=FULL``), with badges
issued by the real issuer (did:key, a published Bitstring Status List read from the database):

* baseline: ``verifier.verify`` of one badge's exact bytes (what any verification costs), and
  for imports ``verify`` + one durable write transaction of one small row (what keeping
  anything costs with ``synchronous=FULL``: the fsync dominates);
* import: ``wallet.items.import_badge`` (verify + equality lookup + store bytes, report, summary,
  competence index, in one transaction) — per badge;
* share page: ``wallet.shares.open_share`` of a share of 10 badges (log the opening, re-verify
  each badge now) — per badge shown.

Reported: milliseconds and the ratio to the baseline (median over rounds measured back to back).
Targets: import <= 1.5x (verify + durable write), share page <= 1.3x bare verification per badge:
the wallet's own work must stay small next to the signature check and the commit.
Usage: ``python -m bench.wallet [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from issuer.achievements import create_achievement
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from issuer.issuance import IssueSpec
from issuer.orgs import create_organisation
from issuer.recipients import parse_recipient
from issuer.service import issue
from referentials.bundled import load_bundled
from storage.engine import create_engine, session_scope
from storage.tables import AuditEvent, AuditOutcome, metadata
from verifier.pipeline import verify
from wallet.context import WalletContext
from wallet.holders import open_wallet
from wallet.items import import_badge
from wallet.local_fetch import StoredDocumentFetcher
from wallet.shares import create_share, open_share

BASE = "http://127.0.0.1:8000"
TARGETS = {"import": 1.5, "share_page": 1.3}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def run(rounds: int, per_round: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite+pysqlite:///{Path(folder) / 'bench.db'}")
        metadata.create_all(engine)
        now = datetime(2026, 3, 2, 9, tzinfo=UTC)
        ictx = IssuerContext(
            engine=engine,
            custody=KeyCustody([secrets.token_bytes(32)]),
            base_url=BASE,
            clock=lambda: now,
        )
        ref = next(r for r in load_bundled() if r.slug == "btp-blocs-exemple")
        create_organisation(ictx, slug="cfa", name="CFA Exemple")
        achievement = create_achievement(ictx, "cfa", ref, ["PLA-B1"]).id
        ctx = WalletContext(
            engine=engine, base_url=BASE, clock=lambda: now, fetcher=StoredDocumentFetcher(engine)
        )
        ratios: dict[str, list[float]] = {"import": [], "share_page": []}
        timings: dict[str, list[float]] = {
            "verify": [],
            "durable_write": [],
            "import": [],
            "share_page": [],
        }
        for _ in range(rounds):
            texts = [
                issue(ictx, achievement, IssueSpec(recipient=parse_recipient(None))).signed_text
                for _ in range(per_round)
            ]
            wallet = open_wallet(ctx, display_name="Bench")
            start = time.perf_counter()
            for text in texts:
                verify(text.encode(), options=ctx.verify_options())
            bare = (time.perf_counter() - start) / per_round
            start = time.perf_counter()
            for number in range(per_round):
                with session_scope(engine) as session:
                    session.add(
                        AuditEvent(
                            occurred_at=now,
                            action="bench",
                            object_type="bench",
                            object_id=str(number),
                            outcome=AuditOutcome.SUCCESS,
                        )
                    )
            durable = (time.perf_counter() - start) / per_round
            start = time.perf_counter()
            items = [import_badge(ctx, wallet.id, text).item.id for text in texts]
            imported = (time.perf_counter() - start) / per_round
            created = create_share(ctx, wallet.id, items)
            start = time.perf_counter()
            open_share(ctx, created.token)
            shown = (time.perf_counter() - start) / per_round
            timings["verify"].append(bare)
            timings["durable_write"].append(durable)
            timings["import"].append(imported)
            timings["share_page"].append(shown)
            ratios["import"].append(imported / (bare + durable))
            ratios["share_page"].append(shown / bare)
        engine.dispose()
    result: dict[str, object] = {
        "baseline": "verifier.verify of the same bytes (+ one durable write for imports)",
        "ms_per_badge": {k: _ms(statistics.median(v)) for k, v in timings.items()},
        "ratio": {k: round(statistics.median(v), 3) for k, v in ratios.items()},
        "targets": TARGETS,
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wallet")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    result = run(rounds=2 if args.quick else 5, per_round=10)
    print(json.dumps(result, indent=2))
    ratio = result["ratio"]
    assert isinstance(ratio, dict)
    missed = [k for k, target in TARGETS.items() if ratio[k] > target]
    if missed:
        print(f"targets missed: {missed}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
