"""Fixtures for a fan-out that the database may fail under: a network of members who are
all on Slack, one round inviting them all, the outbox sending through the fake Web API
(which keeps every conversation's history, as Slack does), and a database that a test can
take away for a moment at the database itself.

A module takes the fixtures it uses by name (`core = fan_out.core`, ...); they replace
the usual ones there: `database_url` is a database of its own, on a PostgreSQL
server of the module's own that can be stopped and started again.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Round
from bot.network_file import load_network_file
from bot.ports import UnitOfWorkFactory
from bot.services.network import load_network
from bot.services.rounds import RoundRequest
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from storage.migrate import upgrade
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.postgres import PostgresServer, postgres_bin_dir, start_postgres
from testing.slack_harness import SlackServer
from tests.app_fixtures import START
from tests.bot.outbox.test_send_pacing import PILLAR, member_email, slack_user_id, write_network
from tests.conftest import DATABASES, sqlite_url
from tests.inbreng.test_many_instances import delivered
from tests.support import OPERATOR, FakeClock

MEMBERS = 60


class RunningClock(FakeClock):
    """The services' clock, running at the pace of real time from `start` (claims run out
    as they would), and movable like the fake one."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self._started = time.monotonic()

    def now(self) -> datetime:
        return self.moment + timedelta(seconds=time.monotonic() - self._started)


class Outage:
    """The database goes away and comes back: PostgreSQL is stopped (connections cut, new
    ones refused) and started again; a SQLite file is locked by another connection, so
    that every write waits its busy timeout out and fails."""

    def __init__(self, url: str, server: PostgresServer | None) -> None:
        self._url = url
        self._server = server
        self._lock: sqlite3.Connection | None = None
        self._down = False

    def begin(self) -> None:
        self._down = True
        if self._server is not None:
            self._server.halt()
            return
        path = self._url.removeprefix("sqlite:///")
        self._lock = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock.execute("BEGIN EXCLUSIVE")

    def end(self) -> None:
        if not self._down:
            return
        self._down = False
        if self._server is not None:
            self._server.resume()
        elif self._lock is not None:
            self._lock.execute("COMMIT")
            self._lock.close()
            self._lock = None


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server this module may stop and start without disturbing others."""
    bin_dir = postgres_bin_dir()
    assert bin_dir is not None, "the PostgreSQL tests need the `postgresql` package"
    server = start_postgres(bin_dir)
    yield server
    server.stop()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "inbreng.db")
        upgrade(url)
        yield url
        return
    server: PostgresServer = request.getfixturevalue("own_postgres")
    name = server.create_database(template="template0")
    upgrade(server.url(name))
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def outage(request: pytest.FixtureRequest, database_url: str) -> Iterator[Outage]:
    server = None
    if database_url.startswith("postgresql"):
        server = request.getfixturevalue("own_postgres")
    taken = Outage(database_url, server)
    yield taken
    taken.end()  # whatever a failed test left


@pytest.fixture
def clock() -> RunningClock:
    return RunningClock(START)


@pytest.fixture
def core(
    uow_factory: UnitOfWorkFactory, clock: FakeClock, settings: Settings, tmp_path: Path
) -> Core:
    """The services on a network of `MEMBERS` members, each with a Slack account."""
    network_file = tmp_path / "network.json"
    write_network(network_file, members=MEMBERS)
    load_network(uow_factory, load_network_file(network_file))
    return build_core(uow_factory=uow_factory, settings=settings, clock=clock)


@pytest.fixture
def slack_api() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi(strict_users=True) as fake:
        for n in range(MEMBERS):
            fake.add_user(slack_user_id(n), member_email(n))
        yield fake


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


@pytest.fixture
def fan_out(core: Core, clock: FakeClock) -> Round:
    """A round open from now (Tuesday) until Wednesday next week, reminding two days
    before it closes (on Monday, a working day): an invitation for every member."""
    return core.rounds.create(
        RoundRequest(
            pillar_slug=PILLAR,
            meeting_title="Pijleroverleg",
            meeting_at=clock.now() + timedelta(days=14),
            closes_at=clock.now() + timedelta(days=8),
            reminders=(timedelta(days=2),),
        ),
        actor=OPERATOR,
    )


def posted(slack_api: FakeSlackWebApi) -> Counter[str]:
    """How often the message of each delivery (by its key) is in a member's DM."""
    return Counter(post.key for post in delivered(slack_api))
