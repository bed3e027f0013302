"""How fast Slack gets its acknowledgement, beside a bare Bolt app that only acknowledges.

Both apps run behind the same aiohttp server code, in their own event loop thread, with
signed requests sent by an aiohttp client at a fixed concurrency. Measured: slash commands
(`/inbreng hulp`: acknowledged at once, the help is sent after) and answer-modal
submissions (validated and stored before the acknowledgement, as Slack shows modal errors
only from it). Replies go to the fake Web API from `tests/fakes`. Every request's body is
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
import re
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import http as slack_http
from bot.clock import SystemClock
from bot.config import Settings, SlackSettings
from bot.conversation.conversation import Conversation
from bot.conversation.core import Core
from bot.network_file import load_network_file
from bot.server.app import start
from bot.services.network import load_network
from bot.services.rounds import RoundRequest
from storage import migrate
from storage.database import Database
from tests.fakes.slack_web_api import FakeSlackWebApi
from tests.slack_harness import (
    BOT_TOKEN,
    FORM,
    MEMBER_ID,
    SIGNING_SECRET,
    SLACK_USERS,
    LoopThread,
    command_body,
    view_submission,
)

NETWORK = Path(__file__).resolve().parents[1] / "examples" / "pmg" / "network.yaml"
ANSWER = {
    "topic": "onderwijshuisvesting",
    "network_help": "",
    "attribution": "organisation",
    "text": "De normbedragen voor nieuwbouw van scholen liggen onder de bouwkosten.",
}


def prepared_conversation(url: str) -> Conversation:
    migrate.upgrade(url)
    database = Database(url)
    core = Core.build(
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
        actor_id=None,
    )
    return Conversation(core=core)


async def bare_bolt_server(slack: FakeSlackWebApi) -> web.AppRunner:
    """The baseline: Bolt with the same settings, whose listeners only acknowledge."""
    bolt = AsyncApp(
        client=AsyncWebClient(token=BOT_TOKEN, base_url=slack.url), signing_secret=SIGNING_SECRET
    )

    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/inbreng")(ack_only)
    bolt.view(re.compile(".*"))(ack_only)

    async def slack_events(request: web.Request) -> web.Response:
        response = await bolt.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    app = web.Application()
    app.router.add_post(slack_http.ROUTE, slack_events)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner


def signed(body: str) -> dict[str, str]:
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    return {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature or "",
    }


async def load(url: str, bodies: list[str], concurrency: int) -> tuple[list[float], float]:
    """Send every body; latencies in ms, and the wall time in seconds."""
    gate = asyncio.Semaphore(concurrency)
    latencies: list[float] = []

    async def one(session: aiohttp.ClientSession, body: str) -> None:
        async with gate:
            started = time.perf_counter()
            async with session.post(url, data=body.encode(), headers=signed(body)) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"status {response.status}")
            latencies.append((time.perf_counter() - started) * 1000)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(one(session, body) for body in bodies))
        return latencies, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="per scenario and app")
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    with tempfile.TemporaryDirectory() as directory, FakeSlackWebApi() as slack:
        for user_id, email in SLACK_USERS.items():
            slack.add_user(user_id, email)
        url = os.environ.get("INBRENG_BENCH_DATABASE_URL") or f"sqlite:///{directory}/bench.db"
        conversation = prepared_conversation(url)
        settings = SlackSettings(
            bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack.url, _env_file=None
        )
        server_loop = LoopThread()
        server = server_loop.run(
            start(conversation, settings, host="127.0.0.1", port=0, outbox_interval=3600)
        )
        bare = server_loop.run(bare_bolt_server(slack))
        targets = {
            "inbreng": f"http://127.0.0.1:{server.port}{slack_http.ROUTE}",
            "bare Bolt": f"http://127.0.0.1:{bare.addresses[0][1]}{slack_http.ROUTE}",
        }
        modal = asyncio.run(open_answer_modal(targets["inbreng"], slack))
        scenarios: dict[str, Callable[[int], str]] = {
            "slash command": lambda i: command_body(slack, MEMBER_ID, "hulp").replace(
                "trigger_id=", f"trigger_id={i}."
            ),
            "view submission": lambda i: urlencode(
                {
                    "payload": json.dumps(
                        {**view_submission(MEMBER_ID, modal, ANSWER), "trigger_id": f"t{i}"}
                    )
                }
            ),
        }
        print(
            f"{'scenario':<16} {'app':<10} {'requests':>8} {'conc.':>6} {'p50 ms':>8} "
            f"{'p99 ms':>8} {'req/s':>8}"
        )
        figures: dict[str, float] = {}
        for scenario, body in scenarios.items():
            for app, target in targets.items():
                bodies = [body(i) for i in range(args.requests)]
                latencies, seconds = asyncio.run(load(target, bodies, args.concurrency))
                p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
                rate = len(latencies) / seconds
                print(
                    f"{scenario:<16} {app:<10} {len(latencies):>8} {args.concurrency:>6} "
                    f"{p50:>8.1f} {p99:>8.1f} {rate:>8.0f}"
                )
                key = ("bare_" if app != "inbreng" else "") + scenario.split()[0]
                figures |= {f"{key}_p50_ms": p50, f"{key}_p99_ms": p99, f"{key}_rps": rate}
        server_loop.run(server.stop())
        server_loop.run(bare.cleanup())
        server_loop.close()
    ratios = {
        f"{k}_p99_ratio": figures[f"{k}_p99_ms"] / figures[f"bare_{k}_p99_ms"]
        for k in ("slash", "view")
    }
    print(
        " ".join(
            f"{name}={value:.1f}" if "ratio" not in name else f"{name}={value:.2f}"
            for name, value in {**figures, **ratios}.items()
        )
    )


async def open_answer_modal(url: str, slack: FakeSlackWebApi) -> dict[str, Any]:
    """The answer modal as the bot opens it, to submit again and again."""
    body = command_body(slack, MEMBER_ID, "inbreng")
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
