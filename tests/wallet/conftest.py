"""Wallet test fixtures (defined in ``tests.wallet.fixtures`` so other test folders reuse them)."""

from tests.wallet.fixtures import btp_achievements, clock, engine, graph, ictx, wctx

__all__ = ["btp_achievements", "clock", "engine", "graph", "ictx", "wctx"]
