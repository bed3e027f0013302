"""`inbreng`: the command line of DESIGN.md.

Each command lives in its own module, imported only when that command runs (or shows its
help): `inbreng --help` loads none of them, `inbreng rounds list` no server, no Alembic.
"""

from __future__ import annotations

import importlib
import sys
from typing import NoReturn

import typer
from typer._click import Context
from typer._click.exceptions import ClickException, NoArgsIsHelpError
from typer._click.utils import make_default_short_help

from bot.errors import FieldErrors, InbrengError
from inbreng.cli.help_texts import help_text
from inbreng.cli.language import command_line_language
from inbreng.cli.localised import Group

# Command name -> the module whose `app` (a Typer app) holds it, in the order of the help.
COMMANDS = {
    "db": "inbreng.cli.database",
    "network": "inbreng.cli.network",
    "rounds": "inbreng.cli.rounds",
    "summary": "inbreng.cli.summary",
    "export": "inbreng.cli.export",
    "themes": "inbreng.cli.themes",
    "chat": "inbreng.cli.chat",
    "demo": "inbreng.cli.demo",
    "serve": "inbreng.cli.serve",
    "doctor": "inbreng.cli.doctor",
}


class CommandLine(Group):
    """The `inbreng` group: a command's module is imported when the command is chosen."""

    def list_commands(self, ctx: Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Context, cmd_name: str) -> typer._click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        app: typer.Typer = importlib.import_module(module).app
        return typer.main.get_command(app)

    def summary_of(self, ctx: Context, name: str, limit: int) -> str:
        # From the catalogue, so that the list of commands imports none of them.
        return make_default_short_help(help_text(f"{name}.help"), limit)


def command_line() -> CommandLine:
    return CommandLine(
        name="inbreng",
        help=help_text("inbreng"),
        no_args_is_help=True,
        rich_markup_mode=None,
        options_metavar=help_text("usage_options"),
        subcommand_metavar=help_text("usage_command"),
    )


def run() -> None:
    """Entry point: a mistake in the command or a refusal becomes one clear line on stderr
    (several for a form's several fields) and exit code 1."""
    try:
        code = command_line().main(prog_name="inbreng", standalone_mode=False)
    except NoArgsIsHelpError as asked:
        # No command: the user asks what there is, which is no mistake.
        typer.echo(asked.ctx.get_help())
        code = 0
    except ClickException as error:
        from inbreng.cli.usage_errors import usage_error

        _refuse(usage_error(error))
    except typer.Abort:
        _refuse(InbrengError("aborted"))
    except InbrengError as error:
        _refuse(error)
    sys.exit(code if isinstance(code, int) else 0)


def _refuse(error: InbrengError) -> NoReturn:
    # The catalogue's templates load only for a refusal, not for every start.
    from bot.markup import plain
    from bot.texts import Texts

    texts, language = Texts(), command_line_language()
    for item in error.errors if isinstance(error, FieldErrors) else [error]:
        print(plain(texts.render(language, f"errors.{item.key}", **item.params)), file=sys.stderr)
    sys.exit(1)
