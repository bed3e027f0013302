"""A private, throwaway PostgreSQL server, for the tests and the benchmarks.

`start_postgres(bin_dir)` runs the binaries of the `postgresql` package (found by
`postgres_bin_dir()`) in a temporary directory on a free loopback port, with a trusted
superuser role `inbreng`, durability off; `PostgresServer.stop()` stops it and removes the
directory. PostgreSQL refuses to run as root: as root, the server runs as the `postgres`
user (or `nobody`).

    bin_dir = postgres_bin_dir()
    server = start_postgres(bin_dir)
    try:
        server.admin.execute("CREATE DATABASE bench")
        url = server.url("bench")
    finally:
        server.stop()
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
from psycopg import sql

POSTGRES_GLOB = "/usr/lib/postgresql/*/bin"
POSTGRES_ROLE = "inbreng"
START_TIMEOUT_SECONDS = 30.0


class PostgresStartError(RuntimeError):
    """The server could not be found, initialised or started; the message says why."""


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
        self.halt()
        shutil.rmtree(self.directory, ignore_errors=True)

    def halt(self) -> None:
        """Stop the server as an outage would, keeping its data (`resume` starts it again):
        its connections are cut and new ones are refused."""
        self.admin.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def resume(self) -> None:
        """Start a halted server again, on the same port with the same data."""
        self.process = _spawn(self.bin_dir, self.directory, self.port, _as_user())
        self.admin = wait_until_ready(self.process, self.port, self.directory / "postgres.log")


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
    process = _spawn(bin_dir, directory, port, as_user)
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


def _spawn(
    bin_dir: Path, directory: Path, port: int, as_user: dict[str, Any]
) -> subprocess.Popen[bytes]:
    with (directory / "postgres.log").open("ab") as log:
        return subprocess.Popen(
            [
                bin_dir / "postgres",
                *("-D", str(directory / "data"), "-p", str(port), "-h", "127.0.0.1"),
                *("-k", str(directory / "sockets")),
                # Durability is worthless for a throwaway test server; speed is not.
                *("-c", "fsync=off", "-c", "synchronous_commit=off"),
                *("-c", "full_page_writes=off"),
            ],
            cwd=directory,
            stdout=log,
            stderr=subprocess.STDOUT,
            **as_user,
        )


def _as_user() -> dict[str, Any]:
    user = unprivileged_user()
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


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


__all__ = [
    "POSTGRES_GLOB",
    "POSTGRES_ROLE",
    "PostgresServer",
    "PostgresStartError",
    "free_port",
    "postgres_bin_dir",
    "postgres_version",
    "start_postgres",
]
