"""How a database answers, for `inbreng doctor`: reachable or why not, as data. An error
is the driver's first line, never with the password; the URL is shown with `***`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.database import DEFAULT_TIMEOUTS, DatabaseTimeouts, create_database_engine
from storage.errors import DatabaseReadError


@dataclass(frozen=True, kw_only=True)
class DatabaseProbe:
    url: str  # as shown: the password as ***
    kind: str  # sqlite, postgresql
    version: str = ""
    missing_file: Path | None = None  # a SQLite file that does not exist (and was not made)
    error: str | None = None  # why no connection could be made


def probe(url: str, *, timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS) -> DatabaseProbe:
    parsed = make_url(url)
    shown, kind = parsed.render_as_string(hide_password=True), parsed.get_backend_name()
    if kind == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        if not path.is_file():  # connecting would create an empty file
            return DatabaseProbe(url=shown, kind=kind, missing_file=path.resolve())
    engine = create_database_engine(url, timeouts=timeouts)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            version = ".".join(map(str, engine.dialect.server_version_info or ()))
    except SQLAlchemyError as error:
        return DatabaseProbe(url=shown, kind=kind, error=_reason(error, parsed.password))
    finally:
        engine.dispose()
    return DatabaseProbe(url=shown, kind=kind, version=version)


@contextmanager
def read_errors(url: str) -> Iterator[None]:
    """SQLAlchemy's errors while reading, as `DatabaseReadError`."""
    try:
        yield
    except SQLAlchemyError as error:
        raise DatabaseReadError(_reason(error, make_url(url).password)) from error


def _reason(error: SQLAlchemyError, password: str | None) -> str:
    """The driver's first line, without SQLAlchemy's wrapping, and never the password."""
    original = getattr(error, "orig", None) or error
    line = (str(original).strip().splitlines() or [type(original).__name__])[0]
    return line.replace(password, "***") if password else line
