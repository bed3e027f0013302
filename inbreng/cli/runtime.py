"""Building the application at start-up: settings, database, services, conversation.

This is the composition root: the only place in `bot/` that imports `storage/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.clock import SystemClock
from bot.config import Settings
from bot.conversation.conversation import Conversation
from bot.conversation.core import Core
from bot.conversation.turn import Voice
from bot.errors import InbrengError
from bot.outbox.pacing import LocalLedger, Pacer
from bot.ports import Clock
from bot.texts import Texts
from inbreng.cli.common import load_settings
from storage import migrate
from storage.database import Database
from storage.pacing import SqlPacingLedger


@dataclass(frozen=True, kw_only=True)
class Runtime:
    settings: Settings
    database: Database
    core: Core
    conversation: Conversation

    def voice(self) -> Voice:
        return operator_voice(self.settings, self.core.texts, self.core.clock)

    def pacer(self) -> Pacer:
        """Sends paced across every instance on PostgreSQL (their ledger is the database);
        SQLite serves one instance, whose ledger can stay in memory."""
        engine = self.database.engine
        if engine.dialect.name == "postgresql":
            return Pacer(ledger=SqlPacingLedger(engine))
        return Pacer(ledger=LocalLedger())


def operator_voice(settings: Settings, texts: Texts, clock: Clock) -> Voice:
    """The command line speaks the operator's language (INBRENG_LANGUAGE)."""
    return Voice(texts=texts, language=settings.language, now=clock.now())


def command_line_voice() -> Voice:
    """The operator's voice, for a command that builds no runtime."""
    config = load_settings()
    return operator_voice(config, Texts(timezone=config.timezone), SystemClock())


def require_migrated(database_url: str) -> None:
    current, head = migrate.current_revision(database_url), migrate.head_revision()
    if current != head:
        raise InbrengError("not_migrated", current=current, head=head)


@contextmanager
def runtime(
    settings: Settings, *, clock: Clock | None = None, check_schema: bool = True
) -> Iterator[Runtime]:
    if check_schema:
        require_migrated(settings.database_url)
    database = Database(settings.database_url)
    try:
        core = Core.build(
            uow_factory=database.unit_of_work, settings=settings, clock=clock or SystemClock()
        )
        yield Runtime(
            settings=settings,
            database=database,
            core=core,
            conversation=Conversation(core=core),
        )
    finally:
        database.dispose()
