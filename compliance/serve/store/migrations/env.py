"""Alembic's environment for the store: run on the connection ``compliance.serve.store`` hands over (never a URL
from an .ini file), so the server and the tests migrate exactly the store they opened."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
