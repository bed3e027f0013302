"""The help of the command line, from `prompts/<language>/command_line.yaml`.

Plain texts rather than templates of the catalogue: reading them needs no Jinja, Babel or
settings, so `inbreng --help` starts at once.
"""

from __future__ import annotations

from functools import cache

from bot.catalogue_file import read_catalogue_file
from inbreng.cli.language import DEFAULT_LANGUAGE, command_line_language

CATALOGUE_FILE = "command_line.yaml"


@cache
def help_catalogue(language: str) -> dict[str, str]:
    return read_catalogue_file(language, CATALOGUE_FILE)


def help_text(key: str) -> str:
    """The help text under `key` in the command line's language (Dutch where it lacks one)."""
    texts = help_catalogue(command_line_language())
    if key in texts:
        return texts[key]
    return help_catalogue(DEFAULT_LANGUAGE)[key]
