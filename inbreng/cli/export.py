"""`inbreng export`: a round, or a pillar's rounds over a period, as a file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from bot.exports.formats import ExportFormat
from bot.timeparse import parse_day
from bot.voice import Voice
from inbreng.cli.common import fail, load_settings
from inbreng.cli.operator import command_line_operator
from inbreng.cli.runtime import runtime


def export(
    round_id: Annotated[
        int | None,
        typer.Argument(
            metavar="ROUND", help="The round's number; or give --pillar.", show_default=False
        ),
    ] = None,
    fmt: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="csv and xlsx: the answers; docx: the knowledge agenda "
            "with charts; md: the summary.",
        ),
    ] = ExportFormat.XLSX,
    pillar: Annotated[
        str | None,
        typer.Option(help="A pillar's slug: its rounds instead of one.", show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            help="With --pillar: meetings from this day (YYYY-MM-DD).", show_default=False
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            help="With --pillar: meetings up to and including this day.", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            help="Where to write; a folder or a file. Default: the current folder.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Export a round (or with --pillar, a pillar's rounds) as CSV, XLSX, DOCX or Markdown;
    prints the path of the file written."""
    config = load_settings()
    with runtime(config) as app_runtime:
        voice = app_runtime.voice()
        first = parse_day(since, field="since") if since else None
        last = parse_day(until, field="until") if until else None
        _check_subject(voice, round_id, pillar, first, last)
        service, reader = app_runtime.core.exports, command_line_operator()
        if pillar is not None:
            file = service.for_pillar(
                pillar, since=first, until=last, fmt=fmt, language=voice.language, reader=reader
            )
        else:
            assert round_id is not None  # _check_subject saw to it
            file = service.for_round(round_id, fmt=fmt, language=voice.language, reader=reader)
        target = output / file.filename if output and output.is_dir() else output
        path = target or Path.cwd() / file.filename
        try:
            path.write_bytes(file.content)
        except OSError as error:
            fail(voice.plain("export_file.errors.not_written", path=path, reason=error.strerror))
    typer.echo(str(path))


def _check_subject(
    voice: Voice, round_id: int | None, pillar: str | None, since: date | None, until: date | None
) -> None:
    """Exactly one of a round and a pillar; a period only with a pillar, and in order."""
    if round_id is None and pillar is None:
        fail(voice.plain("export_file.errors.no_subject"))
    if round_id is not None and pillar is not None:
        fail(voice.plain("export_file.errors.both_subjects"))
    if round_id is not None and (since or until):
        fail(voice.plain("export_file.errors.period_without_pillar"))
    if since and until and since > until:
        fail(voice.plain("export_file.errors.period_reversed", value=since, until=until))
