"""Whether the database can be written now: what `GET /readyz` and `inbreng_database_up`
say, and what start-up waits for.

The probe writes for real and rolls back: it takes the write lock (SQLite) or a row lock
(PostgreSQL) on Alembic's one-row version table, which a read-only file, a standby or a
read-only transaction refuses. For a SQLite file it also checks that the disk has room,
since a write rolled back never reaches the disk. It has an engine of its own with short
timeouts, so it never waits for a connection a request needs."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from storage.database import DatabaseTimeouts, create_database_engine, normalise_url
from storage.faults import FaultKind, fault_kind, first_line
from storage.schema_revision import VERSION_TABLE

PROBE_TIMEOUTS = DatabaseTimeouts(connect=2.0, statement=2.0, lock=2.0)
# Less room than this next to a SQLite file: a write of any size may fail.
MIN_FREE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Writability:
    """`fault` None: writable. Otherwise what kind of fault, and the driver's first line
    (for the log; it may name hosts, so it is not shown on unauthenticated routes)."""

    fault: FaultKind | None = None
    detail: str = ""

    @property
    def writable(self) -> bool:
        return self.fault is None


class WriteProbe:
    """Tries a write on `url` and rolls it back, on a connection of its own."""

    def __init__(self, url: str | URL, *, timeouts: DatabaseTimeouts = PROBE_TIMEOUTS) -> None:
        parsed = normalise_url(url)
        self._file = _sqlite_file(parsed)
        # A new connection each time: the question is what a new connection may do. One
        # made earlier keeps what its session was given (PostgreSQL's
        # default_transaction_read_only), and a SQLite connection opened while the file could
        # be written goes on writing to its journal after the file turned read-only.
        self._engine: Engine = create_database_engine(parsed, timeouts=timeouts, poolclass=NullPool)

    def check(self) -> Writability:
        if self._file is not None:
            room = _free_bytes(self._file)
            if room is not None and room < MIN_FREE_BYTES:
                return Writability("disk_full", f"{room} bytes free next to {self._file}")
        try:
            with self._engine.connect() as connection:
                connection.execute(
                    text(f"UPDATE {VERSION_TABLE} SET version_num = version_num")  # noqa: S608
                )
                connection.rollback()
        except SQLAlchemyError as error:
            return Writability(fault_kind(error), first_line(error))
        return Writability()

    def dispose(self) -> None:
        self._engine.dispose()


def _sqlite_file(url: URL) -> Path | None:
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database or "")


def _free_bytes(path: Path) -> int | None:
    try:
        stats = os.statvfs(path.parent)
    except OSError:
        return None  # the write below will say what is wrong
    return stats.f_bavail * stats.f_frsize


def connectivity(url: str | URL, *, timeouts: DatabaseTimeouts) -> Writability:
    """Whether a connection to `url` can be made and answers, within `timeouts`; the
    detail never holds the password."""
    parsed = normalise_url(url)
    engine = create_database_engine(parsed, timeouts=timeouts, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        detail = first_line(error)
        if parsed.password:
            detail = detail.replace(parsed.password, "***")
        return Writability(fault_kind(error), detail)
    finally:
        engine.dispose()
    return Writability()
