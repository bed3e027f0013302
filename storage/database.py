"""The database connection, built once by the composition root at start-up.

Every wait on the database has a bound (`DatabaseTimeouts`): connecting, a statement, and a
lock. A connection the database turned read-only (a PostgreSQL failover, a SQLite file
opened while it could not be written) is dropped from the pool at its first refused
write, so the next request gets a fresh one."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.orm import sessionmaker

from bot.ports import Clock
from storage.faults import is_read_only
from storage.repositories.pillar_cache import PillarCache
from storage.unit_of_work import SqlUnitOfWork


@dataclass(frozen=True)
class DatabaseTimeouts:
    """How long one wait on the database may last, in seconds; None: no bound.

    PostgreSQL rounds `connect` up to whole seconds (and to at least 2); SQLite connects
    to a file and waits only for locks (its busy timeout), not for statements."""

    connect: float = 5.0
    statement: float | None = 30.0
    lock: float | None = 5.0


DEFAULT_TIMEOUTS = DatabaseTimeouts()
# Schema changes may rewrite big tables and wait for other instances: only connecting is
# bounded.
MIGRATION_TIMEOUTS = DatabaseTimeouts(statement=None, lock=None)
SQLITE_UNBOUNDED_LOCK_SECONDS = 3600.0  # SQLite has no "wait for ever"
TCP_USER_TIMEOUT_SECONDS = 10.0


def normalise_url(url: str | URL) -> URL:
    """Pick our drivers: a plain `postgresql://` or `postgres://` URL gets psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg")
    return parsed


def connect_arguments(url: URL, timeouts: DatabaseTimeouts) -> dict[str, Any]:
    """The driver's own settings for `timeouts`; what the URL says itself comes after ours,
    so it wins."""
    if url.get_backend_name() == "sqlite":
        return {"timeout": timeouts.lock or SQLITE_UNBOUNDED_LOCK_SECONDS}
    if url.get_backend_name() != "postgresql":
        return {}
    arguments: dict[str, Any] = {
        "connect_timeout": max(2, round(timeouts.connect)),
        # A server that vanished without closing the connection (a host gone, a network
        # dropping packets) is noticed: unacknowledged data and idle connections are
        # bounded too, not only by the system's retransmissions (some 15 minutes).
        "tcp_user_timeout": round(max(TCP_USER_TIMEOUT_SECONDS, timeouts.connect) * 1000),
        "keepalives": 1,
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }
    server: list[str] = []
    if timeouts.statement is not None:
        server.append(f"-c statement_timeout={round(timeouts.statement * 1000)}")
    if timeouts.lock is not None:
        server.append(f"-c lock_timeout={round(timeouts.lock * 1000)}")
    own = url.query.get("options")
    if own:
        server.extend([own] if isinstance(own, str) else own)
    if server:
        arguments["options"] = " ".join(server)
    return arguments


def create_database_engine(
    url: str | URL, *, timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS, **options: Any
) -> Engine:
    """An engine for `url` whose waits are bounded by `timeouts`; SQLite connections
    enforce foreign keys."""
    parsed = normalise_url(url)
    connect_args = {**connect_arguments(parsed, timeouts), **options.pop("connect_args", {})}
    engine = create_engine(parsed, connect_args=connect_args, **options)
    if engine.dialect.name == "sqlite":
        busy_ms = round((timeouts.lock or SQLITE_UNBOUNDED_LOCK_SECONDS) * 1000)
        event.listen(engine, "connect", _sqlite_configurer(busy_ms))
    event.listen(engine, "handle_error", _drop_read_only_connections)
    return engine


def _sqlite_configurer(busy_ms: int) -> Any:
    def configure(dbapi_connection: Any, connection_record: Any) -> None:
        # SQLite ignores foreign keys unless asked, per connection.
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            # Readers do not wait for the writer, and a commit needs no sync of the whole
            # file: the server answers several requests at once. (A no-op for in-memory
            # databases.) A file that cannot be written keeps its mode and can be read;
            # its first write says what is wrong.
            try:
                cursor.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError as error:
                if not is_read_only(error):
                    raise
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    return configure


def _drop_read_only_connections(context: ExceptionContext) -> None:
    # Treated as a lost connection: SQLAlchemy discards it, and the pool's other
    # connections (all made to the same, now read-only, server or file) with it.
    if is_read_only(context.original_exception):
        context.is_disconnect = True


class Database:
    """An engine and a session factory for one database URL.

    `unit_of_work` is the `bot.ports.UnitOfWorkFactory` the rest of the bot gets.
    """

    def __init__(
        self,
        url: str | URL,
        *,
        clock: Clock | None = None,
        timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS,
    ) -> None:
        self.url = normalise_url(url)
        self.timeouts = timeouts
        self.engine = create_database_engine(url, timeouts=timeouts, pool_pre_ping=True)
        self._clock = clock
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # The pillars, kept between units of work while the network revision is unchanged.
        self._pillar_cache = PillarCache()

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._sessions, clock=self._clock, pillar_cache=self._pillar_cache)

    def dispose(self) -> None:
        self.engine.dispose()
