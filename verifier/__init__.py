"""Verification pipeline: any input to a VerificationReport, with policies and a trust registry.

``verify(input, options=VerifyOptions(now=...))`` never raises; see DESIGN.md §5.
"""

from verifier.options import Limits, VerifyOptions
from verifier.pipeline import verify
from verifier.report import Check, CheckId, Outcome, Verdict, VerificationReport
from verifier.trust import TrustedIssuer, TrustRegistry

__all__ = [
    "Check",
    "CheckId",
    "Limits",
    "Outcome",
    "TrustRegistry",
    "TrustedIssuer",
    "Verdict",
    "VerificationReport",
    "VerifyOptions",
    "verify",
]
