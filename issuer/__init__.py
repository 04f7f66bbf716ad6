"""Issuing Open Badges: organisations, keys, achievements, single and bulk issuance, status."""
