"""Run every benchmark module of this package (or those named on the command line).

A module takes part when it exposes ``main() -> int``; the exit status is non-zero when any
benchmark misses its target or fails.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path


def _modules(selected: list[str]) -> list[str]:
    here = Path(__file__).resolve().parent
    names = sorted(
        info.name for info in pkgutil.iter_modules([str(here)]) if not info.name.startswith("_")
    )
    return [n for n in names if not selected or n in selected]


def main(argv: list[str] | None = None) -> int:
    selected = list(sys.argv[1:] if argv is None else argv)
    failed: list[str] = []
    for name in _modules(selected):
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "main", None)
        if not callable(run):
            continue
        print(f"\n=== bench.{name}", flush=True)
        try:
            # Benchmarks parse their own options; give them none when run all together.
            saved, sys.argv = sys.argv, [f"bench.{name}"]
            try:
                status = run()
            finally:
                sys.argv = saved
        except Exception:
            traceback.print_exc()
            status = 1
        if status:
            failed.append(name)
    if failed:
        print("\nbenchmarks missing their target: " + ", ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
