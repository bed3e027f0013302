"""The language the command line speaks (INBRENG_LANGUAGE), known before any setting loads.

`--help` and usage errors need it without the cost of reading and validating every setting;
this reads the one variable as the settings do: the environment first, then `.env`, its name
in any case.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
_VARIABLE = "INBRENG_LANGUAGE"


@cache  # read once: every help text asks
def command_line_language() -> str:
    """`nl` or `en`; Dutch when the setting is missing or unknown (the settings refuse an
    unknown one as soon as a command loads them)."""
    value = _from_environment() or _from_env_file()
    return value if value in LANGUAGES else DEFAULT_LANGUAGE


def _from_environment() -> str | None:
    for name, value in os.environ.items():
        if name.upper() == _VARIABLE:
            return value
    return None


def _from_env_file() -> str | None:
    env_file = Path(".env")
    if not env_file.is_file():
        return None
    from dotenv import dotenv_values  # the settings' own reader of .env

    for name, value in dotenv_values(env_file).items():
        if name.upper() == _VARIABLE:
            return value
    return None
