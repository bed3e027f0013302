"""Reading the arguments of typed commands."""

from __future__ import annotations

from bot.errors import InbrengError


def id_argument(args: list[str], *, what: str) -> int | None:
    """The first argument as an id (`12` or `#12`); None when there is none.

    `what` names the kind of id for the error text ("round" or "response").
    """
    if not args:
        return None
    word = args[0].lstrip("#")
    if not word.isdecimal() or len(word) > 9:
        raise InbrengError("not_an_id", value=args[0][:40], what=what)
    return int(word)


def required_id(args: list[str], *, what: str, command: str) -> int:
    found = id_argument(args, what=what)
    if found is None:
        raise InbrengError("missing_id", what=what, command=command)
    return found
