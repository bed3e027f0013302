"""The database connection, built once by the composition root at start-up."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import sessionmaker

from bot.ports import Clock
from storage.repositories.pillar_cache import PillarCache
from storage.unit_of_work import SqlUnitOfWork

SQLITE_BUSY_TIMEOUT_MS = 5000


def normalise_url(url: str | URL) -> URL:
    """Pick our drivers: a plain `postgresql://` or `postgres://` URL gets psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_database_engine(url: str | URL, **options: Any) -> Engine:
    """An engine for `url`; SQLite connections enforce foreign keys and wait when busy."""
    engine = create_engine(normalise_url(url), **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, connection_record: Any) -> None:
    # SQLite ignores foreign keys unless asked, per connection.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        # Readers do not wait for the writer, and a commit needs no sync of the whole file:
        # the server answers several requests at once. (A no-op for in-memory databases.)
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


class Database:
    """An engine and a session factory for one database URL.

    `unit_of_work` is the `bot.ports.UnitOfWorkFactory` the rest of the bot gets.
    """

    def __init__(self, url: str | URL, *, clock: Clock | None = None) -> None:
        self.engine = create_database_engine(url, pool_pre_ping=True)
        self._clock = clock
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The pillars, kept between units of work while the network revision is unchanged.
        self._pillar_cache = PillarCache()

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, clock=self._clock, pillar_cache=self._pillar_cache)

    def dispose(self) -> None:
        self.engine.dispose()
