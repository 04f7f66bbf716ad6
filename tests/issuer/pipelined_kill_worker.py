"""A batch worker that kills itself with SIGKILL on the pipelined path (signing in one thread,
storing the previous chunk in another), inside the store transaction of row KILL_AT. Just before,
it prints the pids of its signing worker processes on one line (``workers: PID PID…``), so a
drill can check that they do not outlive it.

``python -m tests.issuer.pipelined_kill_worker DB_URL KEK_HEX BATCH_ID KILL_AT PROCESSES``
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys

from issuer.batch import run_batch
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from storage.engine import create_engine

BASE = "https://formation.example"


def main() -> None:
    url, kek_hex, batch_id, kill_at, processes = sys.argv[1:6]
    ctx = IssuerContext(
        engine=create_engine(url), custody=KeyCustody([bytes.fromhex(kek_hex)]), base_url=BASE
    )
    seen = [0]

    def hook(_line: int) -> None:
        seen[0] += 1
        if seen[0] >= int(kill_at):
            workers = sorted(child.pid for child in multiprocessing.active_children())
            print("workers:", *workers)
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)

    run_batch(
        ctx,
        batch_id,
        force=True,
        chunk=40,
        pipeline=True,
        processes=int(processes),
        _inside_transaction=hook,
    )


if __name__ == "__main__":
    main()
