"""Taking a test's database away for real, and giving it back.

SQLite: another connection holds the write lock (`BEGIN EXCLUSIVE`), so every write
waits out its busy timeout and fails with "database is locked", as when another process
holds the file. PostgreSQL: the database refuses new connections and the open ones are
ended, as when the server goes away under the bot.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url


@contextmanager
def database_down(url: str) -> Iterator[None]:
    """While inside: no write to the database at `url` succeeds."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        with _sqlite_locked(str(parsed.database)):
            yield
    else:
        with _postgresql_closed(url):
            yield


@contextmanager
def _sqlite_locked(path: str) -> Iterator[None]:
    holder = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@contextmanager
def _postgresql_closed(url: str) -> Iterator[None]:
    parsed = make_url(url)
    name = str(parsed.database)
    admin_url = parsed.set(drivername="postgresql", database="postgres")
    admin = psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True)
    database = sql.Identifier(name)
    try:
        admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(database))
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        yield
    finally:
        admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(database))
        admin.close()
