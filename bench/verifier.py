"""Benchmark: the whole verifier against bare proof verification, in the same run (issue 5).

1,000 distinct ``eddsa-rdfc-2022`` badges (one issuer, did:key), all pointing at one Bitstring
Status List served from memory. Measured in alternating rounds:

* baseline: ``badges.proofs.data_integrity.verify_proof`` with the did:key resolver, per badge;
* full: ``verifier.verify`` (structure, context, schema, proof, dates, status with the list's own
  proof verified once thanks to the cache, trust) with one shared ``VerifyOptions``.

Each round alternates chunks of 50 badges between the two, so load from other processes falls
on both alike, and times are this process's CPU time (``time.process_time``), not wall-clock
time, so waiting for a core taken by another process is not counted against either side.
Reported: verifications per second (CPU) for both and the median over the rounds of the ratio
full/baseline. Target: everything beyond the proof costs at most 25 % (ratio <= 1.25).
Usage: ``python -m bench.verifier [--quick]``.
Results are printed and written as JSON under ``bench/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from badges.fetch import MapFetcher
from badges.keys import Ed25519KeyPair
from badges.proofs.data_integrity import create_proof, verify_proof
from badges.resolution import KeyResolver
from badges.status_list import StatusList
from verifier import VerifyOptions, verify

RESULTS = Path(__file__).resolve().parent / "results"
TARGET = 1.25
CHUNK = 50
NOW = datetime(2026, 6, 1, tzinfo=UTC)
LIST_URL = "https://formation.example/status/1"


def _badge(issuer: str, index: int) -> dict[str, Any]:
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": f"urn:uuid:00000000-0000-4000-8000-{index:012d}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Centre de formation"},
        "validFrom": "2026-01-01T00:00:00Z",
        "name": f"Badge {index}",
        "credentialSubject": {
            "id": f"did:example:person-{index}",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://formation.example/achievements/accueil",
                "type": ["Achievement"],
                "name": "Accueillir un client",
                "description": "Accueille un client avec courtoisie.",
                "criteria": {"narrative": "Observé en situation réelle."},
                "alignment": [
                    {
                        "type": ["Alignment"],
                        "targetName": f"Compétence {k}",
                        "targetUrl": f"https://formation.example/competences/{k}",
                        "targetType": "CFItem",
                    }
                    for k in range(3)
                ],
            },
        },
        "credentialStatus": {
            "id": f"{LIST_URL}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": LIST_URL,
        },
    }


def build(count: int) -> tuple[list[dict[str, Any]], MapFetcher, str]:
    pair = Ed25519KeyPair.from_seed(b"\x07" * 32)
    did = str(pair.public.did_key)
    method = f"{did}#{pair.public.public_key_multibase}"
    sign: dict[str, Any] = {
        "cryptosuite": "eddsa-rdfc-2022",
        "verification_method": method,
        "created": "2026-01-01T00:00:00Z",
    }
    badges = [create_proof(_badge(did, i), pair, **sign) for i in range(count)]
    bits = StatusList()
    bits.set(count // 2, 1)
    listing = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": LIST_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": f"{LIST_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": bits.encode(),
        },
    }
    signed_list = create_proof(listing, pair, **sign)
    return badges, MapFetcher({LIST_URL: json.dumps(signed_list).encode()}), did


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.verifier")
    parser.add_argument("--quick", action="store_true", help="100 badges, 3 rounds")
    parser.add_argument("--count", type=int, default=1_000)
    args = parser.parse_args(sys.argv[1:])
    count = 100 if args.quick else args.count
    rounds = 3 if args.quick else 7
    badges, fetcher, did = build(count)
    resolver = KeyResolver()

    options = VerifyOptions(now=NOW, fetcher=fetcher)

    def baseline(chunk: list[dict[str, Any]]) -> float:
        start = time.process_time()
        for badge in chunk:
            result = verify_proof(copy.copy(badge), resolve_key=resolver.for_issuer(did))
            assert result.verified
        return time.process_time() - start

    def full(chunk: list[dict[str, Any]]) -> float:
        start = time.process_time()
        for badge in chunk:
            report = verify(badge, options=options)
            assert str(report.verdict) in {"verified", "not_verified"}, report.codes()
        return time.process_time() - start

    full(badges[:20])  # warm-up: the status list is fetched and its proof verified once
    # The 1,000 prepared badges stay alive for the whole run; without this, every full garbage
    # collection walks them all, a cost of the harness (a server holds one badge at a time) that
    # falls mostly on the side that allocates more.
    gc.collect()
    gc.freeze()
    # Other processes share the machine: each round interleaves small chunks of both (so a burst
    # of load hits both alike) and the median of the per-round ratios is reported.
    ratios: list[float] = []
    base_times: list[float] = []
    full_times: list[float] = []
    for _ in range(rounds):
        b = f = 0.0
        for offset in range(0, count, CHUNK):
            chunk = badges[offset : offset + CHUNK]
            b += baseline(chunk)
            f += full(chunk)
        base_times.append(b)
        full_times.append(f)
        ratios.append(f / b)
    ratio = statistics.median(ratios)
    result = {
        "badges": count,
        "proof_only_per_second": round(count / statistics.median(base_times), 1),
        "full_verify_per_second": round(count / statistics.median(full_times), 1),
        "ratio_full_to_proof": round(ratio, 3),
        "ratio_per_round": [round(r, 3) for r in ratios],
        "target": TARGET,
        "status_list_fetches": len(fetcher.requested),
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "verifier.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
