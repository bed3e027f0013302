"""The light half of the runtime: the settings, the database with its schema checked, and the
operator's voice, for commands that read the database and need no services (`rounds list`).

`inbreng.cli.runtime` builds the services on top of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.clock import SystemClock
from bot.errors import InbrengError
from bot.ports import Clock
from bot.texts import Texts
from bot.voice import Voice
from inbreng.cli.common import load_settings
from inbreng.database_access import timeouts_of
from inbreng.settings import Settings
from storage import schema_revision
from storage.database import Database


@dataclass(frozen=True, kw_only=True)
class DatabaseRuntime:
    settings: Settings
    database: Database
    clock: Clock
    texts: Texts

    def voice(self) -> Voice:
        return operator_voice(self.settings, self.texts, self.clock)


def operator_voice(settings: Settings, texts: Texts, clock: Clock) -> Voice:
    """The command line speaks the operator's language (INBRENG_LANGUAGE)."""
    return Voice(texts=texts, language=settings.language, now=clock.now())


def command_line_voice() -> Voice:
    """The operator's voice, for a command that opens no database."""
    config = load_settings()
    return operator_voice(config, Texts(timezone=config.timezone), SystemClock())


def require_migrated(database: Database) -> None:
    """Refuse a database whose schema is not this version's newest."""
    with database.engine.connect() as connection:
        current = schema_revision.current_revision(connection)
    head = schema_revision.head_revision()
    if current != head:
        raise InbrengError("not_migrated", current=current, head=head)


@contextmanager
def database_runtime(
    settings: Settings, *, clock: Clock | None = None, check_schema: bool = True
) -> Iterator[DatabaseRuntime]:
    database = Database(settings.database_url, timeouts=timeouts_of(settings))
    try:
        if check_schema:
            require_migrated(database)
        yield DatabaseRuntime(
            settings=settings,
            database=database,
            clock=clock or SystemClock(),
            texts=Texts(timezone=settings.timezone),
        )
    finally:
        database.dispose()
