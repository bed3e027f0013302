"""The server of `inbreng serve` running until it is told to stop (its own module, so that the
command's help loads none of it)."""

from __future__ import annotations

import asyncio
import logging
import signal

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from inbreng.cli.runtime import Runtime
from inbreng.server.app import start
from inbreng.server.readiness import Readiness
from storage.readiness import WriteProbe


async def serve_until_stopped(app_runtime: Runtime) -> None:
    """Start the server on the runtime and run it until SIGTERM or SIGINT."""
    settings = app_runtime.settings
    sqlite = app_runtime.database.engine.dialect.name == "sqlite"
    server = await start(
        app_runtime.conversation,
        SlackSettings(),
        teams=TeamsSettings(),
        host=settings.host,
        port=settings.port,
        tick_seconds=settings.tick_seconds,
        claim_seconds=settings.claim_seconds,
        database_threads=1 if sqlite else 8,
        teams_emulator=settings.teams_emulator,
        pacer=app_runtime.pacer(),
        ready=Readiness(WriteProbe(settings.database_url)),
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
    logging.getLogger(__name__).info("stopping")
    await server.stop()
