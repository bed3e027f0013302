"""Building and starting the server: the composition root of `inbreng serve`."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from aiohttp import ClientSession, web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from adapters.slack import http as slack_http
from adapters.slack.app import SlackBot
from adapters.slack.client import web_client
from adapters.slack.messenger import SlackMessenger
from bot.config import SlackSettings
from bot.conversation.conversation import Conversation
from bot.delivery.messenger import Messenger
from bot.delivery.outbox import Outbox
from bot.domain import Platform
from bot.server.outbox_loop import OutboxLoop

logger = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 1024 * 1024  # Slack and Teams payloads are far smaller


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@dataclass(kw_only=True)
class Server:
    runner: web.AppRunner
    outbox: OutboxLoop
    port: int
    socket_handler: AsyncSocketModeHandler | None = None
    http_session: ClientSession | None = None

    async def stop(self) -> None:
        await self.outbox.stop()
        if self.socket_handler is not None:
            await self.socket_handler.close_async()  # type: ignore[no-untyped-call]
        await self.runner.cleanup()
        if self.http_session is not None:
            await self.http_session.close()


def worker_name() -> str:
    """Unique per process, readable in the deliveries table (claimed_by)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


async def start(
    conversation: Conversation,
    slack: SlackSettings,
    *,
    host: str,
    port: int,
    outbox_interval: float = 5.0,
    database_threads: int = 8,
) -> Server:
    """Start serving. The conversation and the outbox reach the database from a pool of
    `database_threads` threads; SQLite has one writer, so one thread suits it best (more
    only wait for its lock)."""
    asyncio.get_running_loop().set_default_executor(
        ThreadPoolExecutor(max_workers=database_threads, thread_name_prefix="inbreng-db")
    )
    messengers: dict[Platform, Messenger] = {}
    web_app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    web_app.router.add_get("/healthz", healthz)
    slack_bot = None
    http_session = None
    if slack.enabled:
        http_session = ClientSession()
        client = web_client(slack, http_session)
        messengers[Platform.SLACK] = SlackMessenger(client)
    outbox = Outbox(core=conversation.core, messengers=messengers, worker=worker_name())
    loop = OutboxLoop(core=conversation.core, outbox=outbox, interval=outbox_interval)
    socket_handler = None
    if slack.enabled:
        secret = slack.signing_secret.get_secret_value() if slack.signing_secret else None
        slack_bot = SlackBot(conversation=conversation, client=client, signing_secret=secret)
        if slack.app_token is not None:
            socket_handler = slack_http.socket_mode(slack_bot, slack.app_token.get_secret_value())
            await socket_handler.connect_async()  # type: ignore[no-untyped-call]
            logger.info("Slack is on, in Socket Mode")
        else:
            slack_http.add_route(web_app, slack_bot)
            logger.info("Slack is on, at POST %s", slack_http.ROUTE)
    else:
        logger.warning(
            "Slack is off: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN)"
        )
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    loop.start()
    logger.info("listening on http://%s:%s", host, bound)
    return Server(
        runner=runner,
        outbox=loop,
        port=bound,
        socket_handler=socket_handler,
        http_session=http_session,
    )
