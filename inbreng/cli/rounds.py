"""`inbreng rounds create/list/show/close`."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

import typer

from adapters.console.render import render_message
from bot.conversation.forms import ALL_PILLARS, PER_ORGANISATION, POST_SUMMARY
from bot.conversation.round_input import read_round_request
from bot.conversation.views import round_detail
from bot.domain import Audience
from bot.voice import pillar_names
from inbreng.cli.common import load_settings
from inbreng.cli.operator import command_line_operator
from inbreng.cli.runtime import runtime

app = typer.Typer(help="Input rounds before meetings.", no_args_is_help=True)

RoundId = Annotated[int, typer.Argument(metavar="ROUND", help="The round's number.")]


@app.command("create")
def create(
    pillar: Annotated[str, typer.Option(help="Pillar slug, or 'all' for a members' meeting.")],
    meeting_at: Annotated[str, typer.Option(help="Meeting start, ISO date and time.")],
    closes_at: Annotated[str, typer.Option(help="When answering closes, ISO date and time.")],
    opens_at: Annotated[str, typer.Option(help="When the round opens: ISO or 'now'.")] = "now",
    question: Annotated[str, typer.Option(help="The question; default per language.")] = "",
    reminders: Annotated[
        str, typer.Option(help="Before closing, e.g. 7d,2d; 'morning': the last day's start.")
    ] = "7d,2d",
    audience: Annotated[Audience, typer.Option(help="Who is asked.")] = Audience.PILLAR,
    meeting_title: Annotated[str, typer.Option(help="Default: the pillar's name.")] = "",
    place: Annotated[str, typer.Option(help="Where the meeting is.")] = "",
    per_organisation: Annotated[
        bool, typer.Option(help="Stop reminding a municipality once one of its members answered.")
    ] = False,
    post_summary: Annotated[
        bool, typer.Option(help="Post the summary to the channels on closing, without review.")
    ] = False,
) -> None:
    """Create an input round for a meeting; prints the new round's id on its last line."""
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
        round_ = app_runtime.core.rounds.create(request, actor=command_line_operator())
        voice = app_runtime.voice()
        invitations = sum(app_runtime.core.reports.deliveries(round_.id).values())
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


@app.command("list")
def list_rounds() -> None:
    """List all rounds, newest first."""
    with runtime(load_settings()) as app_runtime:
        voice = app_runtime.voice()
        rounds = sorted(app_runtime.core.rounds.find(), key=lambda r: r.id, reverse=True)
        if not rounds:
            typer.echo(voice.plain("cli.rounds_none"))
        pillars = app_runtime.core.rounds.all_pillars()
        for round_ in rounds:
            typer.echo(
                voice.plain(
                    "cli.round_row",
                    id=round_.id,
                    status=voice.plain(f"status_names.{round_.status.value}"),
                    meeting=round_.meeting.title,
                    pillars=pillar_names(pillars, round_),
                    opens_at=round_.opens_at,
                    closes_at=round_.closes_at,
                )
            )


@app.command("show")
def show(round_id: RoundId) -> None:
    """Show a round: meeting, period, reminders, response rate, messages."""
    with runtime(load_settings()) as app_runtime:
        core = app_runtime.core
        round_, pillars = core.reports.round_with_pillars(round_id)
        message = round_detail(
            app_runtime.voice(),
            round_,
            pillars,
            core.reports.participation(round_id),
            core.reports.deliveries(round_id),
            core.reports.failures(round_id),
            operations=True,  # whoever runs the command line runs the bot
        )
        typer.echo(render_message(replace(message, buttons=())))  # no buttons to press here


@app.command("close")
def close(round_id: RoundId) -> None:
    """Close a round now and store its summary draft."""
    with runtime(load_settings()) as app_runtime:
        round_ = app_runtime.core.rounds.close(round_id, actor=command_line_operator())
        typer.echo(
            app_runtime.voice().plain(
                "cli.round_closed", id=round_.id, meeting=round_.meeting.title
            )
        )
