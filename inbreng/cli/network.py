"""`inbreng network load`, and `export` and `import`: the whole network as one JSON file, to
move it to another database (SQLite to PostgreSQL) or another server."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bot.errors import InbrengError
from inbreng.cli.help_texts import help_text
from inbreng.cli.localised import add_command, command_group

app = command_group("network.help")


@add_command(app, "load", "network.load.help")
def load(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help=help_text("network.load.file"), show_default=False),
    ],
    readmit: Annotated[
        list[str] | None,
        typer.Option(metavar="EMAIL", help=help_text("network.load.readmit"), show_default=False),
    ] = None,
) -> None:
    """Load the network file; idempotent. Members left out of it are deactivated; erased
    members are not added again unless readmitted."""
    from adapters.slack.settings import SlackSettings
    from adapters.teams.settings import TeamsSettings
    from bot.doctor import Level
    from bot.network_file import NetworkFileError, load_network_file
    from bot.services.doctor import Platforms, trust_findings
    from bot.services.network import Readmission, load_network
    from inbreng.cli.common import fail, load_settings
    from inbreng.cli.findings import finding_line
    from inbreng.cli.operator import command_line_actor
    from inbreng.cli.runtime import runtime

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
        typer.echo(finding_line(voice, finding))


@add_command(app, "export", "network.export.help")
def export_network(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help=help_text("network.export.output"),
            show_default=help_text("network.export.output_default"),
        ),
    ] = None,
) -> None:
    """Export the whole network as JSON, to import elsewhere; it holds personal data."""
    from inbreng.cli.common import load_settings
    from inbreng.cli.database_runtime import command_line_voice
    from storage import backup

    config = load_settings()
    document = backup.export_network(config.database_url)
    text = backup.to_json(document)
    if output is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    try:
        write_privately(output, text)
    except OSError as error:
        raise InbrengError("file_unwritable", path=str(output), reason=error.strerror) from None
    counts = backup.row_counts(document)
    typer.echo(
        command_line_voice().plain(
            "cli.network_exported",
            path=str(output),
            total=sum(counts.values()),
            tables=sum(1 for count in counts.values() if count),
        ),
        err=True,
    )


@add_command(app, "import", "network.import.help")
def import_network(
    file: Annotated[Path, typer.Argument(metavar="FILE", help=help_text("network.import.file"))],
    tombstones: Annotated[
        Path | None,
        typer.Option(
            "--tombstones",
            metavar="EXPORT",
            help=help_text("network.import.tombstones"),
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import a network export into an empty database (db upgrade first); all or nothing.
    Erased members are left out."""
    from inbreng.cli.common import load_settings
    from inbreng.cli.database_runtime import command_line_voice
    from storage import backup

    config = load_settings()
    document = read_json(file)
    erased = backup.tombstones_of(read_json(tombstones)) if tombstones is not None else None
    result = backup.import_network(config.database_url, document, tombstones=erased)
    voice = command_line_voice()
    typer.echo(
        voice.plain(
            "cli.network_imported",
            name=result.network_name,
            total=result.total_rows,
            tables=sum(1 for count in result.rows.values() if count),
            released=result.released_claims,
        )
    )
    if tombstones is not None:
        typer.echo(voice.plain("cli.tombstones_taken", count=result.tombstones_added,
                           path=str(tombstones)))  # fmt: skip
    for member in result.skipped_members:
        typer.echo(
            voice.plain(
                "cli.import_skipped",
                id=member.member_id,
                answers=member.answers,
                links=member.rows["identities"],
                messages=member.rows["deliveries"],
            )
        )


def read_json(file: Path) -> object:
    try:
        content = file.read_bytes()
    except FileNotFoundError:
        raise InbrengError("file_not_found", path=str(file)) from None
    except OSError as error:
        raise InbrengError("file_unreadable", path=str(file), reason=error.strerror) from None
    try:
        return json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise InbrengError("file_not_json", path=str(file), line=1) from None
    except json.JSONDecodeError as error:
        raise InbrengError("file_not_json", path=str(file), line=error.lineno) from None


def write_privately(path: Path, text: str) -> None:
    """Write `path` whole or not at all, readable by its owner only (mkstemp's 0600)."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
