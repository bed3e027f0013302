"""`inbreng network export` and `import`: the whole network as one JSON file, to move it to
another database (SQLite to PostgreSQL) or another server."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from bot.clock import SystemClock
from bot.errors import InbrengError
from bot.texts import Texts
from bot.voice import Voice
from inbreng.cli.common import load_settings
from inbreng.cli.runtime import operator_voice
from storage import backup


def export_network(
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="The file to write (readable by you only).", show_default="stdout"
        ),
    ] = None,
) -> None:
    """Export the whole network as JSON, to import elsewhere; it holds personal data."""
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
        _voice().plain(
            "cli.network_exported",
            path=str(output),
            total=sum(counts.values()),
            tables=sum(1 for count in counts.values() if count),
        ),
        err=True,
    )


def import_network(
    file: Annotated[Path, typer.Argument(help="A file of inbreng network export.")],
    tombstones: Annotated[
        Path | None,
        typer.Option(
            "--tombstones",
            metavar="EXPORT",
            help="Another export (e.g. today's, when restoring an older one) whose erased "
            "members must not come back.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Import a network export into an empty database (db upgrade first); all or nothing.
    Erased members are left out."""
    config = load_settings()
    document = read_json(file)
    erased = backup.tombstones_of(read_json(tombstones)) if tombstones is not None else None
    result = backup.import_network(config.database_url, document, tombstones=erased)
    voice = _voice()
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


def _voice() -> Voice:
    config = load_settings()
    return operator_voice(config, Texts(timezone=config.timezone), SystemClock())
