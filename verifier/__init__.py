"""Verification pipeline: any input to a VerificationReport, with policies and a trust registry."""
