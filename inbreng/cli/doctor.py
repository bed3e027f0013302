"""`inbreng doctor`: what is wrong with this installation, in plain words; exit code 1 when
something does not work."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.doctor import Finding, Level, faulty
from bot.voice import Voice
from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_app

app = command_app()


@add_command(app, "doctor", "doctor.help")
def doctor(
    as_json: Annotated[bool, typer.Option("--json", help=help_text("doctor.json"))] = False,
) -> None:
    """Check the settings, the time zone, the database (reachable, migrated, network
    loaded), the scheduler's backlog, Slack, Teams and the language model endpoint."""
    from bot.clock import SystemClock
    from bot.texts import Texts
    from inbreng.cli.database_runtime import operator_voice
    from inbreng.cli.findings import finding_line
    from inbreng.doctor import checkup
    from inbreng.settings import Settings

    loaded, findings = checkup()
    # Invalid settings are findings too: speak with the defaults then.
    settings = loaded.settings or Settings.model_construct()
    voice = operator_voice(settings, Texts(timezone=settings.timezone), SystemClock())
    if as_json:
        typer.echo(json.dumps([_record(voice, f) for f in findings], ensure_ascii=False, indent=1))
    else:
        for finding in findings:
            typer.echo(finding_line(voice, finding))
        faults = sum(finding.level is Level.FAULT for finding in findings)
        typer.echo("")
        warnings = sum(finding.level is Level.WARNING for finding in findings)
        typer.echo(voice.plain("doctor.verdict", faults=faults, warnings=warnings))
    if faulty(findings):
        raise typer.Exit(code=1)


def _record(voice: Voice, finding: Finding) -> dict[str, str]:
    return {
        "area": finding.area,
        "level": finding.level.value,
        "check": finding.key,
        "message": voice.plain(finding.text_key, **finding.params),
    }
