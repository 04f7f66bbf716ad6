"""Open Badges 3.0 / Verifiable Credentials 2.0 core.

Pure: no database, no web framework, no network at import. Everything from outside (clock,
document loader, DID resolver, HTTP fetcher) is passed in by the caller.
"""
