"""What every command of the command line shares."""

from __future__ import annotations

from typing import NoReturn

import typer
from pydantic import ValidationError

from inbreng.settings import Settings


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"INBRENG_{'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in error.errors()
        )
        fail(f"invalid setting: {problems}")


def fail(line: str) -> NoReturn:
    typer.echo(line, err=True)
    raise typer.Exit(code=1)
