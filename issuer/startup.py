"""Start-up reconciler (reliability-ux.md D6): publish every status list whose latest change
is not published yet — after a crash between a revocation's commit and its publication, the
next start repairs it. The API calls it when it starts; ``atouts`` commands that change a status
call it too."""

from __future__ import annotations

from issuer.context import IssuerContext
from issuer.status import publish_pending

__all__ = ["reconcile"]


def reconcile(ctx: IssuerContext) -> int:
    """Number of status lists (re)published."""
    return publish_pending(ctx)
