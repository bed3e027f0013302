"""A mistake in how a command was typed, as one line in the command line's language.

Click states these in English sentences of its own; the error's kind and the parameter it
names are enough to say them with the catalogue's texts (`errors.usage_*`).
"""

from __future__ import annotations

from difflib import get_close_matches

from typer._click import Context, Parameter
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    MissingParameter,
    NoSuchOption,
)
from typer.core import TyperOption, _TyperParameter

from bot.errors import InbrengError
from inbreng.cli.localised import ExtraArgumentsError, UnknownCommandError


def usage_error(error: ClickException) -> InbrengError:
    """The refusal to show for `error`; its text is `errors.<key>`."""
    ctx: Context | None = getattr(error, "ctx", None)
    command = ctx.command_path if ctx is not None else "inbreng"
    if isinstance(error, UnknownCommandError):
        return InbrengError(
            "usage_unknown_command",
            command=command,
            name=error.name,
            known=", ".join(error.known),
            suggestion=next(iter(get_close_matches(error.name, error.known, n=1)), ""),
        )
    if isinstance(error, ExtraArgumentsError):
        return InbrengError("usage_extra_arguments", command=command,
                            arguments=" ".join(error.arguments))  # fmt: skip
    if isinstance(error, NoSuchOption):
        return InbrengError(
            "usage_unknown_option",
            command=command,
            option=error.option_name,
            suggestions=sorted(error.possibilities or ()),
        )
    if isinstance(error, BadOptionUsage):
        option = _option_named(ctx, error.option_name)
        takes_no_value = isinstance(option, TyperOption) and option.is_flag
        key = "usage_option_takes_no_value" if takes_no_value else "usage_option_needs_value"
        return InbrengError(key, command=command, option=error.option_name)
    if isinstance(error, MissingParameter):
        return InbrengError("usage_missing", command=command, name=_name_of(error.param))
    if isinstance(error, BadParameter):
        return _bad_value(command, error.param)
    return InbrengError("usage_not_understood", command=command)


def _bad_value(command: str, param: Parameter | None) -> InbrengError:
    """Typer converts values itself and keeps only its own sentence about them: tell the
    reader what the parameter takes."""
    name = _name_of(param)
    if isinstance(param, _TyperParameter):
        descriptor = param.type_descriptor
        if descriptor.choices is not None:
            known = ", ".join(str(getattr(c, "value", c)) for c in descriptor.choices)
            return InbrengError("usage_bad_choice", command=command, name=name, known=known)
        if descriptor.annotation is int:
            return InbrengError("usage_not_a_number", command=command, name=name)
    return InbrengError("usage_bad_value", command=command, name=name)


def _name_of(param: Parameter | None) -> str:
    """`--pillar` for an option, its placeholder (`ROUND`) for an argument."""
    if param is None:
        return ""
    if param.param_type_name == "option":
        return max(param.opts, key=len)
    return param.metavar or (param.name or "").upper()


def _option_named(ctx: Context | None, option: str) -> Parameter | None:
    if ctx is None:
        return None
    return next((p for p in ctx.command.params if option in (*p.opts, *p.secondary_opts)), None)
