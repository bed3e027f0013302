"""`inbreng serve`: the server, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_app

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
    from sqlalchemy.exc import SQLAlchemyError

    from bot.errors import InbrengError
    from inbreng.cli.common import load_settings
    from inbreng.cli.runtime import runtime
    from inbreng.cli.serving import serve_until_stopped
    from inbreng.database_access import timeouts_of, wait_for_database
    from inbreng.logs import configure_logging
    from storage import migrate
    from storage.faults import first_line

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_format)
    wait_for_database(
        settings.database_url,
        timeouts=timeouts_of(settings),
        within=settings.database_start_seconds,
    )
    try:
        if migrate_first:
            migrate.upgrade(settings.database_url)
        with runtime(settings) as app_runtime:
            asyncio.run(serve_until_stopped(app_runtime))
    except SQLAlchemyError as error:
        # Lost between the wait and the start: one line, like any refusal.
        raise InbrengError("database_failed", error=first_line(error)) from None
