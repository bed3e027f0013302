"""How fast Slack gets its acknowledgement, beside a bare Bolt app that only acknowledges.

Both apps run behind the same aiohttp server code, in their own event loop thread, with
signed requests sent by an aiohttp client at a fixed concurrency. Measured: slash commands
(`/inbreng hulp`: acknowledged at once, the help is sent after) and answer-modal
submissions (validated and stored before the acknowledgement, as Slack shows modal errors
only from it). Replies go to the fake Web API from `testing/fakes`. Every request's body is
unique, since the bot refuses replays.

Run: `.venv/bin/python bench/slack_ack.py [--requests N] [--concurrency C]`.
Set INBRENG_BENCH_DATABASE_URL to run against another database (e.g. PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from slack_sdk.signature import SignatureVerifier

from bot.clock import SystemClock
from bot.network_file import load_network_file
from bot.permissions import Operator
from bot.services.network import load_network
from bot.services.rounds import RoundRequest
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from storage import migrate
from storage.database import Database
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import (
    BOT_TOKEN,
    FORM,
    SIGNING_SECRET,
    command_body,
    view_submission,
)

INBRENG = [sys.executable, "-c", "from inbreng.cli.main import run; run()"]
NETWORK = Path(__file__).resolve().parents[1] / "examples" / "pmg" / "network.yaml"
ANSWER = {
    "topic": "onderwijshuisvesting",
    "network_help": "",
    "attribution": "organisation",
    "text": "De normbedragen voor nieuwbouw van scholen liggen onder de bouwkosten.",
}


def prepared_database(url: str) -> list[str]:
    """The example network with an open Financiën round; returns the e-mail addresses of
    the members that round asks."""
    migrate.upgrade(url)
    database = Database(url)
    core = build_core(
        uow_factory=database.unit_of_work,
        settings=Settings(database_url=url, _env_file=None),
        clock=SystemClock(),
    )
    load_network(database.unit_of_work, load_network_file(NETWORK))
    now = core.clock.now()
    core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_at=now + timedelta(days=14),
            closes_at=now + timedelta(days=7),
        ),
        actor=Operator(name="bench"),
    )
    with database.unit_of_work() as uow:
        members = uow.members.list()
    database.dispose()
    return [m.email for m in members if core.rounds.open_for(m)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_process(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    """A server in its own process (its own interpreter lock, as in production), until
    its health check answers; yields its Slack URL."""
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{command} did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/slack/events"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def signed(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    return {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature or "",
    }


async def load(
    url: str, bodies: list[str], concurrency: int
) -> tuple[list[float], float, Counter[int]]:
    """Send every body; latencies in ms, the wall time in seconds, the statuses."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()

    async def one(session: aiohttp.ClientSession, body: str) -> None:
        async with gate:
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=signed(body)) as response:
                await response.read()
                statuses[response.status] += 1
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(session, body) for body in bodies))
        return latencies, time.perf_counter() - started, statuses


def settle(slack: FakeSlackWebApi, quiet: float = 0.5) -> None:
    """Wait until the bot has made no Web API call for `quiet` seconds."""
    seen = -1
    while len(slack.calls) != seen:
        seen = len(slack.calls)
        time.sleep(quiet)


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="per scenario and app")
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    with tempfile.TemporaryDirectory() as directory, FakeSlackWebApi() as slack:
        url = os.environ.get("INBRENG_BENCH_DATABASE_URL") or f"sqlite:///{directory}/bench.db"
        audience = prepared_database(url)
        # Everyone the round asks answers, each as their own Slack user.
        users = [f"UB{number:04d}" for number, _ in enumerate(audience)]
        for user_id, email in zip(users, audience, strict=True):
            slack.add_user(user_id, email)
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": slack.url,
            "INBRENG_DATABASE_URL": url,
        }
        ports = free_port(), free_port()
        with (
            server_process(
                [*INBRENG, "serve"], {**env, "INBRENG_PORT": str(ports[0])}, ports[0]
            ) as inbreng,
            server_process(
                [sys.executable, "-m", "bench.bare_bolt", "--port", str(ports[1])], env, ports[1]
            ) as bare,
        ):
            modal = asyncio.run(open_answer_modal(inbreng, slack, users[0]))
            figures = run_scenarios(
                {"inbreng": inbreng, "bare Bolt": bare},
                {
                    "slash command": lambda i: command_body(
                        slack, users[i % len(users)], "hulp"
                    ).replace("trigger_id=", f"trigger_id={i}."),
                    "view submission": lambda i: urlencode(
                        {
                            "payload": json.dumps(
                                {
                                    **view_submission(users[i % len(users)], modal, ANSWER),
                                    "trigger_id": f"t{i}",
                                }
                            )
                        }
                    ),
                },
                slack,
                requests=args.requests,
                concurrency=args.concurrency,
            )
    ratios = {
        f"{k}_p99_ratio": figures[f"{k}_p99_ms"] / figures[f"bare_{k}_p99_ms"]
        for k in ("slash", "view")
    }
    print(
        " ".join(
            f"{name}={value:.2f}" if "ratio" in name else f"{name}={value:.1f}"
            for name, value in {**figures, **ratios}.items()
        )
    )


def run_scenarios(
    targets: dict[str, str],
    scenarios: dict[str, Callable[[int], str]],
    slack: FakeSlackWebApi,
    *,
    requests: int,
    concurrency: int,
) -> dict[str, float]:
    """Each scenario against each app, printed as a table; the figures by name."""
    print(
        f"{'scenario':<16} {'app':<10} {'requests':>8} {'conc.':>6} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'req/s':>8} {'not 200':>8}"
    )
    figures: dict[str, float] = {"failed": 0}
    for scenario, body in scenarios.items():
        for app, target in targets.items():
            settle(slack)  # the previous run's after-ack work must not overlap this one
            bodies = [body(i) for i in range(requests)]
            latencies, seconds, statuses = asyncio.run(load(target, bodies, concurrency))
            p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
            rate = len(latencies) / seconds
            failed = sum(n for status, n in statuses.items() if status != 200)
            print(
                f"{scenario:<16} {app:<10} {len(latencies):>8} {concurrency:>6} "
                f"{p50:>8.1f} {p99:>8.1f} {rate:>8.0f} {failed:>8}"
            )
            key = ("bare_" if app != "inbreng" else "") + scenario.split()[0]
            figures |= {f"{key}_p50_ms": p50, f"{key}_p99_ms": p99, f"{key}_rps": rate}
            figures["failed"] += failed
    return figures


async def open_answer_modal(url: str, slack: FakeSlackWebApi, user_id: str) -> dict[str, Any]:
    """The answer modal as the bot opens it, to submit again and again."""
    body = command_body(slack, user_id, "inbreng")
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body.encode(), headers=signed(body)) as response,
    ):
        await response.read()
    view: dict[str, Any] = await asyncio.to_thread(
        lambda: slack.wait_for("views.open")[-1].params["view"]
    )
    return view


if __name__ == "__main__":
    main()
