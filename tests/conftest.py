"""Database fixtures: every storage test runs on a real SQLite file and a real PostgreSQL.

The PostgreSQL server is started by the test set-up itself, from the binaries of the
`postgresql` package, in a throwaway directory on a free loopback port; it starts when
the first test needs it and stops at the end of the session. If it cannot start, the
session stops with an error: a PostgreSQL run is never skipped silently.

Fixtures:
- `database_url` (sqlite, postgresql): a fresh database, migrated to head, per test;
- `sqlite_database_url`: the same on SQLite only;
- `empty_database_url` (sqlite, postgresql): a database without any table;
- `uow_factory`: `Database(database_url).unit_of_work`, i.e. a `UnitOfWorkFactory`.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from bot.ports import UnitOfWorkFactory
from storage.database import Database
from storage.migrate import upgrade

pytest_plugins = ["tests.app_fixtures", "tests.slack_fixtures"]

POSTGRES_GLOB = "/usr/lib/postgresql/*/bin"
POSTGRES_ROLE = "inbreng"
TEMPLATE_DATABASE = "inbreng_template"
START_TIMEOUT_SECONDS = 30.0

DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


# --- the PostgreSQL server -----------------------------------------------------------


class PostgresStartError(RuntimeError):
    pass


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


def postgres_bin_dir() -> Path | None:
    """The newest installed PostgreSQL's binaries, else the ones on PATH, else None."""

    def version(bin_dir: Path) -> tuple[int, ...]:
        parts = bin_dir.parent.name.split(".")
        return tuple(int(part) for part in parts) if all(p.isdigit() for p in parts) else ()

    installed = [
        path
        for path in map(Path, glob.glob(POSTGRES_GLOB))
        if (path / "postgres").exists() and (path / "initdb").exists()
    ]
    if installed:
        return max(installed, key=version)
    on_path = shutil.which("initdb")
    if on_path is not None and (Path(on_path).resolve().parent / "postgres").exists():
        return Path(on_path).resolve().parent
    return None


def postgres_version(bin_dir: Path) -> str:
    completed = subprocess.run(
        [bin_dir / "postgres", "--version"], capture_output=True, text=True, check=False
    )
    return completed.stdout.strip() or completed.stderr.strip()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class PostgresServer:
    """A private PostgreSQL server with a trusted superuser role `inbreng`."""

    bin_dir: Path
    directory: Path
    process: subprocess.Popen[bytes]
    port: int
    admin: psycopg.Connection[Any]
    names: Iterator[int] = field(default_factory=itertools.count)

    def url(self, database: str) -> str:
        # Plain `postgresql://`, on purpose: the storage layer picks the driver.
        return f"postgresql://{POSTGRES_ROLE}@127.0.0.1:{self.port}/{database}"

    def version(self) -> str:
        row = self.admin.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    def create_database(self, *, template: str) -> str:
        name = f"t_{next(self.names)}"
        self.admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(name), sql.Identifier(template)
            )
        )
        return name

    def drop_database(self, name: str) -> None:
        # FORCE: a test that leaked a connection must not break the ones after it.
        self.admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )

    def stop(self) -> None:
        self.admin.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.directory, ignore_errors=True)


def unprivileged_user() -> pwd.struct_passwd | None:
    """Who runs PostgreSQL when the tests run as root (it refuses root); else None."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PostgresStartError("running as root, and there is no 'postgres' or 'nobody' user")


def server_parent_directory(user: pwd.struct_passwd | None) -> str | None:
    """Where the throwaway server lives; None for the usual temporary directory.

    In memory when possible: creating a database per test is ten times faster there.
    As root, a directory that every user can traverse, since the server runs as `user`.
    """
    shared_memory = Path("/dev/shm")
    if shared_memory.is_dir() and os.access(shared_memory, os.W_OK | os.X_OK):
        return str(shared_memory)
    return "/tmp" if user is not None else None


def start_postgres(bin_dir: Path) -> PostgresServer:
    user = unprivileged_user()
    directory = Path(tempfile.mkdtemp(prefix="inbreng-pg-", dir=server_parent_directory(user)))
    try:
        return _start_in(bin_dir, directory, user)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise


def _start_in(bin_dir: Path, directory: Path, user: pwd.struct_passwd | None) -> PostgresServer:
    data = directory / "data"
    sockets = directory / "sockets"
    sockets.mkdir(mode=0o700)
    as_user: dict[str, Any] = {}
    if user is not None:
        for path in (directory, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
        # Like `runuser -u USER --`: the child drops to the user before exec.
        as_user = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    initdb = subprocess.run(
        [
            bin_dir / "initdb",
            *("-D", str(data), "-U", POSTGRES_ROLE, "--auth=trust"),
            *("-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"),
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        **as_user,
    )
    if initdb.returncode != 0:
        raise PostgresStartError(f"initdb failed:\n{initdb.stdout}{initdb.stderr}")

    port = free_port()
    log_path = directory / "postgres.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                bin_dir / "postgres",
                *("-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(sockets)),
                # Durability is worthless for a throwaway test server; speed is not.
                *("-c", "fsync=off", "-c", "synchronous_commit=off"),
                *("-c", "full_page_writes=off"),
            ],
            cwd=directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            **as_user,
        )
    try:
        admin = wait_until_ready(process, port, log_path)
    except BaseException:
        if process.poll() is None:
            process.kill()
            process.wait()
        raise
    return PostgresServer(
        bin_dir=bin_dir, directory=directory, process=process, port=port, admin=admin
    )


def wait_until_ready(
    process: subprocess.Popen[bytes], port: int, log_path: Path
) -> psycopg.Connection[Any]:
    """An autocommit connection to the new server, once it accepts one."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if process.poll() is not None:
            raise PostgresStartError(
                f"postgres exited with code {process.returncode}:\n{log_path.read_text()}"
            )
        try:
            return psycopg.connect(
                f"postgresql://{POSTGRES_ROLE}@127.0.0.1:{port}/postgres",
                autocommit=True,
                connect_timeout=2,
            )
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise PostgresStartError(
                    f"postgres did not accept connections within {START_TIMEOUT_SECONDS} s:\n"
                    f"{log_path.read_text()}"
                ) from None
            time.sleep(0.05)


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
