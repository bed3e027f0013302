"""Building and starting the server: the composition root of `inbreng serve`."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web

from adapters.slack.connection import SlackConnection
from adapters.slack.connection import connect as slack_connect
from adapters.slack.settings import SlackSettings
from adapters.teams.connection import TeamsConnection
from adapters.teams.connection import connect as teams_connect
from adapters.teams.settings import TeamsSettings
from bot.conversation.conversation import Conversation
from bot.domain import Platform
from bot.outbox.messenger import Messenger
from bot.outbox.outbox import Outbox
from bot.outbox.pacing import Pacer
from bot.schedule.jobs import Jobs
from inbreng.server import metrics, readiness, request_log
from inbreng.server.readiness import Readiness
from inbreng.server.scheduler import Schedule

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024  # Slack and Teams payloads are far smaller
# How long a stopping server waits for requests under way; a container runtime's own
# grace period (Docker's default is 10 s) should be longer than this.
SHUTDOWN_SECONDS = 8.0


async def healthz(request: web.Request) -> web.Response:
    """The process lives and its event loop answers; it asks the database nothing (that is
    `/readyz`), so an outage of the database does not get the process restarted."""
    return web.json_response({"status": "ok"})


@dataclass(kw_only=True)
class Server:
    runner: web.AppRunner
    jobs: Jobs
    outbox: Outbox
    port: int
    metrics: metrics.Metrics
    schedule: Schedule | None = None
    readiness: Readiness | None = None
    slack: SlackConnection | None = None
    teams: TeamsConnection | None = None

    async def stop(self) -> None:
        """Stop gracefully: no new connections or deliveries; requests under way finish
        (within `SHUTDOWN_SECONDS`), and so do the sends under way, while the deliveries
        claimed but not yet started are given back for another instance."""
        self.outbox.stop()
        schedule = self.schedule.stop() if self.schedule is not None else asyncio.sleep(0)
        await asyncio.gather(self.runner.cleanup(), schedule)
        if self.slack is not None:
            await self.slack.close()
        if self.teams is not None:
            await self.teams.close()
        self.metrics.close()
        if self.readiness is not None:
            self.readiness.close()


def worker_name() -> str:
    """Unique per process, readable in the deliveries table (claimed_by)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def start(
    conversation: Conversation,
    slack: SlackSettings,
    *,
    teams: TeamsSettings | None = None,
    host: str,
    port: int,
    tick_seconds: float | None = 5.0,
    claim_seconds: float = 300.0,
    database_threads: int = 8,
    teams_emulator: bool = False,
    pacer: Pacer | None = None,
    ready: Readiness | None = None,
) -> Server:
    """Start serving. The conversation and the jobs reach the database from a pool of
    `database_threads` threads; SQLite has one writer, so one thread suits it best (more
    only wait for its lock). `tick_seconds` None: no scheduler (tests run `jobs`);
    `teams` None: no Teams endpoint (nor without an app id, unless `teams_emulator` on a
    loopback `host`). `pacer`: spaces the outbox's calls to the platforms, shared with
    the other instances when its ledger is the database; None: this process's own.
    `ready`: the database's write probe, for `/readyz` and `inbreng_database_up`; None:
    no `/readyz`."""
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=database_threads, thread_name_prefix="inbreng-db")
    )
    web_app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    request_log.install(web_app)
    measured = metrics.install(web_app)
    web_app.router.add_get("/healthz", healthz)
    if ready is not None:
        readiness.install(web_app, ready)
    messengers: dict[Platform, Messenger] = {}
    slack_connection = None
    if slack.enabled:
        slack_connection = await slack_connect(web_app, conversation, slack, pacer=pacer)
        messengers[Platform.SLACK] = slack_connection.messenger
    else:
        logger.warning(
            "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)"
        )
    teams_connection = None
    if teams is not None:
        teams_connection = teams_connect(
            web_app, conversation, teams, emulator=teams_emulator, host=host, pacer=pacer
        )
    if teams_connection is not None:
        messengers[Platform.TEAMS] = teams_connection.messenger
    core = conversation.core
    outbox = Outbox(
        core=core,
        messengers=messengers,
        worker=worker_name(),
        claim_for=timedelta(seconds=claim_seconds),
    )
    jobs = Jobs(core=core, outbox=outbox)
    schedule = None
    if tick_seconds is not None:
        schedule = Schedule(jobs, tick_seconds=tick_seconds, zone=core.texts.zone)
    measured.attach(
        metrics.StateCollector(backlog=core.backlog, jobs=jobs, schedule=schedule, readiness=ready)
    )
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=SHUTDOWN_SECONDS)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    if schedule is not None:
        schedule.start()
    logger.info("listening on http://%s:%s", host, bound)
    return Server(
        runner=runner,
        jobs=jobs,
        outbox=outbox,
        port=bound,
        metrics=measured,
        schedule=schedule,
        readiness=ready,
        slack=slack_connection,
        teams=teams_connection,
    )
