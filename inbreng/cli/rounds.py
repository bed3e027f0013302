"""`inbreng rounds create/list/show/close`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bot.domain import Audience
from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_group

app = command_group("rounds.help")

RoundId = Annotated[int, typer.Argument(metavar="ROUND", help=help_text("rounds.round"))]


def _option(key: str) -> Any:
    return typer.Option(help=help_text(f"rounds.create.{key}"))


@add_command(app, "create", "rounds.create.help")
def create(
    pillar: Annotated[str, _option("pillar")],
    meeting_at: Annotated[str, _option("meeting_at")],
    closes_at: Annotated[str, _option("closes_at")],
    opens_at: Annotated[str, _option("opens_at")] = "now",
    question: Annotated[str, _option("question")] = "",
    reminders: Annotated[str, _option("reminders")] = "7d,2d",
    audience: Annotated[Audience, _option("audience")] = Audience.PILLAR,
    meeting_title: Annotated[str, _option("meeting_title")] = "",
    place: Annotated[str, _option("place")] = "",
    per_organisation: Annotated[bool, _option("per_organisation")] = False,
    post_summary: Annotated[bool, _option("post_summary")] = False,
    draft: Annotated[bool, _option("draft")] = False,
) -> None:
    """Create an input round for a meeting; prints the new round's id on its last line."""
    from bot.conversation.forms import ALL_PILLARS, PER_ORGANISATION, POST_SUMMARY
    from bot.conversation.round_input import read_round_request
    from inbreng.cli.common import load_settings
    from inbreng.cli.operator import command_line_operator
    from inbreng.cli.runtime import runtime

    config = load_settings()
    with runtime(config) as app_runtime:
        request = read_round_request(
            {
                "pillar": ALL_PILLARS if pillar == "all" else pillar,
                "meeting_at": meeting_at,
                "opens_at": opens_at,
                "closes_at": closes_at,
                "question": question,
                "reminders": reminders,
                "audience": audience.value,
                "meeting_title": meeting_title,
                "place": place,
                "options": tuple(
                    option
                    for option, chosen in (
                        (PER_ORGANISATION, per_organisation),
                        (POST_SUMMARY, post_summary),
                    )
                    if chosen
                ),
            },
            zone=config.zone,
            now=app_runtime.core.clock.now(),
        )
        operator = command_line_operator()
        round_ = app_runtime.core.rounds.create(request, actor=operator, draft=draft)
        voice = app_runtime.voice()
        details = app_runtime.core.reports.read_details(round_.id, reader=operator)
        invitations = sum((details.deliveries or {}).values())
        typer.echo(
            voice.plain(
                "cli.round_created",
                id=round_.id,
                meeting=round_.meeting.title,
                status=voice.plain(f"status_names.{round_.status.value}"),
                opens_at=round_.opens_at,
                closes_at=round_.closes_at,
                invitations=invitations,
            )
        )
        typer.echo(str(round_.id))


@add_command(app, "list", "rounds.list.help")
def list_rounds() -> None:
    """List all rounds, newest first."""
    from bot.voice import pillar_names
    from inbreng.cli.common import load_settings
    from inbreng.cli.database_runtime import database_runtime

    # A read of two tables in one unit of work: no services to build, so a quick start.
    with database_runtime(load_settings()) as opened:
        with opened.database.unit_of_work() as uow:
            rounds = sorted(uow.rounds.list(), key=lambda r: r.id, reverse=True)
        voice = opened.voice()
    if not rounds:
        typer.echo(voice.plain("cli.rounds_none"))
    for round_ in rounds:
        typer.echo(
            voice.plain(
                "cli.round_row",
                id=round_.id,
                status=voice.plain(f"status_names.{round_.status.value}"),
                meeting=round_.meeting.title,
                pillars=pillar_names(round_),
                opens_at=round_.opens_at,
                closes_at=round_.closes_at,
            )
        )


@add_command(app, "show", "rounds.show.help")
def show(round_id: RoundId) -> None:
    """Show a round: meeting, period, reminders, response rate, messages."""
    from collections import Counter
    from dataclasses import replace

    from adapters.console.render import render_message
    from bot.conversation.views import round_detail
    from inbreng.cli.common import load_settings
    from inbreng.cli.operator import command_line_operator
    from inbreng.cli.runtime import runtime

    with runtime(load_settings()) as app_runtime:
        core = app_runtime.core
        details = core.reports.read_details(round_id, reader=command_line_operator())
        message = round_detail(
            app_runtime.voice(),
            details.round_,
            details.participation,
            details.deliveries or Counter(),
            details.failures or Counter(),
            operations=True,  # whoever runs the command line runs the bot
        )
        typer.echo(render_message(replace(message, buttons=())))  # no buttons to press here


@add_command(app, "close", "rounds.close.help")
def close(round_id: RoundId) -> None:
    """Close a round now and store its summary draft."""
    from inbreng.cli.common import load_settings
    from inbreng.cli.operator import command_line_operator
    from inbreng.cli.runtime import runtime

    with runtime(load_settings()) as app_runtime:
        round_ = app_runtime.core.rounds.close(round_id, actor=command_line_operator())
        typer.echo(
            app_runtime.voice().plain(
                "cli.round_closed", id=round_.id, meeting=round_.meeting.title
            )
        )


@add_command(app, "schedule", "rounds.schedule.help")
def schedule(round_id: RoundId) -> None:
    """Schedule a draft round: it opens at its opening time, or now when that has passed."""
    from inbreng.cli.common import load_settings
    from inbreng.cli.operator import command_line_operator
    from inbreng.cli.runtime import runtime

    with runtime(load_settings()) as app_runtime:
        round_ = app_runtime.core.rounds.schedule(round_id, actor=command_line_operator())
        voice = app_runtime.voice()
        typer.echo(
            voice.plain(
                "cli.round_scheduled",
                id=round_.id,
                meeting=round_.meeting.title,
                status=voice.plain(f"status_names.{round_.status.value}"),
                opens_at=round_.opens_at,
                closes_at=round_.closes_at,
            )
        )


@add_command(app, "cancel", "rounds.cancel.help")
def cancel(round_id: RoundId) -> None:
    """Cancel a round that has not closed."""
    from inbreng.cli.common import load_settings
    from inbreng.cli.operator import command_line_operator
    from inbreng.cli.runtime import runtime

    with runtime(load_settings()) as app_runtime:
        round_ = app_runtime.core.rounds.cancel(round_id, actor=command_line_operator())
        typer.echo(
            app_runtime.voice().plain(
                "cli.round_cancelled", id=round_.id, meeting=round_.meeting.title
            )
        )
