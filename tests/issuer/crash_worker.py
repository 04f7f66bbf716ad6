"""A worker process the durability drills kill with SIGKILL at a chosen point.

``python -m tests.issuer.crash_worker MODE DB_URL KEK_HEX ARG KILL_AT``:

- ``batch``: run batch ARG; SIGKILL itself inside the chunk transaction of row KILL_AT;
- ``issue``: issue one badge of achievement ARG; SIGKILL itself after signing, before commit;
- ``revoke``: revoke credential ARG; SIGKILL itself after the commit, before republishing.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

from issuer import issuance, status
from issuer.batch import run_batch
from issuer.context import IssuerContext
from issuer.custody import KeyCustody
from issuer.recipients import parse_recipient
from issuer.service import issue
from storage.engine import create_engine

BASE = "https://formation.example"


def _die(*_args: Any, **_kwargs: Any) -> Any:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    mode, url, kek_hex, arg, kill_at = sys.argv[1:6]
    ctx = IssuerContext(
        engine=create_engine(url), custody=KeyCustody([bytes.fromhex(kek_hex)]), base_url=BASE
    )
    if mode == "batch":
        seen = [0]

        def hook(_line: int) -> None:
            seen[0] += 1
            if seen[0] >= int(kill_at):
                _die()

        run_batch(ctx, arg, force=True, chunk=50, _inside_transaction=hook)
    elif mode == "issue":
        original = issuance.Signer.sign

        def sign_then_die(self: issuance.Signer, *args: Any) -> tuple[str, str]:
            result = original(self, *args)
            print("SIGNED", flush=True)
            _die()
            return result

        issuance.Signer.sign = sign_then_die  # type: ignore[method-assign]
        issued = issue(ctx, arg, issuance.IssueSpec(recipient=parse_recipient("a@example.org")))
        print("RETURNED", issued.credential_id)
    elif mode == "revoke":
        status.change_status(ctx, arg, action="revoke", publish=False)
        _die()


if __name__ == "__main__":
    main()
