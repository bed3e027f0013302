"""Building the application at start-up: settings, database, services, conversation.

This is the composition root: the only place besides `inbreng.cli.database_runtime` and the
server that imports `storage/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from adapters.llm.settings import LlmSettings
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.outbox.pacing import LocalLedger, Pacer
from bot.ports import Clock
from bot.voice import Voice
from inbreng.bootstrap import build_core
from inbreng.cli.database_runtime import database_runtime, operator_voice
from inbreng.settings import Settings
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


@contextmanager
def runtime(
    settings: Settings, *, clock: Clock | None = None, check_schema: bool = True
) -> Iterator[Runtime]:
    with database_runtime(settings, clock=clock, check_schema=check_schema) as opened:
        core = build_core(
            uow_factory=opened.database.unit_of_work,
            settings=settings,
            clock=opened.clock,
            llm=LlmSettings(),
        )
        yield Runtime(
            settings=settings,
            database=opened.database,
            core=core,
            conversation=Conversation(core=core),
        )
