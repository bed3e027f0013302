"""`inbreng serve`: the server, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Annotated

import typer

from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_app
from inbreng.cli.runtime import Runtime

app = command_app()


@add_command(app, "serve", "serve.help")
def serve(
    migrate_first: Annotated[
        bool, typer.Option("--migrate", help=help_text("serve.migrate"))
    ] = False,
) -> None:
    """Run the bot: Slack and Teams endpoints, /healthz, /metrics, and the outbox that
    sends. SIGTERM stops it gracefully: requests and sends under way finish, unsent claims
    are released."""
    from bot.logs import configure_logging
    from inbreng.cli.common import load_settings
    from inbreng.cli.runtime import runtime
    from storage import migrate

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    if migrate_first:
        migrate.upgrade(settings.database_url)
    with runtime(settings) as app_runtime:
        asyncio.run(_serve_until_stopped(app_runtime))


async def _serve_until_stopped(app_runtime: Runtime) -> None:
    from bot.config import SlackSettings, TeamsSettings
    from inbreng.server.app import start

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
    )
    stopped = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopped.set)
    await stopped.wait()
    logging.getLogger(__name__).info("stopping")
    await server.stop()
