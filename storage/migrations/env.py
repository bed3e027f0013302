"""Alembic environment, run by `storage.migrate` (or the alembic command line).

The database comes from `config.attributes["connection"]` (an open connection),
`config.attributes["url"]`, or the config's `sqlalchemy.url`, in that order.
"""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection, create_engine, pool

from storage.columns import UTCDateTime
from storage.database import normalise_url
from storage.models import Base


def render_item(type_: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Write our column types as plain SQLAlchemy ones, so revisions do not import models."""
    if type_ == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime()"
    return False


def configure(**options: Any) -> None:
    context.configure(
        target_metadata=Base.metadata,
        # SQLite can only change a table by copying it; batch mode writes that for us.
        render_as_batch=True,
        compare_type=True,
        render_item=render_item,
        **options,
    )


def database_url() -> str:
    url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database: set config.attributes['url'] or sqlalchemy.url")
    return normalise_url(url).render_as_string(hide_password=False)


def run_offline() -> None:
    configure(url=database_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    # Without the foreign-key pragma of `storage.database`: batch migrations copy SQLite
    # tables, which must not cascade.
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as new_connection:
            run_on(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
