"""`inbreng`: the command line of DESIGN.md."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from adapters.console.session import ConsoleSession
from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.clock import SystemClock
from bot.doctor import Level
from bot.errors import FieldErrors, InbrengError
from bot.exports.summary_markdown import summary_markdown
from bot.network_file import NetworkFileError, load_network_file
from bot.services.doctor import Platforms, trust_findings
from bot.services.network import Readmission, load_network
from bot.texts import Texts
from bot.voice import Voice
from inbreng.cli import demo as demo_command
from inbreng.cli import doctor as doctor_command
from inbreng.cli import export as export_command
from inbreng.cli import network_backup
from inbreng.cli import rounds as rounds_commands
from inbreng.cli import serve as serve_command
from inbreng.cli import themes as themes_commands
from inbreng.cli.common import fail, load_settings
from inbreng.cli.operator import command_line_actor, command_line_operator
from inbreng.cli.runtime import operator_voice, runtime
from storage import migrate

app = typer.Typer(
    name="inbreng",
    help="Inbreng: collect members' challenges before network meetings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
network_app = typer.Typer(
    help="The network: municipalities, members, pillars.", no_args_is_help=True
)
app.add_typer(db_app, name="db")
app.add_typer(network_app, name="network")
network_app.command("export")(network_backup.export_network)
network_app.command("import")(network_backup.import_network)
app.add_typer(rounds_commands.app, name="rounds")
app.add_typer(themes_commands.app, name="themes")
app.command(name="demo")(demo_command.demo)
app.command(name="doctor")(doctor_command.doctor)
app.command(name="serve")(serve_command.serve)
app.command(name="export")(export_command.export)


def error_lines(voice: Voice, error: InbrengError) -> list[str]:
    errors = error.errors if isinstance(error, FieldErrors) else [error]
    return [voice.plain(f"errors.{item.key}", **item.params) for item in errors]


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to the newest revision."""
    config = load_settings()
    migrate.upgrade(config.database_url)
    voice = operator_voice(config, Texts(timezone=config.timezone), SystemClock())
    typer.echo(voice.plain("cli.migrated", revision=migrate.current_revision(config.database_url)))


@network_app.command("load")
def network_load(
    file: Annotated[Path, typer.Argument(help="The network file (YAML).", show_default=False)],
    readmit: Annotated[
        list[str] | None,
        typer.Option(
            metavar="EMAIL",
            help="Let an erased member of the file back in (written to the audit log); "
            "repeat for several.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Load the network file; idempotent. Members left out of it are deactivated; erased
    members are not added again unless readmitted."""
    config = load_settings()
    try:
        spec = load_network_file(file)
    except NetworkFileError as error:
        fail(str(error))
    except OSError as error:
        fail(f"{file}: {error.strerror}")
    with runtime(config) as app_runtime:
        readmission = (
            Readmission(emails=frozenset(readmit), by=command_line_actor()) if readmit else None
        )
        changes = load_network(app_runtime.database.unit_of_work, spec, readmission=readmission)
        voice = app_runtime.voice()
        platforms = Platforms(
            slack=SlackSettings().enabled,
            teams=config.teams_emulator or TeamsSettings().authenticated,
        )
        gaps = [
            finding
            for finding in trust_findings(app_runtime.database.unit_of_work, configured=platforms)
            if finding.level is not Level.OK
        ]
    if not changes.changed:
        typer.echo(voice.plain("cli.network_unchanged", name=spec.network.name))
    else:
        typer.echo(voice.plain("cli.network_loaded", name=spec.network.name))
    kinds = dict.fromkeys(kind for kind, _ in changes.counts)
    for kind in kinds:
        counts = [
            (voice.plain(f"cli.changes.{change}"), changes.count(kind, change))
            for change in ("added", "changed", "deactivated", "reactivated")
            if changes.count(kind, change)
        ]
        typer.echo(
            voice.plain("cli.change_line", kind=voice.plain(f"cli.kinds.{kind}"), changes=counts)
        )
    for email in changes.readmitted:
        typer.echo(voice.plain("cli.member_readmitted", email=email))
    for email in changes.skipped:
        typer.echo(voice.plain("cli.member_skipped", email=email))
    # Who can be recognised at all: without a trusted workspace or tenant, nobody there.
    for finding in gaps:
        typer.echo(doctor_command.line(voice, finding))


@app.command("summary")
def summary(
    round_id: Annotated[int, typer.Argument(metavar="ROUND")],
    retitle: Annotated[
        list[str] | None,
        typer.Option(metavar="KEY=TITLE", help="Give a theme (t1, t2 ...) a new title."),
    ] = None,
    hide: Annotated[list[str] | None, typer.Option(metavar="KEY", help="Hide a theme.")] = None,
    show: Annotated[list[str] | None, typer.Option(metavar="KEY", help="Show it again.")] = None,
    approve: Annotated[bool, typer.Option(help="Approve the reviewed summary.")] = False,
    post: Annotated[bool, typer.Option(help="Approve and post it to the channels.")] = False,
) -> None:
    """Print the summary of a round as Markdown: themes, response per municipality. A closed
    round's summary can be reviewed first: retitle, hide or show themes, approve, post."""
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
        round_, pillars = core.reports.round_with_pillars(round_id)
        voice = app_runtime.voice()
        summary = core.reports.read_summary(round_id, reader=operator)
        typer.echo(
            summary_markdown(voice, round_, pillars, summary, core.reports.participation(round_id))
        )
        if post:
            postings = review.post(round_id, actor=operator)
            channels = [f"{p.platform}:{p.channel}" for p in postings]
            typer.echo(voice.plain("cli.summary_posted", where=", ".join(channels)), err=True)


@app.command("chat")
def chat(
    email: Annotated[str, typer.Option("--as", help="E-mail address of the member to be.")],
) -> None:
    """Talk with the bot in this terminal, as a member of the network."""
    import readline  # noqa: F401 - line editing and history for input()

    with runtime(load_settings()) as app_runtime:
        member = app_runtime.core.members.by_email(email)
        if member is None or not member.active:
            fail(app_runtime.conversation.stranger_message().text)
        voice = Voice(texts=app_runtime.core.texts, language=member.language,
                      now=app_runtime.core.clock.now())  # fmt: skip
        typer.echo(voice.plain("console.welcome", name=member.name, email=member.email))
        ConsoleSession(
            conversation=app_runtime.conversation,
            email=member.email,
            language=member.language,
            ask=input,
            say=typer.echo,
            files_dir=Path.cwd(),
        ).run()


def run() -> None:
    """Entry point: refusals become one clear line on stderr and exit code 1."""
    try:
        app()
    except InbrengError as error:
        config = load_settings()
        voice = operator_voice(config, Texts(timezone=config.timezone), SystemClock())
        for line in error_lines(voice, error):
            print(line, file=sys.stderr)
        sys.exit(1)
