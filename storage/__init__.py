"""Database tables, engine and session factory, migrations (SQLite by default, PostgreSQL).

Public interface (see ``docs/adr/0002-storage.md``):

- ``storage.engine``: ``DatabaseSettings(home, url)``, ``create_engine(settings | url)``,
  ``session_scope(engine, write=True)`` (one transaction), ``transaction(engine, work)`` (one
  transaction, retried on transient failures), ``session_factory(engine)``.
- ``storage.tables``: every SQLModel table and its enums (``Credential``, ``StatusList``, ...).
- ``storage.migrate``: ``upgrade(engine_or_url)``, ``is_up_to_date(engine)``,
  ``ensure_migrated(engine)``, ``open_migrated_engine(settings)``.
- ``storage.status``: ``allocate_status_indexes`` / ``allocate_status_index``,
  ``link_allocations``, ``set_status_bit``, ``lists_to_publish``, ``set_bits``, ``mark_published``.
- ``storage.once``: ``mark_once(session, Claim.redeemed_at, now, criteria...)`` (single use).
- ``storage.tokens``: ``new_token()``, ``hash_token(token, pepper=None)``.
- ``storage.retention``: ``purge(session, now, policy=RetentionPolicy())`` (``atouts db purge``).
- ``storage.maintenance``: ``backup_sqlite(engine, path)``, ``integrity_problems(engine)``.
- ``storage.errors``: ``DatabaseNotMigratedError``, ``ImmutableRecordError``,
  ``is_unique_violation(error)``, ``is_transient(error)``.

Nothing here opens a database or reads the environment at import.
"""
