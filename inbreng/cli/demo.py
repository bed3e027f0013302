"""`inbreng demo`: a whole input round on a fresh SQLite file, in one command.

The fictional members of `examples/pmg/` answer through the same conversation that Slack,
Teams and the terminal use; then the secretariat closes the round and the summary is printed.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_app

app = command_app()

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pmg"
DEMO_PILLAR = "financien"


def _weekday_afternoon(now: datetime, zone: ZoneInfo, *, days_ahead: int) -> datetime:
    """A Friday at 14:00 local time, at least `days_ahead` days from now."""
    day = (now.astimezone(zone) + timedelta(days=days_ahead)).date()
    day += timedelta(days=(4 - day.weekday()) % 7)
    return datetime.combine(day, datetime.min.time().replace(hour=14), tzinfo=zone)


@add_command(app, "demo", "demo.help")
def demo(
    database: Annotated[Path, typer.Option(help=help_text("demo.database"))] = Path(
        "inbreng-demo.db"
    ),
    network: Annotated[Path, typer.Option(help=help_text("demo.network"))] = EXAMPLES
    / "network.yaml",
    answers: Annotated[Path, typer.Option(help=help_text("demo.answers"))] = EXAMPLES
    / "answers.yaml",
) -> None:
    """Run a whole input round on a fresh SQLite database and print its summary."""
    import yaml

    from adapters.console.session import console_actor
    from bot.conversation.commands import Command
    from bot.domain import Role
    from bot.events import ButtonEvent, FormEvent
    from bot.network_file import NetworkFileError, load_network_file
    from bot.services.network import load_network
    from bot.services.rounds import RoundRequest
    from bot.summary.markdown import summary_markdown
    from inbreng.cli.common import fail, load_settings
    from inbreng.cli.operator import command_line_operator
    from inbreng.cli.runtime import runtime
    from storage import migrate

    started = time.perf_counter()
    database.unlink(missing_ok=True)
    url = f"sqlite:///{database.resolve()}"
    config = load_settings().model_copy(update={"database_url": url})
    try:
        spec = load_network_file(network)
        script: dict[str, Any] = yaml.safe_load(answers.read_text(encoding="utf-8"))
    except (NetworkFileError, OSError) as error:
        fail(str(error))

    migrate.upgrade(url)
    with runtime(config) as app_runtime:
        core, conversation, voice = app_runtime.core, app_runtime.conversation, app_runtime.voice()
        typer.echo(voice.plain("cli.demo.start", path=str(database)))
        load_network(app_runtime.database.unit_of_work, spec)
        typer.echo(
            voice.plain(
                "cli.demo.network",
                organisations=len(spec.organisations),
                members=len(spec.members),
                pillars=len(spec.pillars),
            )
        )

        secretary = next(m for m in spec.members if Role.SECRETARIAT in m.roles)
        secretary_member = core.members.by_email(secretary.email)
        # The round is the secretariat's, as it would be in the chat.
        by = secretary_member or command_line_operator()
        meeting_at = _weekday_afternoon(core.clock.now(), config.zone, days_ahead=14)
        round_ = core.rounds.create(
            RoundRequest(
                pillar_slug=DEMO_PILLAR,
                meeting_title="Pijleroverleg Financiën",
                meeting_at=meeting_at,
                closes_at=meeting_at - timedelta(days=6, hours=21),  # the Friday before, 17:00
                reminders=(timedelta(days=2),),
                place="Amersfoort",
            ),
            actor=by,
        )
        typer.echo(
            voice.plain(
                "cli.demo.round",
                id=round_.id,
                meeting=round_.meeting.title,
                meeting_at=round_.meeting.starts_at,
                invitations=sum(
                    (
                        core.reports.read_details(
                            round_.id, reader=command_line_operator()
                        ).deliveries
                        or {}
                    ).values()
                ),
            )
        )

        given, members = 0, set()
        for answer in script.get("answers", []):
            replies = conversation.handle(
                FormEvent(
                    actor=console_actor(answer["email"]),
                    form_id="answer",
                    context=f"round:{round_.id}",
                    values={
                        "topic": answer["topic"],
                        "text": answer["text"],
                        "network_help": answer.get("network_help") or "",
                        "attribution": answer.get("attribution", "name"),
                    },
                )
            )
            stored = len(replies) == 1 and replies[0].form is None and replies[0].fields
            if not stored:
                reason = " ".join(r.text or " ".join(r.form.errors.values()) if r.form else r.text
                                  for r in replies)  # fmt: skip
                typer.echo(voice.plain("cli.demo.refused", email=answer["email"], reason=reason))
                continue
            given += 1
            members.add(answer["email"])
        for email in script.get("declines", []):
            conversation.handle(
                ButtonEvent(
                    actor=console_actor(email), action=Command.DECLINE, value=str(round_.id)
                )
            )
        typer.echo(
            voice.plain(
                "cli.demo.answers",
                answers=given,
                members=len(members),
                declines=len(script.get("declines", [])),
            )
        )

        core.rounds.close(round_.id, actor=by)
        typer.echo(voice.plain("cli.demo.closed", id=round_.id))
        typer.echo("")
        details = core.reports.read_details(round_.id, reader=command_line_operator())
        typer.echo(
            summary_markdown(
                voice,
                details.round_,
                core.reports.read_summary(round_.id, reader=command_line_operator()),
                details.participation,
            )
        )
    member = next(m for m in spec.members if DEMO_PILLAR in m.pillars and not m.lead_of)
    lead = next(m for m in spec.members if DEMO_PILLAR in m.lead_of)
    typer.echo(voice.plain("cli.demo.done", seconds=f"{time.perf_counter() - started:.1f}"))
    for email in (member.email, lead.email, secretary.email):
        typer.echo(f"  INBRENG_DATABASE_URL={url} inbreng chat --as {email}")
