"""A rush of answers: every member submits the answer modal at once, while the invitations
drain and a reminder falls due.

The example network (`examples/pmg/network.yaml`) is enlarged to `--members` members
(default 2000), each with a Slack account of their own, and one round asks them all. The
bot runs as `inbreng serve` against the fake Slack Web API from `testing/fakes`, which
keeps every message and enforces Slack's published rate limits. Once the round is open
(its invitations queued), one answer modal is opened with `/inbreng inbreng`; then every
generated member submits it (a signed `view_submission` with a view id and hash of their
own, and the reply going to their own DM, as the modal each opens from their invitation
would have), `--concurrency` (default 100) at a time, from an aiohttp client that waits up
to 30 s for each answer. The example's own members do not answer, so the reminder always
has someone to go to.

The round's one reminder is due `--reminder-into-rush` seconds after the rush begins.
Its lateness is measured twice, from the moment it was due: until its first delivery is
in the database (queued) and until the first one is sent.

Two set-ups: one server on SQLite, and two servers on one PostgreSQL (a private server
from `testing/postgres.py`; skipped, with a line saying so, without PostgreSQL's
binaries), the submissions alternating between the two. The baseline is a bare Bolt app
that only acknowledges (`bench/bare_bolt.py`), sent the same submissions in the same run.

Printed per set-up: acknowledgement latency p50, p99 and max; the share acknowledged
(HTTP 200) within Slack's 3 s; the statuses other than 200; answers stored vs submissions
sent, members without a stored answer (lost) and answers beyond one per member; replies
(the confirmation posted to each member's DM) and replies beyond one per member; the
reminder's lateness; and the Web API calls the fake refused (rate limits), by method. The
last line is that of the worse set-up (the smaller share within 3 s, as a fraction, then
the larger p99); `duplicates` counts extra answers and extra replies:

    acked_within_3s=0.950 p99_ms=3012.0 lost=0 duplicates=0 reminder_late_s=12.3

Run: `.venv/bin/python -m bench.rush [--members N] [--concurrency C] [--only sqlite|postgresql]`.
A quick run: `--members 200` (each set-up waits for the reminder to go out, so a late
reminder makes the run as much longer).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import yaml
from sqlalchemy import Engine, text

from bench.fanout import serve, tail, wait_until_healthy
from bench.slack_ack import ANSWER, server_process, signed
from bot.clock import SystemClock
from bot.network_file import load_network_file
from bot.permissions import Operator
from bot.services.network import load_network
from bot.services.rounds import RoundRequest
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from storage import migrate
from storage.database import Database, create_database_engine
from testing.fakes.slack_web_api import Call, FakeSlackWebApi, SlackLimits
from testing.postgres import PostgresServer, free_port, postgres_bin_dir, start_postgres
from testing.slack_harness import BOT_TOKEN, SIGNING_SECRET, command_fields, view_submission

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pmg" / "network.yaml"
PILLAR = "financien"
SLACK_ACK_SECONDS = 3.0
CLIENT_TIMEOUT_SECONDS = 30.0  # longer than Slack waits, to see what the server answers
DELIVERY_METADATA = "inbreng_delivery"  # the bot's messages from the outbox carry it
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Acks:
    """What the client saw of one batch of submissions."""

    latencies_ms: list[float]  # one per request, answered or not
    statuses: Counter[str]  # HTTP status, or the client error's name
    within: int  # answered 200 within Slack's 3 s

    @property
    def share_within(self) -> float:
        return self.within / len(self.latencies_ms) if self.latencies_ms else 0.0

    def percentile_ms(self, share: float) -> float:
        values = sorted(self.latencies_ms)
        if len(values) < 2:
            return values[0] if values else 0.0
        return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


@dataclass
class Outcome:
    name: str
    acks: Acks
    sent: int = 0
    stored: int = 0  # members with a stored answer
    lost: int = 0  # members who submitted and have no stored answer
    extra_answers: int = 0
    replies: int = 0
    extra_replies: int = 0
    reminder_queued_s: float | None = None  # lateness; None: never within --timeout
    reminder_sent_s: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return self.extra_answers + self.extra_replies


def say(line: str) -> None:
    """Progress, on standard error: a run takes minutes."""
    print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)


# --- the network and the round ---------------------------------------------------------


def network_file(path: Path, members: int) -> list[tuple[str, str]]:
    """The example network with `members` more members, spread over its municipalities;
    returns their (Slack user id, e-mail)."""
    network: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    municipalities = [
        o["slug"] for o in network["organisations"] if o.get("kind", "municipality") != "office"
    ]
    added = [
        {
            "email": f"lid{n:05d}@{municipalities[n % len(municipalities)]}.example",
            "name": f"Lid {n:05d}",
            "organisation": municipalities[n % len(municipalities)],
            "roles": ["member"],
            "slack_user_id": f"URUSH{n:05d}",
        }
        for n in range(members)
    ]
    network["members"].extend(added)
    path.write_text(yaml.safe_dump(network, allow_unicode=True, sort_keys=False), "utf-8")
    return [(str(m["slack_user_id"]), str(m["email"])) for m in added]


def example_slack_users() -> list[tuple[str, str]]:
    """The example's own members as Slack users (their id from the file, else one made up,
    found by e-mail as Slack's users.lookupByEmail would), so their reminders arrive."""
    network: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return [
        (str(m.get("slack_user_id") or f"UEXAMPLE{n:03d}"), str(m["email"]))
        for n, m in enumerate(network["members"])
    ]


def prepare(database_url: str, directory: Path, members: int, reminder_at: datetime) -> list[
    tuple[str, str]
]:  # fmt: skip
    """Schema, network and a round that opens now, with one reminder at `reminder_at`
    (written here rather than with the command line, which would take seconds more)."""
    path = directory / "network.yaml"
    users = network_file(path, members)
    migrate.upgrade(database_url)
    database = Database(database_url)
    try:
        load_network(database.unit_of_work, load_network_file(path))
        core = build_core(
            uow_factory=database.unit_of_work,
            settings=Settings(database_url=database_url, _env_file=None),
            clock=SystemClock(),
        )
        closes_at = reminder_at + timedelta(days=1)  # the reminder: one day before closing
        core.rounds.create(
            RoundRequest(
                pillar_slug=PILLAR,
                meeting_at=closes_at + timedelta(days=1),
                closes_at=closes_at,
                reminders=(timedelta(days=1),),
            ),
            actor=Operator(name="bench"),
        )
    finally:
        database.dispose()
    return users


# --- the database, watched -------------------------------------------------------------


def scalar(engine: Engine, query: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(query)).scalar_one())


def wait_for_open_round(engine: Engine, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while scalar(engine, "SELECT count(*) FROM rounds WHERE status = 'open'") == 0:
        if time.monotonic() > deadline:
            raise SystemExit("the round did not open")
        time.sleep(POLL_SECONDS)


class ReminderWatch:
    """Polls the database for the round's reminder: when its first delivery was queued
    and when the first was sent, in seconds after `due` (wall clock)."""

    def __init__(self, engine: Engine, due: datetime) -> None:
        self._engine, self._due = engine, due
        self.queued_s: float | None = None
        self.sent_s: float | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        reminders = "SELECT count(*) FROM deliveries WHERE kind = 'reminder'"
        while not self._stop.is_set() and self.sent_s is None:
            late = (datetime.now(UTC) - self._due).total_seconds()
            if self.queued_s is None and scalar(self._engine, reminders):
                self.queued_s = late
            if self.queued_s is not None and scalar(
                self._engine, f"{reminders} AND status = 'sent'"
            ):
                self.sent_s = late
            self._stop.wait(POLL_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def deliveries(engine: Engine) -> Counter[str]:
    """Deliveries by kind and status."""
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT kind, status, count(*) FROM deliveries GROUP BY kind, status")
        )
        return Counter({f"{kind} {status}": int(count) for kind, status, count in rows})


def answers_per_member(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT m.email, count(*) FROM responses r JOIN members m ON m.id = r.member_id "
                "GROUP BY m.email"
            )
        )
        return Counter({str(email): int(count) for email, count in rows})


def is_reply(call: Call) -> bool:
    """A post the bot made outside the outbox (outbox posts carry delivery metadata)."""
    metadata = call.params.get("metadata")
    return call.method == "chat.postMessage" and not (
        isinstance(metadata, dict) and metadata.get("event_type") == DELIVERY_METADATA
    )


def replies_per_member(slack: FakeSlackWebApi, users: list[tuple[str, str]]) -> Counter[str]:
    """Messages in each member's DM that did not come from the outbox: the bot's reply to
    the submission."""
    replies: Counter[str] = Counter()
    for user_id, email in users:
        for message in slack.messages(slack.dm_channel(user_id)):
            if (message.metadata or {}).get("event_type") != DELIVERY_METADATA:
                replies[email] += 1
    return replies


# --- the rush ----------------------------------------------------------------------------


async def open_answer_modal(url: str, slack: FakeSlackWebApi, user_id: str) -> dict[str, Any]:
    """The answer modal as the bot opens it for `/inbreng inbreng`."""
    # Typed in the member's DM with the bot, as a member would.
    fields = {**command_fields(slack, user_id, "inbreng"), "channel_id": slack.dm_channel(user_id)}
    body = urlencode(fields)
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body.encode(), headers=signed(body)) as response,
    ):
        await response.read()
    view: dict[str, Any] = await asyncio.to_thread(
        lambda: slack.wait_for("views.open", timeout=60)[-1].params["view"]
    )
    return view


def submissions(users: list[tuple[str, str]], modal: dict[str, Any]) -> list[str]:
    """One signed-to-be body per member: the modal as that member's own view."""
    bodies = []
    for number, (user_id, _) in enumerate(users):
        own = {**modal, "private_metadata": own_reply_to(modal, user_id)}
        payload = view_submission(user_id, own, ANSWER)
        view_id = f"VRUSH{number:06d}"
        payload["view"].update(id=view_id, root_view_id=view_id, hash=f"1700000000.{number:08d}")
        payload["trigger_id"] = f"1700000000.{number:08d}.rush"
        bodies.append(urlencode({"payload": json.dumps(payload)}))
    return bodies


def own_reply_to(modal: dict[str, Any], user_id: str) -> str:
    """The modal's private metadata with the reply going to this member's DM, as when the
    member opens the modal from the invitation in their DM (the bot then posts there
    without opening the conversation first)."""
    metadata = modal.get("private_metadata") or ""
    try:
        stored = json.loads(metadata)
    except json.JSONDecodeError:
        return str(metadata)
    if isinstance(stored, dict):
        stored["reply_to"] = FakeSlackWebApi.dm_channel(user_id)
    return json.dumps(stored)


async def rush(urls: list[str], bodies: list[str], concurrency: int) -> Acks:
    """Send every body (to the servers in turn), `concurrency` at a time; each is signed
    when it leaves, as Slack signs it."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    within = 0

    async def one(session: aiohttp.ClientSession, url: str, body: str) -> None:
        nonlocal within
        async with gate:
            started = time.perf_counter()
            try:
                async with session.post(url, data=body.encode(), headers=signed(body)) as answer:
                    await answer.read()
                    status = str(answer.status)
            except (aiohttp.ClientError, TimeoutError) as error:
                status = type(error).__name__
            seconds = time.perf_counter() - started
            latencies.append(seconds * 1000)
            statuses[status] += 1
            within += status == "200" and seconds <= SLACK_ACK_SECONDS

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT_SECONDS)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            *(one(session, urls[i % len(urls)], body) for i, body in enumerate(bodies))
        )
    return Acks(latencies_ms=latencies, statuses=statuses, within=within)


def settle_replies(
    slack: FakeSlackWebApi, users: list[tuple[str, str]], engine: Engine, deadline: float
) -> None:
    """Wait until every stored answer has its reply, or nothing has changed for 3 s."""
    seen, quiet_since = (-1, -1), time.monotonic()
    while time.monotonic() < deadline:
        now = (
            sum(replies_per_member(slack, users).values()),
            sum(answers_per_member(engine).values()),
        )
        if now[0] >= now[1] > 0 and now[1] >= len(users):
            return
        if now != seen:
            seen, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since > 3.0:
            return
        time.sleep(0.5)


# --- one set-up --------------------------------------------------------------------------


def run_setup(
    name: str,
    servers: int,
    args: argparse.Namespace,
    stack: ExitStack,
    postgres: PostgresServer | None,
) -> Outcome:
    directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="inbreng-rush-")))
    if postgres is None:
        database_url = f"sqlite:///{directory}/bench.db"
    else:
        postgres.admin.execute("CREATE DATABASE rush")
        database_url = postgres.url("rush")
    # The reminder falls due `--reminder-into-rush` s after the rush is planned to begin,
    # `--lead` s from now: time to start the servers, open the round and the modal.
    rush_at = datetime.now(UTC) + timedelta(seconds=args.lead)
    reminder_at = (rush_at + timedelta(seconds=args.reminder_into_rush)).replace(microsecond=0)
    say(f"{name}: preparing the network and the round")
    users = prepare(database_url, directory, args.members, reminder_at)
    slack = stack.enter_context(FakeSlackWebApi(limits=SlackLimits(), strict_users=True))
    for user_id, email in [*users, *example_slack_users()]:
        slack.add_user(user_id, email)
    engine = create_database_engine(database_url)
    stack.callback(engine.dispose)
    env = {
        "INBRENG_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "INBRENG_WORKING_HOURS": "always",
        "INBRENG_HOLIDAYS": "none",
        "INBRENG_TICK_SECONDS": "1",
    }
    with ExitStack() as running:
        processes: list[tuple[subprocess.Popen[bytes], int, Path]] = []
        for number in range(servers):
            port = free_port()
            log_path = directory / f"serve-{number}.log"
            process = running.enter_context(serve({**env, "INBRENG_PORT": str(port)}, log_path))
            processes.append((process, port, log_path))
        for process, port, log_path in processes:
            wait_until_healthy(process, port, log_path)
        urls = [f"http://127.0.0.1:{port}/slack/events" for _, port, _ in processes]
        say(f"{name}: {servers} server(s) up; waiting for the round to open")
        wait_for_open_round(engine, timeout=60)
        modal = asyncio.run(open_answer_modal(urls[0], slack, users[0][0]))
        bodies = submissions(users, modal)

        outcome = Outcome(name=f"{name} x{servers}", acks=Acks([], Counter(), 0))
        wait = (rush_at - datetime.now(UTC)).total_seconds()
        if wait > 0:
            time.sleep(wait)
        else:
            outcome.notes.append(f"the rush began {-wait:.1f} s after it was planned (--lead)")
        say(f"{name}: the rush")
        watch = ReminderWatch(engine, reminder_at)
        started = time.monotonic()
        outcome.acks = asyncio.run(rush(urls, bodies, args.concurrency))
        outcome.notes.append(f"rush: {time.monotonic() - started:.1f} s")
        deadline = time.monotonic() + args.timeout
        say(f"{name}: waiting for the replies and the reminder")
        settle_replies(slack, users, engine, deadline)
        shown = time.monotonic()
        while watch.sent_s is None and time.monotonic() < deadline:
            if time.monotonic() - shown > 10:
                say(f"{name}: deliveries {dict(deliveries(engine))}")
                shown = time.monotonic()
            for process, _, log_path in processes:
                if process.poll() is not None:
                    raise SystemExit(f"inbreng serve stopped:\n{tail(log_path)}")
            time.sleep(POLL_SECONDS)
        watch.stop()
    # The servers have stopped: nothing arrives while counting.
    answers = answers_per_member(engine)
    replies = replies_per_member(slack, users)
    emails = [email for _, email in users]
    outcome.sent = len(bodies)
    outcome.stored = sum(1 for email in emails if answers[email])
    outcome.lost = sum(1 for email in emails if not answers[email])
    outcome.extra_answers = sum(answers[email] - 1 for email in emails if answers[email] > 1)
    outcome.replies = sum(replies[email] for email in emails)
    outcome.extra_replies = sum(replies[email] - 1 for email in emails if replies[email] > 1)
    outcome.reminder_queued_s, outcome.reminder_sent_s = watch.queued_s, watch.sent_s
    refused = Counter(
        f"{call.method} {call.refused or call.fault or call.status}"
        for call in slack.calls
        if call.limited or call.refused or call.status != 200
    )
    if refused:
        outcome.notes.append(f"calls Slack refused: {dict(refused)}")
    return outcome


def run_baseline(args: argparse.Namespace) -> Outcome:
    """The same submissions to a bare Bolt app that only acknowledges."""
    say("bare Bolt: the rush")
    with FakeSlackWebApi() as slack:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
        }
        port = free_port()
        command = [sys.executable, "-m", "bench.bare_bolt", "--port", str(port)]
        with server_process(command, env, port) as url:
            users = [(f"URUSH{n:05d}", "") for n in range(args.members)]
            modal = {"type": "modal", "callback_id": "rush", "blocks": []}
            acks = asyncio.run(rush([url], submissions(users, modal), args.concurrency))
    return Outcome(name="bare Bolt x1", acks=acks, sent=args.members)


# --- the report -------------------------------------------------------------------------


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


def print_table(outcomes: list[Outcome]) -> None:
    print(
        f"{'set-up':<15} {'sent':>6} {'<=3s %':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
        f"{'stored':>6} {'lost':>5} {'dup':>4} {'replies':>7} {'dup rep':>7} "
        f"{'rem queued s':>12} {'rem sent s':>10}  not 200"
    )
    for o in outcomes:
        bare = o.name.startswith("bare")
        others = ", ".join(f"{k}: {n}" for k, n in sorted(o.acks.statuses.items()) if k != "200")
        print(
            f"{o.name:<15} {o.sent:>6} {100 * o.acks.share_within:>7.1f} "
            f"{o.acks.percentile_ms(0.50):>8.1f} {o.acks.percentile_ms(0.99):>8.1f} "
            f"{max(o.acks.latencies_ms, default=0.0):>8.1f} "
            + (
                f"{'-':>6} {'-':>5} {'-':>4} {'-':>7} {'-':>7} {'-':>12} {'-':>10}"
                if bare
                else f"{o.stored:>6} {o.lost:>5} {o.extra_answers:>4} {o.replies:>7} "
                f"{o.extra_replies:>7} {seconds(o.reminder_queued_s):>12} "
                f"{seconds(o.reminder_sent_s):>10}"
            )
            + f"  {others or '-'}"
        )
        for note in o.notes:
            print(f"  {o.name}: {note}")
    print(
        "<=3s %: answered 200 within Slack's 3 s; stored: members with an answer stored; "
        "lost: submitted, nothing stored; dup: answers beyond one per member; replies: "
        "the bot's DMs outside the outbox (the confirmation); rem queued/sent s: the "
        "reminder's first delivery queued / sent, seconds after it was due"
    )


def worse(outcomes: list[Outcome]) -> Outcome:
    return min(outcomes, key=lambda o: (o.acks.share_within, -o.acks.percentile_ms(0.99)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=2000, help="members who answer")
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument(
        "--lead", type=float, default=12.0, help="seconds to prepare before the rush begins"
    )
    parser.add_argument(
        "--reminder-into-rush", type=float, default=2.0, help="when the reminder is due"
    )
    parser.add_argument(
        "--timeout", type=float, default=600.0, help="seconds per set-up after the rush"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    outcomes = [run_baseline(args)]
    for name, servers in (("sqlite", 1), ("postgresql", 2)):
        if args.only not in (None, name):
            continue
        with ExitStack() as stack:
            postgres = None
            if name == "postgresql":
                bin_dir = postgres_bin_dir()
                if bin_dir is None:
                    print("postgresql x2: skipped, no PostgreSQL binaries (the postgresql package)")
                    continue
                postgres = start_postgres(bin_dir)
                stack.callback(postgres.stop)
            outcomes.append(run_setup(name, servers, args, stack, postgres))
    print_table(outcomes)
    measured = [o for o in outcomes if not o.name.startswith("bare")]
    if not measured:
        raise SystemExit("no set-up ran")
    w = worse(measured)
    late = w.reminder_sent_s
    print(
        f"acked_within_3s={w.acks.share_within:.3f} p99_ms={w.acks.percentile_ms(0.99):.1f} "
        f"lost={w.lost} duplicates={w.duplicates} "
        f"reminder_late_s={'inf' if late is None else f'{late:.1f}'}"
    )


if __name__ == "__main__":
    main()
