"""Alembic environment: always driven from code (``storage.migrate``) with a connection."""

from alembic import context

from workshop.storage.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
)
context.run_migrations()
