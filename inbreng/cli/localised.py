"""Typer's groups and commands, speaking the command line's language.

Click and Typer write the frame of a help page ("Usage:", "Options", "[required]") in English
and refuse some mistakes with English sentences only; these classes write that frame from the
help catalogue, and raise the mistakes Click states only in words (an unknown command, extra
arguments) as errors that carry what went wrong, so `inbreng.cli.usage_errors` can tell them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import typer
from typer._click import Context, HelpFormatter
from typer._click.exceptions import UsageError
from typer._click.parser import _split_opt
from typer.core import TyperCommand, TyperGroup, TyperOption

from inbreng.cli.help_texts import help_text


class UnknownCommandError(UsageError):
    def __init__(self, name: str, *, known: Sequence[str], ctx: Context) -> None:
        super().__init__(f"no such command {name!r}", ctx=ctx)
        self.name = name
        self.known = tuple(known)


class ExtraArgumentsError(UsageError):
    def __init__(self, arguments: Sequence[str], *, ctx: Context) -> None:
        super().__init__(f"unexpected arguments {' '.join(arguments)!r}", ctx=ctx)
        self.arguments = tuple(arguments)


class Command(TyperCommand):
    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_usage(self, ctx, formatter)

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_parameters(self, ctx, formatter)

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        return _in_language(super().get_help_option(ctx))

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        # Click refuses extra arguments with a sentence; let them through, then name them.
        allowed = ctx.allow_extra_args
        ctx.allow_extra_args = True
        try:
            rest = super().parse_args(ctx, args)
        except UsageError as error:
            error.ctx = error.ctx or ctx  # the parser leaves it out of some: name the command
            raise
        finally:
            ctx.allow_extra_args = allowed
        if rest and not allowed and not ctx.resilient_parsing:
            raise ExtraArgumentsError(rest, ctx=ctx)
        return rest


class Group(TyperGroup):
    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_usage(self, ctx, formatter)

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_parameters(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)  # as Click's own
        rows = [(name, self.summary_of(ctx, name, limit)) for name in names]
        if rows:
            with formatter.section(help_text("sections.commands")):
                formatter.write_dl(rows)

    def summary_of(self, ctx: Context, name: str, limit: int) -> str:
        """The line of command `name` in the list of commands."""
        command = self.get_command(ctx, name)
        return command.get_short_help_str(limit=limit) if command else ""

    def get_help_option(self, ctx: Context) -> TyperOption | None:
        return _in_language(super().get_help_option(ctx))

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, typer._click.Command | None, list[str]]:
        name = args[0]
        command = self.get_command(ctx, name)
        if command is None:
            if _split_opt(name)[0]:
                self.parse_args(ctx, args)  # an option: the parser names it
            raise UnknownCommandError(name, known=self.list_commands(ctx), ctx=ctx)
        return name, command, args[1:]


def command_group(help_key: str) -> typer.Typer:
    """A Typer app holding commands, with its help from the catalogue."""
    app = typer.Typer(
        cls=Group,
        help=help_text(help_key),
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode=None,  # plain Click help: rich costs more start-up than it adds
        options_metavar=help_text("usage_options"),
        subcommand_metavar=help_text("usage_command"),
    )
    # Without a callback, Typer makes a group of one command (`db`) that command itself.
    app.callback()(_group_without_options)
    return app


def _group_without_options() -> None:
    """A group's own call: it takes no options of its own."""


def add_command(
    app: typer.Typer, name: str, help_key: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """`@add_command(app, "create", "rounds.create.help")`: a command of `app`."""
    return app.command(
        name, cls=Command, help=help_text(help_key), options_metavar=help_text("usage_options")
    )


def command_app() -> typer.Typer:
    """A Typer app for one command without subcommands (`inbreng summary`); add it with
    `add_command(app, "summary", "summary.help")`."""
    return typer.Typer(add_completion=False, rich_markup_mode=None)


_MARKS = re.compile(r"(?:^|  )\[(?P<marks>[^\[\]]*)\]$")


def _write_usage(command: typer._click.Command, ctx: Context, formatter: HelpFormatter) -> None:
    pieces = " ".join(command.collect_usage_pieces(ctx))
    formatter.write_usage(ctx.command_path, pieces, prefix=f"{help_text('usage')} ")


def _write_parameters(
    command: typer._click.Command, ctx: Context, formatter: HelpFormatter
) -> None:
    arguments: list[tuple[str, str]] = []
    options: list[tuple[str, str]] = []
    for param in command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        row = (record[0], _marks_in_language(record[1]))
        (arguments if param.param_type_name == "argument" else options).append(row)
    for section, rows in (("arguments", arguments), ("options", options)):
        if rows:
            with formatter.section(help_text(f"sections.{section}")):
                formatter.write_dl(rows)


def _marks_in_language(text: str) -> str:
    """Typer closes a help text with `[default: 7d,2d; required]`: those words in ours."""
    found = _MARKS.search(text)
    if found is None:
        return text
    marks = []
    for mark in found["marks"].split("; "):
        if mark == "required":
            marks.append(help_text("marks.required"))
        elif mark.startswith("default: "):
            marks.append(f"{help_text('marks.default')}: {mark.removeprefix('default: ')}")
        else:
            marks.append(mark)
    return f"{text[: found.start()]}{found[0][: found[0].index('[')]}[{'; '.join(marks)}]"


def _in_language(option: TyperOption | None) -> TyperOption | None:
    if option is not None:
        option.help = help_text("help_option")
        # Typer leaves the flag without a default and converts the missing value with a
        # pydantic TypeAdapter it builds for that: a tenth of a second for every command.
        option.default = False
    return option
