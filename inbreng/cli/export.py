"""`inbreng export`: a round, or a pillar's rounds over a period, as a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.exports.formats import ExportFormat
from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_app

app = command_app()


@add_command(app, "export", "export.help")
def export(
    round_id: Annotated[
        int | None,
        typer.Argument(metavar="ROUND", help=help_text("export.round"), show_default=False),
    ] = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option("--format", help=help_text("export.format")),
    ] = ExportFormat.XLSX,
    pillar: Annotated[
        str | None,
        typer.Option(help=help_text("export.pillar"), show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(metavar="DATE", help=help_text("export.since"), show_default=False),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(metavar="DATE", help=help_text("export.until"), show_default=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(help=help_text("export.output"), show_default=False),
    ] = None,
) -> None:
    """Export a round (or with --pillar, a pillar's rounds) as CSV, XLSX, DOCX or Markdown;
    prints the path of the file written."""
    from bot.timeparse import parse_day
    from inbreng.cli.common import fail, load_settings
    from inbreng.cli.operator import command_line_operator
    from inbreng.cli.runtime import runtime

    config = load_settings()
    with runtime(config) as app_runtime:
        voice = app_runtime.voice()
        today = app_runtime.core.clock.now().astimezone(config.zone).date()
        first = parse_day(since, today=today, zone=config.zone, field="since") if since else None
        last = parse_day(until, today=today, zone=config.zone, field="until") if until else None
        problem = _subject_problem(round_id, pillar, first, last)
        if problem is not None:
            key, values = problem
            fail(voice.plain(f"export_file.errors.{key}", **values))
        service, reader = app_runtime.core.exports, command_line_operator()
        if pillar is not None:
            file = service.for_pillar(
                pillar, since=first, until=last, fmt=fmt, language=voice.language, reader=reader
            )
        else:
            assert round_id is not None  # _subject_problem saw to it
            file = service.for_round(round_id, fmt=fmt, language=voice.language, reader=reader)
        target = output / file.filename if output and output.is_dir() else output
        path = target or Path.cwd() / file.filename
        try:
            path.write_bytes(file.content)
        except OSError as error:
            fail(voice.plain("export_file.errors.not_written", path=path, reason=error.strerror))
    typer.echo(str(path))


def _subject_problem(
    round_id: int | None, pillar: str | None, since: date | None, until: date | None
) -> tuple[str, dict[str, object]] | None:
    """Exactly one of a round and a pillar; a period only with a pillar, and in order."""
    if round_id is None and pillar is None:
        return "no_subject", {}
    if round_id is not None and pillar is not None:
        return "both_subjects", {}
    if round_id is not None and (since or until):
        return "period_without_pillar", {}
    if since and until and since > until:
        return "period_reversed", {"value": since, "until": until}
    return None
