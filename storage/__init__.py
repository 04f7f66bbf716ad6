"""Database tables, engine and session factory, migrations (SQLite by default, PostgreSQL).

Public interface (see ``docs/adr/0002-storage.md``):

- ``storage.engine``: ``DatabaseSettings(home, url)``, ``create_engine(settings | url)``,
  ``session_scope(engine, write=True)`` (one transaction), ``session_factory(engine)``.
- ``storage.tables``: every SQLModel table and its enums (``Credential``, ``StatusList``, ...).
- ``storage.migrate``: ``upgrade(engine_or_url)``, ``is_up_to_date(engine)``,
  ``ensure_migrated(engine)``, ``open_migrated_engine(settings)``.
- ``storage.status``: ``allocate_status_index``, ``set_status_bit``, ``lists_to_publish``,
  ``set_bits``, ``mark_published``.
- ``storage.errors``: ``DatabaseNotMigratedError``, ``ImmutableRecordError``,
  ``is_unique_violation(error)``, ``is_transient(error)``.

Nothing here opens a database or reads the environment at import.
"""
