"""Database tables, engine and session factory, migrations (SQLite by default, PostgreSQL)."""
