"""Inviting every member of a large network through a rate-limited, faulty Slack.

One round asks N members (default 5000) for input; `inbreng serve` sends the invitations
through the fake Slack Web API from `testing/fakes`, with Slack's published rate limits on
(chat.postMessage: about one message a second per channel, and a workspace-wide cap of
`--workspace-per-minute`) and random faults on (429s, 5xx before the message is posted,
5xx after it was posted), seeded. Two set-ups, side by side: one server on SQLite, and
two servers sharing one PostgreSQL (a private server, started by `testing/postgres.py`).
A third sends the same round through Teams: one server on SQLite, the fake Bot Framework
connector enforcing Teams' published rate limits (per conversation, and 50 calls a second
for the app); each invitation creates the member's personal chat and sends to it.

The clock runs from starting the servers until the database holds no delivery that is
still pending or claimed (by then every member's DM holds the invitation, or the
delivery gave up); `reached` is when the last member first had an invitation. A few
seconds later the servers stop and the DMs are counted: lost (a member without an
invitation) and duplicates (invitations beyond one per member; the same delivery posted
twice counts too). `floor_seconds` is the least time the rate limits allow for one DM to
each member, from the first post to the last; `ratio` is seconds over floor_seconds.
For Teams the clock starts when the round opens (the bot must be in a team first).

Run: `.venv/bin/python -m bench.fanout [--members N] [--only sqlite|postgresql|teams]`.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import text

from storage.database import create_database_engine
from testing.fakes.slack_web_api import FakeSlackWebApi, Rate, SlackFaults, SlackLimits
from testing.fakes.teams_connector import FakeTeamsConnector, TeamsLimits, personal_chat
from testing.postgres import PostgresServer, free_port, postgres_bin_dir, start_postgres
from testing.teams_harness import team_install

INBRENG = [sys.executable, "-c", "from inbreng.cli.main import run; run()"]
ORGANISATIONS = 350
PILLAR = "financien"
PILLAR_CHANNEL = "C0BENCHFIN"
METADATA_TYPE = "inbreng_delivery"
UNSETTLED = ("pending", "claimed")
START_TIMEOUT_SECONDS = 60.0
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Setup:
    name: str  # sqlite | postgresql
    servers: int


SETUPS = (Setup("sqlite", servers=1), Setup("postgresql", servers=2), Setup("teams", servers=1))


@dataclass(frozen=True)
class Outcome:
    setup: Setup
    members: int
    seconds: float
    settled: bool  # False: stopped by --timeout
    reached_seconds: float | None  # until every member had an invitation; None: never
    floor_seconds: float
    invitations: int  # posted invitation messages, duplicates included
    lost: int
    duplicates: int  # beyond one invitation per member
    duplicate_ids: int  # beyond one message per delivery id
    statuses: Counter[str]  # deliveries by status at the end
    faults: Counter[str]  # injected: ratelimited, error_before, error_after
    limited: int  # refused by the rate limits
    peak_mb: float  # the largest server process
    cpu_seconds: float  # used by the servers together, until the clock stopped

    @property
    def per_second(self) -> float:
        return self.invitations / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds if self.floor_seconds else 0.0


def network_file(path: Path, members: int, *, teams: bool = False) -> list[tuple[str, str]]:
    """Write a network of `members` members in ORGANISATIONS municipalities, all following
    the one pillar; returns their (Slack or Teams user id, e-mail)."""
    organisations = [
        {"slug": f"gemeente-{n:03d}", "name": f"Gemeente {n:03d}"} for n in range(ORGANISATIONS)
    ]
    people = [
        {
            "email": f"lid{n:05d}@{organisations[n % ORGANISATIONS]['slug']}.example",
            "name": f"Lid {n:05d}",
            "organisation": organisations[n % ORGANISATIONS]["slug"],
            **({"teams_user_id": f"29:{n:08d}"} if teams else {"slack_user_id": f"U{n:08d}"}),
        }
        for n in range(members)
    ]
    network = {
        "network": {"name": "Benchmarknetwerk", "language": "nl", "timezone": "Europe/Amsterdam"},
        "organisations": organisations,
        "members": people,
        "pillars": [
            {
                "slug": PILLAR,
                "name": "Financiën",
                "channels": {"slack": PILLAR_CHANNEL},
                "topics": [
                    {
                        "slug": "gemeentefonds",
                        "name": "Gemeentefonds",
                        "description": "Algemene uitkering, ravijnjaar en financiële ruimte.",
                    }
                ],
            }
        ],
    }
    path.write_text(yaml.safe_dump(network, allow_unicode=True, sort_keys=False), "utf-8")
    user_key = "teams_user_id" if teams else "slack_user_id"
    return [(str(p[user_key]), str(p["email"])) for p in people]


def inbreng(*arguments: str, env: dict[str, str]) -> str:
    """Run the command line; its output, or SystemExit with its errors."""
    completed = subprocess.run(
        [*INBRENG, *arguments],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(
            f"inbreng {' '.join(arguments)} failed ({completed.returncode}):\n"
            f"{completed.stdout}{completed.stderr}"
        )
    return completed.stdout


def prepare(
    database_url: str, directory: Path, members: int, *, teams: bool = False
) -> list[tuple[str, str]]:
    """Schema, network and (for Slack) an open round, whose invitations wait in the
    database."""
    env = {"INBRENG_DATABASE_URL": database_url}
    path = directory / "network.yaml"
    users = network_file(path, members, teams=teams)
    inbreng("db", "upgrade", env=env)
    inbreng("network", "load", str(path), env=env)
    if not teams:
        open_round(env)
    return users


def open_round(env: dict[str, str]) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    inbreng(
        *("rounds", "create", "--pillar", PILLAR, "--opens-at", "now"),
        *("--meeting-at", (now + timedelta(days=30)).isoformat()),
        *("--closes-at", (now + timedelta(days=28)).isoformat()),
        env=env,
    )


@contextmanager
def serve(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`inbreng serve` until the context ends (SIGTERM); its output goes to `log_path`."""
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*INBRENG, "serve"], env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_healthy(process: subprocess.Popen[bytes], port: int, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"inbreng serve did not start:\n{tail(log_path)}") from None
            time.sleep(0.1)


def tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """User and system CPU time the process used so far; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_mb(process: subprocess.Popen[bytes]) -> float:
    """The process's peak resident set (VmHWM), in MB; 0 when it is gone."""
    try:
        status = Path(f"/proc/{process.pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def delivery_statuses(engine: Any) -> Counter[str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT status, count(*) FROM deliveries GROUP BY status"))
        return Counter({str(status): int(count) for status, count in rows})


def invitations(slack: FakeSlackWebApi) -> dict[str, list[str]]:
    """The delivery ids of the bot's messages, per DM channel."""
    by_id = slack.metadata_values(METADATA_TYPE, "delivery_id")
    # The same messages, for a bot that names the delivery `key` rather than `delivery_id`.
    by_key = slack.metadata_values(METADATA_TYPE, "key")
    return {
        channel: [
            str(value if value is not None else key)
            for value, key in zip(values, by_key[channel], strict=True)
        ]
        for channel, values in by_id.items()
        if channel.startswith("D")
    }


def run_setup(
    setup: Setup, args: argparse.Namespace, stack: ExitStack, postgres: PostgresServer | None
) -> Outcome:
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="inbreng-fanout-")))
    if postgres is None:
        database_url = f"sqlite:///{directory}/bench.db"
    else:
        postgres.admin.execute("CREATE DATABASE fanout")
        database_url = postgres.url("fanout")
    users = prepare(database_url, directory, args.members)
    limits = SlackLimits(
        post_per_workspace=Rate(per_minute=args.workspace_per_minute, burst=args.workspace_burst)
    )
    faults = SlackFaults(
        ratelimited=args.fault_rate,
        error_before=args.fault_rate,
        error_after=args.fault_rate,
        seed=args.seed,
    )
    slack = stack.enter_context(FakeSlackWebApi(limits=limits, faults=faults, strict_users=True))
    for user_id, email in users:
        slack.add_user(user_id, email)
    floor = limits.floor_seconds({slack.dm_channel(user_id): 1 for user_id, _ in users})
    engine = create_database_engine(database_url)
    stack.callback(engine.dispose)

    env = {
        "INBRENG_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": "bench",
        "SLACK_API_URL": slack.url,
        "INBRENG_WORKING_HOURS": "always",
        "INBRENG_HOLIDAYS": "none",
        "INBRENG_TICK_SECONDS": "1",
    }
    with ExitStack() as running:
        started = time.monotonic()
        servers: list[tuple[subprocess.Popen[bytes], int, Path]] = []
        for number in range(setup.servers):
            port = free_port()
            log_path = directory / f"serve-{number}.log"
            process = running.enter_context(serve({**env, "INBRENG_PORT": str(port)}, log_path))
            servers.append((process, port, log_path))
        for process, port, log_path in servers:
            wait_until_healthy(process, port, log_path)
        settled, reached_seconds = False, None
        while time.monotonic() - started < args.timeout:
            if reached_seconds is None and len(invitations(slack)) == len(users):
                reached_seconds = time.monotonic() - started
            statuses = delivery_statuses(engine)
            if statuses and not any(statuses[status] for status in UNSETTLED):
                settled = True
                break
            for process, _, log_path in servers:
                if process.poll() is not None:
                    raise SystemExit(f"inbreng serve stopped:\n{tail(log_path)}")
            time.sleep(POLL_SECONDS)
        seconds = time.monotonic() - started
        cpu = sum(cpu_seconds(process) for process, _, _ in servers)
        time.sleep(args.settle)  # late duplicates count too
        peak = max(peak_mb(process) for process, _, _ in servers)
    # The servers have stopped: nothing arrives while counting.
    statuses = delivery_statuses(engine)
    received = invitations(slack)
    per_member = [len(received.get(slack.dm_channel(user_id), [])) for user_id, _ in users]
    ids = Counter(delivery for found in received.values() for delivery in found)
    calls = slack.calls
    return Outcome(
        setup=setup,
        members=len(users),
        seconds=seconds,
        settled=settled,
        reached_seconds=reached_seconds,
        floor_seconds=floor,
        invitations=sum(per_member),
        lost=sum(1 for count in per_member if count == 0),
        duplicates=sum(count - 1 for count in per_member if count > 1),
        duplicate_ids=sum(count - 1 for count in ids.values() if count > 1),
        statuses=statuses,
        faults=Counter(call.fault for call in calls if call.fault is not None),
        limited=sum(1 for call in calls if call.limited),
        peak_mb=peak,
        cpu_seconds=cpu,
    )


def run_teams_setup(setup: Setup, args: argparse.Namespace, stack: ExitStack) -> Outcome:
    """The round through Teams: the bot is added to a team, then the round opens."""
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="inbreng-fanout-")))
    database_url = f"sqlite:///{directory}/bench.db"
    users = prepare(database_url, directory, args.members, teams=True)
    limits = TeamsLimits()
    connector = stack.enter_context(FakeTeamsConnector(limits=limits))
    for user_id, email in users:
        connector.add_user(user_id, name=email.split("@", 1)[0], email=email)
    chats = [personal_chat(user_id) for user_id, _ in users]
    floor = limits.floor_seconds(
        {f"{kind}:{chat}": 1 for chat in chats for kind in ("create", "send")}
    )
    engine = create_database_engine(database_url)
    stack.callback(engine.dispose)
    port = free_port()
    env = {
        "INBRENG_DATABASE_URL": database_url,
        "INBRENG_TEAMS_EMULATOR": "true",
        "INBRENG_WORKING_HOURS": "always",
        "INBRENG_HOLIDAYS": "none",
        "INBRENG_TICK_SECONDS": "1",
        "INBRENG_PORT": str(port),
    }
    log_path = directory / "serve-0.log"
    with serve(env, log_path) as process:
        wait_until_healthy(process, port, log_path)
        install = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/messages",
            data=json.dumps(team_install(connector.url)).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(install, timeout=10):
            pass
        started = time.monotonic()
        open_round({"INBRENG_DATABASE_URL": database_url})
        settled, reached_seconds = False, None
        while time.monotonic() - started < args.timeout:
            if reached_seconds is None and all(connector.activities(chat) for chat in chats):
                reached_seconds = time.monotonic() - started
            statuses = delivery_statuses(engine)
            if statuses and not any(statuses[status] for status in UNSETTLED):
                settled = True
                break
            if process.poll() is not None:
                raise SystemExit(f"inbreng serve stopped:\n{tail(log_path)}")
            time.sleep(POLL_SECONDS)
        seconds = time.monotonic() - started
        cpu = cpu_seconds(process)
        time.sleep(args.settle)
        peak = peak_mb(process)
    per_member = [len(connector.activities(chat)) for chat in chats]
    return Outcome(
        setup=setup,
        members=len(users),
        seconds=seconds,
        settled=settled,
        reached_seconds=reached_seconds,
        floor_seconds=floor,
        invitations=sum(per_member),
        lost=sum(1 for count in per_member if count == 0),
        duplicates=sum(count - 1 for count in per_member if count > 1),
        duplicate_ids=0,  # Teams messages carry no delivery id; duplicates says it all
        statuses=delivery_statuses(engine),
        faults=Counter(),
        limited=sum(1 for call in connector.calls if call.limited),
        peak_mb=peak,
        cpu_seconds=cpu,
    )


def print_table(outcomes: list[Outcome]) -> None:
    header = (
        f"{'config':<16} {'members':>7} {'seconds':>8} {'reached':>8} {'floor_s':>8} "
        f"{'ratio':>6} {'msgs/s':>7} "
        f"{'lost':>5} {'dup':>4} {'dup_id':>6} {'dead':>5} {'429 lim':>7} {'429 inj':>7} "
        f"{'5xx bef':>7} {'5xx aft':>7} {'peak_mb':>8} {'cpu_s':>6}"
    )
    print(header)
    for outcome in outcomes:
        name = f"{outcome.setup.name} x{outcome.setup.servers}"
        seconds = f"{outcome.seconds:.1f}" + ("" if outcome.settled else "!")
        reached = "-" if outcome.reached_seconds is None else f"{outcome.reached_seconds:.1f}"
        print(
            f"{name:<16} {outcome.members:>7} {seconds:>8} {reached:>8} "
            f"{outcome.floor_seconds:>8.1f} {outcome.ratio:>6.2f} "
            f"{outcome.per_second:>7.1f} {outcome.lost:>5} {outcome.duplicates:>4} "
            f"{outcome.duplicate_ids:>6} {outcome.statuses['dead']:>5} {outcome.limited:>7} "
            f"{outcome.faults['ratelimited']:>7} {outcome.faults['error_before']:>7} "
            f"{outcome.faults['error_after']:>7} {outcome.peak_mb:>8.1f} "
            f"{outcome.cpu_seconds:>6.1f}"
        )
    print(
        "seconds: from starting the servers until no delivery is pending or claimed; "
        "reached: until every member had an invitation; floor_s: the least the rate "
        "limits allow; ratio: seconds / floor_s; 429 lim: refused by the rate limits "
        "(self-inflicted), 429 inj: injected at random; cpu_s: the servers' CPU time"
    )
    if not all(outcome.settled for outcome in outcomes):
        print("!: stopped by --timeout with deliveries still pending or claimed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--only", choices=[setup.name for setup in SETUPS])
    parser.add_argument(
        "--fault-rate",
        type=float,
        default=0.02,
        help="chance of each fault (429, 5xx before, 5xx after) per Web API call",
    )
    parser.add_argument("--workspace-per-minute", type=float, default=600.0)
    parser.add_argument("--workspace-burst", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per set-up")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to wait for late posts")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    outcomes: list[Outcome] = []
    for setup in SETUPS:
        if args.only not in (None, setup.name):
            continue
        with ExitStack() as stack:
            if setup.name == "teams":
                outcomes.append(run_teams_setup(setup, args, stack))
                continue
            postgres = None
            if setup.name == "postgresql":
                bin_dir = postgres_bin_dir()
                if bin_dir is None:
                    raise SystemExit("no PostgreSQL binaries: install the postgresql package")
                postgres = start_postgres(bin_dir)
                stack.callback(postgres.stop)
            outcomes.append(run_setup(setup, args, stack, postgres))
    print_table(outcomes)
    print(
        f"lost={sum(o.lost for o in outcomes)} "
        f"duplicates={sum(o.duplicates for o in outcomes)} "
        f"seconds={max(o.seconds for o in outcomes):.1f} "
        f"floor_seconds={max(o.floor_seconds for o in outcomes):.1f} "
        f"ratio={max(o.ratio for o in outcomes):.2f} "
        f"limited={sum(o.limited for o in outcomes)} "
        f"peak_mb={max(o.peak_mb for o in outcomes):.1f}"
    )


if __name__ == "__main__":
    main()
