"""When the database falters: every wait has a bound, /readyz tells, the log stays short.

Real `inbreng serve` processes against real faults: a port that accepts connections and
never answers, a SQLite file that cannot be written, a PostgreSQL server stopped and
started again, a table locked by another connection. Slack and Teams are off: these
routes and the scheduler are all that runs."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import make_url

from storage.migrate import upgrade
from testing.postgres import PostgresServer, free_port, postgres_bin_dir, start_postgres
from tests.inbreng.test_cli import INBRENG
from tests.inbreng.test_many_instances import Instance, wait_for

START_TIMEOUT = 60.0  # upper bounds to wait, not expectations
FAULT_TIMEOUT = 60.0
RUN_TIMEOUT = 120.0
TICK_SECONDS = 0.2
SCRAPES = 10  # more than the server's 8 database threads


# --- a database that never answers ----------------------------------------------------------


@contextmanager
def black_hole() -> Iterator[int]:
    """A loopback port that accepts connections and never says a word; its port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stopping = threading.Event()

    def accept() -> None:
        while not stopping.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stopping.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def environment(url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBRENG_", "SLACK_"))}
    return env | {
        "INBRENG_DATABASE_URL": url,
        "INBRENG_LANGUAGE": "en",
        "INBRENG_LOG_FORMAT": "text",
        "INBRENG_WORKING_HOURS": "always",
        "INBRENG_HOLIDAYS": "none",
        "INBRENG_TICK_SECONDS": str(TICK_SECONDS),
        **{f"INBRENG_{name.upper()}": value for name, value in settings.items()},
    }


def test_serve_gives_up_on_a_database_that_never_answers_in_one_line(tmp_path: Path) -> None:
    with black_hole() as port:
        url = f"postgresql://inbreng:s3cret-pw@127.0.0.1:{port}/inbreng"
        env = environment(
            url, port=str(free_port()), database_start_seconds="3", database_connect_timeout="2"
        )
        result = subprocess.run(
            [str(INBRENG), "serve", "--migrate"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,  # the test's own bound: the command hanging fails it
            check=False,
        )
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "s3cret-pw" not in result.stderr
    attempts = [line for line in lines if "database not reachable (attempt" in line]
    assert attempts and "attempt 1," in attempts[0], result.stderr
    assert lines[-1].startswith("The database did not answer within 3 s ("), result.stderr
    assert len(lines) == len(attempts) + 1, result.stderr  # nothing but those


def test_doctor_reports_a_database_that_never_answers(tmp_path: Path) -> None:
    with black_hole() as port:
        url = f"postgresql://inbreng@127.0.0.1:{port}/inbreng"
        result = subprocess.run(
            [str(INBRENG), "doctor"],
            cwd=tmp_path,
            env=environment(url, database_connect_timeout="2"),
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
            check=False,
        )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output
    assert f"cannot connect to postgresql://inbreng@127.0.0.1:{port}/inbreng" in output


# --- a server to watch ------------------------------------------------------------------------


@contextmanager
def serving(url: str, tmp_path: Path) -> Iterator[Instance]:
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(INBRENG), "serve"],
            cwd=tmp_path,
            env=environment(url, port=str(port)),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    instance = Instance(process=process, port=port, log_path=log_path)
    try:
        wait_for(instance.healthy, instances=[instance], what="serve", timeout=START_TIMEOUT)
        yield instance
    finally:
        instance.stop()


def get(instance: Instance, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(
            f"http://127.0.0.1:{instance.port}{path}", timeout=RUN_TIMEOUT
        ) as response:
            return int(response.status), response.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


def readyz(instance: Instance) -> tuple[int, dict[str, Any]]:
    status, body = get(instance, "/readyz")
    return status, json.loads(body)


def gauges(instance: Instance) -> dict[str, float]:
    status, body = get(instance, "/metrics")
    assert status == 200
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
        if not sample.labels
    }


def until(instance: Instance, what: str, done: Callable[[], bool]) -> None:
    wait_for(done, instances=[instance], what=what, timeout=FAULT_TIMEOUT)


def lines_with(instance: Instance, text: str) -> list[str]:
    return [line for line in instance.log().splitlines() if text in line]


# --- a SQLite file that cannot be written -----------------------------------------------------


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` cannot be opened for writing, by anyone: immutable for root (who ignores
    permissions), read-only for everyone else."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)


def test_readyz_says_whether_the_sqlite_file_can_be_written(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    file = Path(make_url(sqlite_database_url).database or "")
    with serving(sqlite_database_url, tmp_path) as instance:
        assert readyz(instance) == (200, {"status": "ready"})
        assert gauges(instance)["inbreng_database_up"] == 1
        with read_only(file):
            until(instance, "/readyz 503", lambda: readyz(instance)[0] == 503)
            assert readyz(instance) == (503, {"status": "unavailable", "reason": "read_only"})
            assert get(instance, "/healthz")[0] == 200  # the process lives
            assert gauges(instance)["inbreng_database_up"] == 0
        until(instance, "/readyz 200 again", lambda: readyz(instance)[0] == 200)
        assert gauges(instance)["inbreng_database_up"] == 1
        log = instance.log()
    assert len(lines_with(instance, "database write probe: fault started: read_only")) == 1, log
    assert len(lines_with(instance, "database write probe: fault ended")) == 1, log


# --- PostgreSQL stopped and started again ------------------------------------------------------


@pytest.fixture
def own_postgresql() -> Iterator[PostgresServer]:
    """A PostgreSQL server of this test's own, to stop and start."""
    bin_dir = postgres_bin_dir()
    assert bin_dir is not None, "no PostgreSQL binaries (the `postgresql` package)"
    server = start_postgres(bin_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.mark.postgres
def test_serve_waits_for_a_database_that_comes_up_while_it_starts(
    own_postgresql: PostgresServer, tmp_path: Path
) -> None:
    own_postgresql.admin.execute("CREATE DATABASE inbreng")
    url = own_postgresql.url("inbreng")
    upgrade(url)
    own_postgresql.halt()
    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as output:
        process = subprocess.Popen(
            [str(INBRENG), "serve"],
            cwd=tmp_path,
            env=environment(url, port=str(port)),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    instance = Instance(process=process, port=port, log_path=log_path)
    try:
        until(instance, "a first attempt", lambda: bool(lines_with(instance, "(attempt 1,")))
        own_postgresql.resume()
        until(instance, "serving", instance.healthy)
        assert readyz(instance)[0] == 200
    finally:
        instance.stop()
    log = instance.log()
    assert len(lines_with(instance, "database reachable after")) == 1, log
    assert "Traceback" not in log


@pytest.mark.postgres
def test_postgresql_stopped_and_started_is_one_fault_in_the_log_and_on_readyz(
    own_postgresql: PostgresServer, tmp_path: Path
) -> None:
    own_postgresql.admin.execute("CREATE DATABASE inbreng")
    url = own_postgresql.url("inbreng")
    upgrade(url)
    with serving(url, tmp_path) as instance:
        assert readyz(instance)[0] == 200
        own_postgresql.halt()
        until(instance, "/readyz 503", lambda: readyz(instance)[0] == 503)
        assert readyz(instance)[1]["status"] == "unavailable"
        assert get(instance, "/healthz")[0] == 200
        assert gauges(instance)["inbreng_database_up"] == 0
        until(
            instance, "a failed tick", lambda: bool(lines_with(instance, "rounds: fault started"))
        )
        ticked = gauges(instance)["inbreng_scheduler_last_tick_timestamp_seconds"]
        # Several more ticks fail while the database is away.
        until(
            instance,
            "ten more ticks",
            lambda: (
                gauges(instance)["inbreng_scheduler_last_tick_timestamp_seconds"]
                > ticked + 10 * TICK_SECONDS
            ),
        )
        own_postgresql.resume()
        until(instance, "/readyz 200 again", lambda: readyz(instance)[0] == 200)
        until(instance, "a good tick", lambda: bool(lines_with(instance, "rounds: fault ended")))
        until(instance, "counts again", lambda: gauges(instance)["inbreng_database_counts_up"] == 1)
        log = instance.log()
    assert "Traceback" not in log
    assert len(lines_with(instance, "rounds: fault started")) == 1, log
    assert len(lines_with(instance, "rounds: fault ended")) == 1, log
    assert len(lines_with(instance, "database write probe: fault started")) == 1, log
    assert len(lines_with(instance, "database write probe: fault ended")) == 1, log
    assert len(lines_with(instance, "for /metrics: fault started")) == 1, log
    assert len(lines_with(instance, "for /metrics: fault ended")) == 1, log


# --- a locked table ---------------------------------------------------------------------------


@contextmanager
def locked(url: str) -> Iterator[None]:
    """Another connection holds a lock: on PostgreSQL the deliveries table, against
    readers too; on SQLite the file, against writers (readers of a WAL file go on)."""
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
        locker.execute("LOCK TABLE deliveries IN ACCESS EXCLUSIVE MODE")
        yield
        locker.rollback()


def test_metrics_answers_while_the_database_is_locked(database_url: str, tmp_path: Path) -> None:
    sqlite = make_url(database_url).get_backend_name() == "sqlite"
    with serving(database_url, tmp_path) as instance:
        assert gauges(instance)["inbreng_database_counts_up"] == 1
        # The lock's holder waits for nothing; the server's bounds end the waits.
        held = "inbreng_database_up" if sqlite else "inbreng_database_counts_up"
        with locked(database_url), ThreadPoolExecutor(SCRAPES) as scrapers:
            # The write probe's last answer is kept a moment.
            until(instance, "the lock noticed", lambda: gauges(instance)[held] == 0)
            scraped = list(scrapers.map(lambda _: gauges(instance), range(SCRAPES)))
            ready = readyz(instance)
        for figures in scraped:
            if sqlite:  # the counts are read; the write probe waits for the lock in vain
                assert figures["inbreng_database_up"] == 0
                assert figures["inbreng_database_counts_up"] == 1
            else:  # the write probe needs no deliveries; the counts wait in vain
                assert figures["inbreng_database_up"] == 1
                assert figures["inbreng_database_counts_up"] == 0
                assert "inbreng_deliveries_due" not in figures
        assert ready == (
            (503, {"status": "unavailable", "reason": "timeout"})
            if sqlite
            else (
                200,
                {"status": "ready"},
            )
        )
        until(
            instance,
            "counts again",
            lambda: (
                (figures := gauges(instance))["inbreng_database_counts_up"] == 1
                and figures["inbreng_database_up"] == 1
            ),
        )
        log = instance.log()
    assert "Traceback" not in log
