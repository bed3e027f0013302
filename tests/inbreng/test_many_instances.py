"""Several `inbreng serve` processes on one PostgreSQL database share the outbox.

Real processes, a real PostgreSQL database and the fake Slack Web API on a loopback port:
a network of `MEMBERS` members is loaded and a round opened with the CLI while the
instances run, so every instance finds the invitations due at its next tick. Every member
must get exactly one invitation, also when one instance is killed (SIGKILL) in the middle
of the fan-out: its claims run out and a survivor takes them over, first looking in the
member's DM for the message the dead instance may already have posted.

The fake answers every Web API call after `LATENCY` seconds, so that sending takes a
while: both instances are sending at once, and a claimed row stays claimed long enough
for the test to see who holds it (a sent row no longer says who sent it).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import psycopg
import pytest

from adapters.slack.messenger import METADATA_TYPE
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.postgres import free_port
from testing.slack_harness import BOT_TOKEN, SIGNING_SECRET
from tests.inbreng.test_cli import INBRENG, inbreng, local, succeeded

pytestmark = pytest.mark.postgres

MEMBERS = 300
ORGANISATIONS = 12
PILLAR = "financien"
LATENCY = 0.05  # seconds per Web API call
TICK_SECONDS = 0.5
# How long a claim keeps a delivery from the other instances: what a dead instance held
# waits this long. It must outlast the slowest batch (50 deliveries) a live instance sends
# on a busy machine, about a second here: a claim that runs out under a live instance
# lets the other one send the same message.
CLAIM_SECONDS = 8
POLL_SECONDS = 0.005
START_TIMEOUT = 30.0
FINISH_TIMEOUT = 90.0  # an upper bound to wait, not an expectation
STOP_TIMEOUT = 20.0
VICTIM_CLAIMS = 10  # kill while the victim still holds at least this many unsent rows

UNFINISHED = ("pending", "claimed")


# --- the database -----------------------------------------------------------------------


class DeliveryState(NamedTuple):
    id: int
    user_id: str  # the member's Slack user id
    status: str
    claimed_by: str | None
    message_id: str | None
    attempts: int
    last_error: str | None


def delivery_states(connection: psycopg.Connection[Any]) -> list[DeliveryState]:
    rows = connection.execute(
        """
        SELECT d.id, i.user_id, d.status, d.claimed_by, d.platform_message_id,
               d.attempts, d.last_error
        FROM deliveries d JOIN identities i ON i.member_id = d.member_id
        WHERE i.platform = 'slack'
        ORDER BY d.id
        """
    ).fetchall()
    return [DeliveryState(*row) for row in rows]


def worker_pid(claimed_by: str) -> int:
    """The pid in a worker name, `host:pid:random`."""
    return int(claimed_by.rsplit(":", 2)[1])


@dataclass
class ClaimWatch:
    """What the test saw of the deliveries table while the instances worked: for each
    delivery, the pids of the instances seen holding its claim, the last one apart."""

    connection: psycopg.Connection[Any]
    holder: dict[int, int] = field(default_factory=dict)
    holders: dict[int, set[int]] = field(default_factory=dict)
    latest: list[DeliveryState] = field(default_factory=list)

    def look(self) -> list[DeliveryState]:
        self.latest = delivery_states(self.connection)
        for state in self.latest:
            if state.status == "claimed" and state.claimed_by is not None:
                pid = worker_pid(state.claimed_by)
                self.holder[state.id] = pid
                self.holders.setdefault(state.id, set()).add(pid)
        return self.latest

    def held_by(self, pid: int) -> list[int]:
        """Deliveries `pid` holds right now (as of the last look), still unsent."""
        return [
            s.id
            for s in self.latest
            if s.status == "claimed" and s.claimed_by and worker_pid(s.claimed_by) == pid
        ]

    def sent_by_now(self, pid: int) -> int:
        """How many deliveries `pid` was seen holding that are sent now."""
        return sum(1 for s in self.latest if s.status == "sent" and self.holder.get(s.id) == pid)

    def sent_by(self) -> Counter[int]:
        """Deliveries per pid last seen holding them: who sent them (a sent row no longer
        names its sender)."""
        return Counter(self.holder.values())

    def finished(self) -> bool:
        """Look again: is every delivery sent, dead or dropped?"""
        states = self.look()
        return bool(states) and not any(s.status in UNFINISHED for s in states)


# --- the network --------------------------------------------------------------------------


def slack_user_id(number: int) -> str:
    return f"UMANY{number:04d}"


def member_email(number: int) -> str:
    return f"lid{number:04d}@gemeente-{number % ORGANISATIONS}.example"


def write_network(path: Path) -> None:
    """`MEMBERS` members in `ORGANISATIONS` municipalities, each with a Slack user id, and
    one pillar without channels: the round's only messages are the invitations.
    (JSON is YAML, so the network file can be written with `json`.)"""
    network = {
        "network": {"name": "Netwerk van velen", "language": "nl"},
        "organisations": [
            {"slug": f"gemeente-{n}", "name": f"Gemeente {n}"} for n in range(ORGANISATIONS)
        ],
        "members": [
            {
                "email": member_email(n),
                "name": f"Lid {n}",
                "organisation": f"gemeente-{n % ORGANISATIONS}",
                "slack_user_id": slack_user_id(n),
            }
            for n in range(MEMBERS)
        ],
        "pillars": [
            {
                "slug": PILLAR,
                "name": "Financiën",
                "topics": [
                    {
                        "slug": "onderwijshuisvesting",
                        "name": "Onderwijshuisvesting",
                        "description": "Bouw en verduurzaming van schoolgebouwen.",
                    }
                ],
            }
        ],
    }
    path.write_text(json.dumps(network, ensure_ascii=False, indent=1), encoding="utf-8")


@pytest.fixture
def slack() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi(latency=LATENCY) as fake:
        for n in range(MEMBERS):
            fake.add_user(slack_user_id(n), member_email(n))
        yield fake


def load_network(url: str, tmp_path: Path) -> None:
    network_file = tmp_path / "network.yaml"
    write_network(network_file)
    succeeded(inbreng("network", "load", str(network_file), cwd=tmp_path, url=url))


def start_round(url: str, tmp_path: Path) -> subprocess.Popen[str]:
    """`inbreng rounds create`, opening a round now: one pending invitation per member.
    In the background, so that the test watches the deliveries table from the start."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBRENG_")}
    return subprocess.Popen(
        [
            *(str(INBRENG), "rounds", "create", "--pillar", PILLAR, "--meeting-at", local(8)),
            *("--opens-at", "now", "--closes-at", local(7), "--reminders", ""),
        ],
        cwd=tmp_path,
        env=env | {"INBRENG_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def check_created(creating: subprocess.Popen[str]) -> None:
    stdout, stderr = creating.communicate(timeout=START_TIMEOUT)
    assert creating.returncode == 0, f"stdout:\n{stdout}\nstderr:\n{stderr}"
    assert stdout.strip().splitlines()[-1].isdigit(), stdout


# --- the instances ------------------------------------------------------------------------


@dataclass
class Instance:
    """One `inbreng serve` process; what it writes goes to a file."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def log(self) -> str:
        """What the process wrote, without the scheduler's line for every tick."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(line for line in text.splitlines() if " apscheduler." not in line)

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if it does not stop in time."""
        if not self.running():
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve_environment(url: str, slack: FakeSlackWebApi, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBRENG_", "SLACK_"))}
    return env | {
        "INBRENG_DATABASE_URL": url,
        "INBRENG_PORT": str(port),
        "INBRENG_WORKING_HOURS": "always",
        "INBRENG_HOLIDAYS": "none",
        "INBRENG_TICK_SECONDS": str(TICK_SECONDS),
        "INBRENG_CLAIM_SECONDS": str(CLAIM_SECONDS),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
    }


def logs(instances: list[Instance]) -> str:
    """Every instance's log, for assertion messages."""
    return "\n".join(
        f"--- inbreng serve, pid {i.pid}, exit code {i.process.poll()} ---\n{i.log()}"
        for i in instances
    )


@contextmanager
def serving(
    count: int,
    url: str,
    slack: FakeSlackWebApi,
    tmp_path: Path,
    extra_env: dict[str, str] | None = None,
) -> Iterator[list[Instance]]:
    """`count` instances of `inbreng serve`, each answering /healthz; stopped at the end.
    `extra_env`: settings on top of `serve_environment`'s."""
    instances: list[Instance] = []
    try:
        for number in range(count):
            port = free_port()
            log_path = tmp_path / f"serve-{number}.log"
            with log_path.open("wb") as log:
                process = subprocess.Popen(
                    [str(INBRENG), "serve"],
                    cwd=tmp_path,
                    env=serve_environment(url, slack, port) | (extra_env or {}),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            instances.append(Instance(process=process, port=port, log_path=log_path))
        deadline = time.monotonic() + START_TIMEOUT
        while not all(i.healthy() for i in instances):
            assert all(i.running() for i in instances), logs(instances)
            assert time.monotonic() < deadline, f"not all instances started\n{logs(instances)}"
            time.sleep(POLL_SECONDS * 10)
        yield instances
    finally:
        for instance in instances:
            instance.stop()


def wait_for(
    done: Callable[[], bool],
    *,
    instances: list[Instance],
    what: str,
    timeout: float,
    creating: subprocess.Popen[str] | None = None,
) -> None:
    """Poll until `done()`; fail at once if one of `instances` exits meanwhile, or the
    `rounds create` run fails."""
    deadline = time.monotonic() + timeout
    while not done():
        for instance in instances:
            assert instance.running(), f"pid {instance.pid} exited\n{logs(instances)}"
        if creating is not None and creating.poll() not in (None, 0):
            check_created(creating)
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s\n{logs(instances)}"
        time.sleep(POLL_SECONDS)


# --- what Slack received ------------------------------------------------------------------


class Post(NamedTuple):
    """A message in a member's DM that carries a delivery's key."""

    key: str  # the delivery id, from the message metadata
    user_id: str
    ts: str


def delivered(slack: FakeSlackWebApi) -> list[Post]:
    """Every keyed message the fake stored, whoever posted it and whether or not its
    sender lived to read the answer."""
    posts = []
    for user_id in sorted(slack.users):
        for message in slack.messages(slack.dm_channel(user_id)):
            metadata = message.metadata or {}
            if metadata.get("event_type") == METADATA_TYPE:
                key = str(metadata["event_payload"]["key"])
                posts.append(Post(key=key, user_id=user_id, ts=message.ts))
    return posts


def posted_before_lookup(slack: FakeSlackWebApi) -> dict[str, bool]:
    """For each DM whose history the bot read: whether a keyed message had been posted
    there before (in the order the fake answered the calls)."""
    posted: set[str] = set()
    found: dict[str, bool] = {}
    for call in slack.calls:
        channel = str(call.params.get("channel"))
        if call.method == "chat.postMessage" and call.params.get("metadata"):
            posted.add(slack.dm_channel(channel) if channel in slack.users else channel)
        elif call.method == "conversations.history":
            found.setdefault(channel, channel in posted)
    return found


def check_exactly_once(
    states: list[DeliveryState], posts: list[Post], instances: list[Instance]
) -> None:
    """Every delivery sent, its member's DM holding its message once, and the row naming
    that message."""
    expected = {str(s.id): s.user_id for s in states}
    by_key = Counter(post.key for post in posts)
    by_user = Counter(post.user_id for post in posts)
    ts_of = {post.key: post.ts for post in posts}
    lost = sorted(key for key in expected if by_key[key] == 0)
    duplicates = sorted(key for key, count in by_key.items() if count > 1)
    members_twice = sorted(user for user, count in by_user.items() if count > 1)
    misdirected = [post for post in posts if expected.get(post.key) != post.user_id]
    unsent = [s for s in states if s.status != "sent"]
    wrong_id = [s for s in states if s.status == "sent" and s.message_id != ts_of.get(str(s.id))]
    summary = (
        f"lost={len(lost)} duplicates={len(duplicates)} members_twice={len(members_twice)} "
        f"misdirected={len(misdirected)} unsent={len(unsent)} wrong_id={len(wrong_id)}\n"
        f"lost: {lost[:20]}\nduplicates: {duplicates[:20]}\nmisdirected: {misdirected[:5]}\n"
        f"unsent: {unsent[:5]}\nwrong_id: {wrong_id[:5]}\n{logs(instances)}"
    )
    assert len(states) == MEMBERS, summary
    assert not (lost or duplicates or members_twice or misdirected), summary
    assert not (unsent or wrong_id), summary
    assert set(by_user) == {slack_user_id(n) for n in range(MEMBERS)}, summary


def report(line: str) -> None:
    """Figures of the run, shown with `pytest -s`."""
    print(f"\n{line}")


# --- the tests ----------------------------------------------------------------------------


def test_two_instances_send_every_invitation_once(
    postgresql_database_url: str, slack: FakeSlackWebApi, tmp_path: Path
) -> None:
    started = time.monotonic()
    load_network(postgresql_database_url, tmp_path)
    with (
        psycopg.connect(postgresql_database_url, autocommit=True) as connection,
        serving(2, postgresql_database_url, slack, tmp_path) as instances,
    ):
        watch = ClaimWatch(connection)
        creating = start_round(postgresql_database_url, tmp_path)
        wait_for(
            watch.finished,
            instances=instances,
            what="every invitation sent",
            timeout=FINISH_TIMEOUT,
            creating=creating,
        )
        check_created(creating)
        check_exactly_once(watch.latest, delivered(slack), instances)
        sent_by = watch.sent_by()
        assert all(sent_by[i.pid] > 0 for i in instances), f"{sent_by}\n{logs(instances)}"
        # Each marked sent once: no claim ran out under a live instance.
        again = [s for s in watch.latest if s.attempts != 1]
        assert not again, f"{again[:5]}\n{logs(instances)}"
    report(
        f"instances=2 deliveries={len(watch.latest)} "
        + " ".join(f"sent_by_{n}={sent_by[i.pid]}" for n, i in enumerate(instances))
        + f" unobserved={len(watch.latest) - sum(sent_by.values())}"
        + f" lookups={len(slack.calls_to('conversations.history'))}"
        + f" seconds={time.monotonic() - started:.1f}"
    )
    assert [i.process.returncode for i in instances] == [0, 0], logs(instances)


def test_a_killed_instance_loses_nothing_and_sends_nothing_twice(
    postgresql_database_url: str, slack: FakeSlackWebApi, tmp_path: Path
) -> None:
    started = time.monotonic()
    load_network(postgresql_database_url, tmp_path)
    with (
        psycopg.connect(postgresql_database_url, autocommit=True) as connection,
        serving(2, postgresql_database_url, slack, tmp_path) as instances,
    ):
        watch = ClaimWatch(connection)
        creating = start_round(postgresql_database_url, tmp_path)
        chosen: list[Instance] = []
        watch.look()
        stored = {post.key for post in delivered(slack)}

        def caught_posting() -> bool:
            """An instance that has sent some, holds more to send, and whose message has
            just reached Slack (since the last look, so well before its row can be marked
            sent), while the other one is sending too."""
            watch.look()
            keys = {post.key for post in delivered(slack)}
            fresh = keys - stored
            stored.update(keys)
            posters = Counter(watch.holder.get(int(key)) for key in keys)
            if not all(posters[i.pid] > 0 for i in instances):
                return False
            for instance in instances:
                mine = [key for key in fresh if watch.holder.get(int(key)) == instance.pid]
                holds = len(watch.held_by(instance.pid))
                if mine and holds >= VICTIM_CLAIMS and watch.sent_by_now(instance.pid):
                    chosen.append(instance)
                    return True
            return False

        wait_for(
            caught_posting,
            instances=instances,
            what="both instances sending",
            timeout=FINISH_TIMEOUT,
            creating=creating,
        )
        [victim] = chosen
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait()
        [survivor] = [i for i in instances if i is not victim]
        check_created(creating)

        # Left behind: what the victim held. (PostgreSQL may still run a commit the victim
        # sent just before it died, so a few of these may turn out sent by the victim.)
        watch.look()
        left = set(watch.held_by(victim.pid))
        wait_for(
            watch.finished,
            instances=[survivor],
            what="every invitation sent",
            timeout=FINISH_TIMEOUT,
        )
        check_exactly_once(watch.latest, delivered(slack), instances)

        resumed = {d for d in left if watch.holders[d] >= {victim.pid, survivor.pid}}
        dm_of = {s.id: slack.dm_channel(s.user_id) for s in watch.latest}
        lookups = posted_before_lookup(slack)
        not_looked_up = sorted(d for d in resumed if dm_of[d] not in lookups)
        found = {d for d in resumed if lookups.get(dm_of[d])}
        failure = (
            f"left={sorted(left)} resumed={sorted(resumed)} found={sorted(found)} "
            f"not_looked_up={not_looked_up}\n{logs(instances)}"
        )
        # The survivor took over what the victim left, looking in the member's DM first:
        assert resumed and not not_looked_up, failure
        # ... where it found a message the victim posted just before it died, which it
        # did not post again (checked above), and where it found nothing, so it posted.
        assert found, failure
        assert resumed - found, failure
        sent_by = watch.sent_by()
    report(
        f"instances=2 deliveries={len(watch.latest)} victim_sent={sent_by[victim.pid]} "
        f"survivor_sent={sent_by[survivor.pid]} left={len(left)} resumed={len(resumed)} "
        f"found_in_history={len(found)} resent={len(resumed - found)} "
        f"lookups={len(slack.calls_to('conversations.history'))} "
        f"lost=0 duplicates=0 seconds={time.monotonic() - started:.1f}"
    )
    assert survivor.process.returncode == 0, logs(instances)
