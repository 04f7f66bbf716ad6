"""Run every benchmark module of this package (or those named on the command line).

``python -m bench [--quick] [NAME ...]`` (``make bench``). A module takes part when it exposes
``main() -> int`` (0: every target met, 1: a target missed); ``--quick`` is passed on to the
modules that accept it. At the end one line per module says ``ok``, ``target missed`` or
``error`` (the module raised). The exit status is non-zero only when a module missed a target or
could not run; each module's own table says which target and by how much.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import pkgutil
import sys
import time
import traceback
from pathlib import Path


def _modules(selected: list[str]) -> list[str]:
    here = Path(__file__).resolve().parent
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(here)]) if not info.name.startswith("_")
    )
    unknown = sorted(set(selected) - set(names))
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(unknown)} (known: {', '.join(names)})")
    return [n for n in names if not selected or n in selected]


def _run(name: str, quick: bool) -> str:
    module = importlib.import_module(f"bench.{name}")
    run = getattr(module, "main", None)
    if not callable(run):
        return "skipped"
    # Benchmarks parse their own options from sys.argv: give them only --quick when asked.
    argv = [f"bench.{name}"]
    if quick and "--quick" in inspect.getsource(module):
        argv.append("--quick")
    saved, sys.argv = sys.argv, argv
    try:
        status = run()
    except Exception:
        traceback.print_exc()
        return "error"
    finally:
        sys.argv = saved
    return "ok" if not status else "target missed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="shorter runs (noisier)")
    parser.add_argument("names", nargs="*", help="benchmark modules to run (default: all)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    outcomes: dict[str, tuple[str, float]] = {}
    for name in _modules(args.names):
        print(f"\n=== bench.{name}", flush=True)
        start = time.perf_counter()
        outcome = _run(name, args.quick)
        outcomes[name] = (outcome, time.perf_counter() - start)
    print("\n=== summary")
    for name, (outcome, seconds) in outcomes.items():
        print(f"{name:<24} {outcome:<14} {seconds:7.1f} s")
    bad = [n for n, (outcome, _) in outcomes.items() if outcome in {"target missed", "error"}]
    if bad:
        print("benchmarks missing their target or failing: " + ", ".join(bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
