"""`inbreng db upgrade`."""

from __future__ import annotations

import typer

from inbreng.cli.localised import add_command, command_group

app = command_group("db.help")


@add_command(app, "upgrade", "db.upgrade.help")
def upgrade() -> None:
    """Create or migrate the database schema to the newest revision."""
    from inbreng.cli.common import load_settings
    from inbreng.cli.database_runtime import command_line_voice
    from storage import migrate

    config = load_settings()
    migrate.upgrade(config.database_url)
    voice = command_line_voice()
    typer.echo(voice.plain("cli.migrated", revision=migrate.current_revision(config.database_url)))
