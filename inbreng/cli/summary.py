"""`inbreng summary ROUND`: the summary as Markdown, and its review."""

from __future__ import annotations

from typing import Annotated

import typer

from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_app

app = command_app()


@add_command(app, "summary", "summary.help")
def summary(
    round_id: Annotated[int, typer.Argument(metavar="ROUND", help=help_text("rounds.round"))],
    retitle: Annotated[
        list[str] | None, typer.Option(metavar="KEY=TITLE", help=help_text("summary.retitle"))
    ] = None,
    hide: Annotated[
        list[str] | None, typer.Option(metavar="KEY", help=help_text("summary.hide"))
    ] = None,
    show: Annotated[
        list[str] | None, typer.Option(metavar="KEY", help=help_text("summary.show"))
    ] = None,
    approve: Annotated[bool, typer.Option(help=help_text("summary.approve"))] = False,
    post: Annotated[bool, typer.Option(help=help_text("summary.post"))] = False,
) -> None:
    """Print the summary of a round as Markdown: themes, response per municipality. A closed
    round's summary can be reviewed first: retitle, hide or show themes, approve, post."""
    from bot.summary.markdown import summary_markdown
    from inbreng.cli.common import fail, load_settings
    from inbreng.cli.operator import command_line_operator
    from inbreng.cli.runtime import runtime

    with runtime(load_settings()) as app_runtime:
        core = app_runtime.core
        review, operator = core.summary_review, command_line_operator()
        for change in retitle or []:
            key, separator, title = change.partition("=")
            if not separator:
                fail(f"--retitle {change!r}: use KEY=TITLE, e.g. t2=Personeelstekort")
            review.retitle(round_id, key.strip(), title, actor=operator)
        for key in hide or []:
            review.set_hidden(round_id, key, True, actor=operator)
        for key in show or []:
            review.set_hidden(round_id, key, False, actor=operator)
        if approve and not post:
            review.approve(round_id, actor=operator)
        details = core.reports.read_details(round_id, reader=operator)
        voice = app_runtime.voice()
        summary = core.reports.read_summary(round_id, reader=operator)
        typer.echo(summary_markdown(voice, details.round_, summary, details.participation))
        if post:
            postings = review.post(round_id, actor=operator)
            channels = [f"{p.platform}:{p.channel}" for p in postings]
            typer.echo(voice.plain("cli.summary_posted", where=", ".join(channels)), err=True)
