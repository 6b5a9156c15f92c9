"""The district's store (``compliance serve --store``): links, submissions, their files and findings, the audit.

SQLAlchemy Core over SQLite by default (a file path) or any database URL (``postgresql+psycopg://…`` for a district
running several server processes). Opening a store runs its Alembic migrations up to the newest, so a newer release
opens an older store. ``store`` and what imports it load SQLAlchemy; this package itself and ``names`` do not, so the
guard and ``compliance --help`` never pay for it.
"""
