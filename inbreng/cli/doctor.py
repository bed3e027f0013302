"""`inbreng doctor`: what is wrong with this installation, in plain words; exit code 1 when
something does not work."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.clock import SystemClock
from bot.doctor import Finding, Level, faulty
from bot.texts import Texts
from bot.voice import Voice
from inbreng.cli.runtime import operator_voice
from inbreng.settings import Settings


def doctor(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per finding, for monitoring.")
    ] = False,
) -> None:
    """Check the settings, the time zone, the database (reachable, migrated, network
    loaded), the scheduler's backlog, Slack, Teams and the language model endpoint."""
    # The platforms' SDKs load for this command only, not for every start.
    from inbreng.doctor import checkup

    loaded, findings = checkup()
    # Invalid settings are findings too: speak with the defaults then.
    settings = loaded.settings or Settings.model_construct()
    voice = operator_voice(settings, Texts(timezone=settings.timezone), SystemClock())
    if as_json:
        typer.echo(json.dumps([_record(voice, f) for f in findings], ensure_ascii=False, indent=1))
    else:
        for finding in findings:
            typer.echo(line(voice, finding))
        faults = sum(finding.level is Level.FAULT for finding in findings)
        typer.echo("")
        warnings = sum(finding.level is Level.WARNING for finding in findings)
        typer.echo(voice.plain("doctor.verdict", faults=faults, warnings=warnings))
    if faulty(findings):
        raise typer.Exit(code=1)


def line(voice: Voice, finding: Finding) -> str:
    return voice.plain(
        "doctor.line",
        mark=voice.plain(f"doctor.marks.{finding.level}"),
        area=voice.plain(f"doctor.areas.{finding.area}"),
        text=voice.plain(finding.text_key, **finding.params),
    )


def _record(voice: Voice, finding: Finding) -> dict[str, str]:
    return {
        "area": finding.area,
        "level": finding.level.value,
        "check": finding.key,
        "message": voice.plain(finding.text_key, **finding.params),
    }
