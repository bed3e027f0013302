"""Bounded waits and read-only connections, on both databases, with real faults: a lock
another connection holds, a database that turned read-only and writable again."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from bot.domain import OrganisationData
from storage.database import Database, DatabaseTimeouts
from storage.faults import fault_kind
from storage.readiness import WriteProbe
from testing.postgres import PostgresServer

SHORT_LOCK = DatabaseTimeouts(lock=1.0)


def add_organisation(database: Database, slug: str) -> None:
    with database.unit_of_work() as uow:
        uow.organisations.add(OrganisationData(slug=slug, name=slug.title()))
        uow.commit()


def count_organisations(database: Database) -> int:
    with database.unit_of_work() as uow:
        return len(uow.organisations.list())


@contextmanager
def write_locked(url: str) -> Iterator[None]:
    """Another connection holds the lock a write needs, and waits for nothing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        holder = sqlite3.connect(parsed.database or "", isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    with psycopg.connect(url) as locker:
        locker.execute("LOCK TABLE organisations IN ACCESS EXCLUSIVE MODE")
        yield
        locker.rollback()


def test_a_write_waits_for_a_lock_only_as_long_as_the_lock_timeout(database_url: str) -> None:
    database = Database(database_url, timeouts=SHORT_LOCK)
    try:
        with write_locked(database_url), pytest.raises(OperationalError) as refused:
            add_organisation(database, "zeist")
        assert fault_kind(refused.value) == "timeout"
        add_organisation(database, "zeist")  # the lock is gone: the write goes through
        assert count_organisations(database) == 1
    finally:
        database.dispose()


@contextmanager
def read_only_database(url: str, request: pytest.FixtureRequest) -> Iterator[None]:
    """New connections to `url` cannot write: PostgreSQL's default_transaction_read_only
    for the database (as after a failover to a standby), a SQLite file that cannot be
    opened for writing (immutable for root, who ignores permissions)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if os.geteuid() == 0:
            subprocess.run(["chattr", "+i", str(path)], check=True)
        else:
            path.chmod(0o444)
        try:
            yield
        finally:
            if os.geteuid() == 0:
                subprocess.run(["chattr", "-i", str(path)], check=True)
            else:
                path.chmod(0o644)
        return
    server: PostgresServer = request.getfixturevalue("postgresql_server")
    name = sql.Identifier(parsed.database or "")
    server.admin.execute(
        sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(name)
    )
    try:
        yield
    finally:
        server.admin.execute(
            sql.SQL("ALTER DATABASE {} RESET default_transaction_read_only").format(name)
        )


def test_a_connection_opened_read_only_leaves_the_pool_at_its_first_refused_write(
    database_url: str, request: pytest.FixtureRequest
) -> None:
    database = Database(database_url)
    try:
        with read_only_database(database_url, request):
            assert count_organisations(database) == 0  # reading works; the pool keeps it
        # Writable again, but the pooled connection was opened read-only.
        with pytest.raises(DBAPIError) as refused:
            add_organisation(database, "zeist")
        assert fault_kind(refused.value) == "read_only"
        add_organisation(database, "zeist")  # on a new connection
        assert count_organisations(database) == 1
    finally:
        database.dispose()


def test_the_write_probe_tells_a_read_only_database_and_a_writable_one(
    database_url: str, request: pytest.FixtureRequest
) -> None:
    probe = WriteProbe(database_url)
    try:
        assert probe.check().writable
        with read_only_database(database_url, request):
            found = probe.check()
            assert found.fault == "read_only", found
        assert probe.check().writable
        with write_locked(database_url):
            # PostgreSQL: the probe's row is not in the locked table.
            expected = "timeout" if make_url(database_url).get_backend_name() == "sqlite" else None
            assert probe.check().fault == expected
    finally:
        probe.dispose()


@contextmanager
def small_disk(directory: Path) -> Iterator[Path]:
    """A 4 MiB file system of its own at `directory` (a tmpfs: mounting needs root)."""
    directory.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(directory)], check=True)
    try:
        yield directory
    finally:
        subprocess.run(["umount", str(directory)], check=True)


def fill(directory: Path) -> Path:
    """Write until the disk is full; the file that holds it all."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError:
            pass  # ENOSPC
    return filler


@pytest.mark.skipif(os.geteuid() != 0, reason="a full disk of its own needs a mount (root)")
def test_the_write_probe_tells_a_full_disk(sqlite_database_url: str, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        copy = disk / "inbreng.db"
        copy.write_bytes(Path(make_url(sqlite_database_url).database or "").read_bytes())
        probe = WriteProbe(f"sqlite:///{copy}")
        try:
            assert probe.check().writable
            filler = fill(disk)
            assert probe.check().fault == "disk_full"
            filler.unlink()
            assert probe.check().writable
        finally:
            probe.dispose()
