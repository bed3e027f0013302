"""Database fixtures: every storage test runs on a real SQLite file and a real PostgreSQL.

The PostgreSQL server (`testing/postgres.py`) is started by the test set-up itself, from the
binaries of the `postgresql` package, in a throwaway directory on a free loopback port; it
starts when the first test needs it and stops at the end of the session. If it cannot start, the
session stops with an error: a PostgreSQL run is never skipped silently.

Fixtures:
- `database_url` (sqlite, postgresql): a fresh database, migrated to head, per test;
- `sqlite_database_url`: the same on SQLite only;
- `empty_database_url` (sqlite, postgresql): a database without any table;
- `uow_factory`: `Database(database_url).unit_of_work`, i.e. a `UnitOfWorkFactory`.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from psycopg import sql

from bot.ports import UnitOfWorkFactory
from storage.database import Database
from storage.migrate import upgrade
from testing.postgres import (
    POSTGRES_GLOB,
    PostgresServer,
    PostgresStartError,
    postgres_bin_dir,
    postgres_version,
    start_postgres,
)

pytest_plugins = ["tests.app_fixtures", "tests.slack_fixtures"]

TEMPLATE_DATABASE = "inbreng_template"

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


# --- the PostgreSQL server's statistics ----------------------------------------------


@dataclass
class PostgresStats:
    """What the session did with PostgreSQL, for the terminal summary."""

    version: str = ""
    port: int = 0
    start_seconds: float = 0.0
    databases: int = 0
    create_seconds: float = 0.0
    failure: str | None = None


STATS = pytest.StashKey[PostgresStats]()


# --- fixtures --------------------------------------------------------------------------


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgresql_server(request: pytest.FixtureRequest) -> Iterator[PostgresServer]:
    """The session's PostgreSQL server; if it cannot start, the session fails and stops."""
    stats = request.config.stash.setdefault(STATS, PostgresStats())
    started = time.perf_counter()
    try:
        bin_dir = postgres_bin_dir()
        if bin_dir is None:
            raise PostgresStartError(f"no initdb and postgres under {POSTGRES_GLOB} or on PATH")
        server = start_postgres(bin_dir)
    except (PostgresStartError, OSError, subprocess.SubprocessError) as error:
        stats.failure = (
            "Could not start the PostgreSQL server for the tests (its binaries come from "
            f"the `postgresql` package): {str(error).strip()}"
        )
    if stats.failure is not None:
        # Stop after this test rather than fail every PostgreSQL test the same way.
        request.session.shouldfail = stats.failure
        pytest.fail(stats.failure, pytrace=False)
    stats.start_seconds = time.perf_counter() - started
    stats.port = server.port
    stats.version = server.version()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgresql_template(postgresql_server: PostgresServer) -> str:
    """A database migrated to head once, which every test's database is copied from."""
    postgresql_server.admin.execute(
        sql.SQL("CREATE DATABASE {}").format(sql.Identifier(TEMPLATE_DATABASE))
    )
    upgrade(postgresql_server.url(TEMPLATE_DATABASE))
    return TEMPLATE_DATABASE


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once, which every test's file is copied from."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade(sqlite_url(path))
    return path


def _postgresql_database(request: pytest.FixtureRequest, *, template: str) -> Iterator[str]:
    server: PostgresServer = request.getfixturevalue("postgresql_server")
    started = time.perf_counter()
    name = server.create_database(template=template)
    stats = request.config.stash[STATS]
    stats.databases += 1
    stats.create_seconds += time.perf_counter() - started
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


def _migrated_sqlite_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    template: Path = request.getfixturevalue("sqlite_template")
    path = tmp_path / "inbreng.db"
    shutil.copyfile(template, path)
    return sqlite_url(path)


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database migrated to head: a SQLite file, then a PostgreSQL one."""
    if request.param == "sqlite":
        yield _migrated_sqlite_database(request, tmp_path)
    else:
        template: str = request.getfixturevalue("postgresql_template")
        yield from _postgresql_database(request, template=template)


@pytest.fixture
def postgresql_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database migrated to head, for tests that need PostgreSQL only."""
    template: str = request.getfixturevalue("postgresql_template")
    yield from _postgresql_database(request, template=template)


@pytest.fixture
def sqlite_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh SQLite database migrated to head, for tests that need not run twice."""
    return _migrated_sqlite_database(request, tmp_path)


@pytest.fixture(params=DATABASES)
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database without any table, not even Alembic's."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "empty.db")
    else:
        yield from _postgresql_database(request, template="template0")


@pytest.fixture
def uow_factory(database_url: str) -> Iterator[UnitOfWorkFactory]:
    database = Database(database_url)
    try:
        yield database.unit_of_work
    finally:
        database.dispose()


# --- reporting -------------------------------------------------------------------------


def pytest_report_header(config: pytest.Config) -> list[str]:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        return [
            f"postgresql: NO SERVER BINARIES under {POSTGRES_GLOB} or on PATH; install the "
            "`postgresql` package, postgresql tests will fail"
        ]
    return [
        f"postgresql: {postgres_version(bin_dir)} from {bin_dir}, "
        "started on 127.0.0.1 when the first postgresql test needs it"
    ]


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    stats = config.stash.get(STATS, None)
    terminalreporter.section("postgresql", sep="-")
    if stats is None:
        terminalreporter.write_line("PostgreSQL was not started: no selected test needed it.")
        return
    if stats.failure is not None:
        terminalreporter.write_line(stats.failure, red=True, bold=True)
        return
    per_database = stats.create_seconds / stats.databases * 1000 if stats.databases else 0.0
    terminalreporter.write_line(
        f"PostgreSQL {stats.version} ran on 127.0.0.1:{stats.port}, started in "
        f"{stats.start_seconds:.2f} s; {stats.databases} test databases created "
        f"({per_database:.0f} ms each)"
    )
