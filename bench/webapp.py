"""Load benchmark: the verification page and ``POST /verify`` under concurrent clients (issue 8).

The application runs as ``atouts serve --demo`` in its own process (SQLite under a temporary
``ATOUTS_HOME``, rate limits off); a second process is the load generator: ``--clients``
concurrent HTTP clients (default 50) for ``--seconds`` (default 60; 10 with ``--quick``),
alternating ``POST /verify`` (JSON) and ``POST /verifier`` (the page, pasted text) with one of
the demo badges. Reported: requests per second, p50/p95 latency, errors (any answer other than
200 or a transport error), and as the ratio that matters the served verifications per second
over the bare ``verifier.verify`` rate of the same badge in one process, measured in the same
run just before (status list fetched once, then served from memory).

Target: no error. Usage: ``python -m bench.webapp [--quick] [--clients N] [--seconds S]``.
Results are printed and written as JSON under ``bench/results/`` (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _client_loop(base: str, badge: str, until: float, out: list[tuple[float, int]]) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        turn = 0
        while time.monotonic() < until:
            start = time.monotonic()
            try:
                if turn % 2 == 0:
                    response = await client.post(
                        "/verify", content=badge, headers={"content-type": "application/json"}
                    )
                else:
                    response = await client.post("/verifier", data={"badge_text": badge})
                status = response.status_code
            except httpx.HTTPError:
                status = 0
            out.append((time.monotonic() - start, status))
            turn += 1


def client_main(base: str, badge_file: Path, clients: int, seconds: float) -> None:
    badge = badge_file.read_text(encoding="utf-8")
    out: list[tuple[float, int]] = []
    until = time.monotonic() + seconds

    async def run() -> None:
        await asyncio.gather(*(_client_loop(base, badge, until, out) for _ in range(clients)))

    started = time.monotonic()
    asyncio.run(run())
    elapsed = time.monotonic() - started
    latencies = sorted(t for t, _ in out)
    errors = sum(1 for _, status in out if status != 200)
    print(
        json.dumps(
            {
                "requests": len(out),
                "elapsed_s": elapsed,
                "errors": errors,
                "rps": len(out) / elapsed,
                "p50_ms": 1000 * statistics.median(latencies) if latencies else None,
                "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
            }
        )
    )


def _bare_rate(badge: str, base: str, seconds: float) -> float:
    from badges.fetch import FetchResult
    from verifier import VerifyOptions, verify

    cache: dict[str, FetchResult] = {}

    class Fetch:
        def fetch(self, url: str, *, accept: str = "application/json") -> FetchResult:
            if url not in cache:
                response = httpx.get(url)
                cache[url] = FetchResult(
                    response.status_code,
                    response.headers.get("content-type", ""),
                    response.content,
                    url,
                )
            return cache[url]

    options = VerifyOptions(now=datetime.now(UTC), fetcher=Fetch())
    report = verify(badge, options=options)
    assert str(report.verdict) in ("verified", "inconclusive"), report.verdict
    count, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        verify(badge, options=VerifyOptions(now=datetime.now(UTC), fetcher=Fetch()))
        count += 1
    return count / (time.monotonic() - start)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webapp", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=None)
    parser.add_argument("--client", nargs=2, metavar=("BASE", "BADGE_FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = args.seconds or (10.0 if args.quick else 60.0)
    if args.client:
        client_main(args.client[0], Path(args.client[1]), args.clients, seconds)
        return 0

    home = Path(tempfile.mkdtemp(prefix="atouts-bench-web-"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ATOUTS_HOME": str(home), "ATOUTS_RATE_LIMITS": "off"}
    env.pop("ATOUTS_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--demo", "--port", str(port)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        with sqlite3.connect(home / "atouts.db") as db:
            (badge,) = db.execute("SELECT signed_text FROM credentials LIMIT 1").fetchone()
        badge_file = home / "badge.json"
        badge_file.write_text(badge, encoding="utf-8")
        bare = _bare_rate(badge, base, min(seconds, 10.0))
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.webapp",
                "--client",
                base,
                str(badge_file),
                "--clients",
                str(args.clients),
                "--seconds",
                str(seconds),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        load: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = {
        "clients": args.clients,
        "seconds": seconds,
        "bare_verify_per_s": bare,
        **load,
        "served_over_bare": load["rps"] / bare if bare else None,
    }
    print(f"bare verify (one process): {bare:8.1f} /s")
    print(
        f"served under load:         {load['rps']:8.1f} /s  ({args.clients} clients, "
        f"{seconds:.0f} s, {load['requests']} requests)"
    )
    print(f"ratio served / bare:       {result['served_over_bare']:8.2f}")
    print(f"latency p50 / p95:         {load['p50_ms']:.0f} ms / {load['p95_ms']:.0f} ms")
    print(f"errors:                    {load['errors']}  (target: 0)")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"webapp-{stamp}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if load["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
