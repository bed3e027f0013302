"""Fixtures for tests of the core: the PMG network loaded, a clock, an open round, a chat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Round
from bot.network_file import load_network_file
from bot.ports import UnitOfWorkFactory
from bot.services.network import load_network
from bot.services.rounds import RoundRequest
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from tests.support import EXAMPLES, OPERATOR, FakeClock, ScriptedChat

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday morning


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, _env_file=None)


@pytest.fixture
def core(uow_factory: UnitOfWorkFactory, clock: FakeClock, settings: Settings) -> Core:
    """The services on a database holding the example network of the PMG."""
    load_network(uow_factory, load_network_file(EXAMPLES / "network.yaml"))
    return build_core(uow_factory=uow_factory, settings=settings, clock=clock)


@pytest.fixture
def conversation(core: Core) -> Conversation:
    return Conversation(core=core)


@pytest.fixture
def open_round(core: Core, clock: FakeClock) -> Round:
    """A Financiën round, open for a week, before a meeting in two weeks."""
    return core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_title="Pijleroverleg Financiën",
            meeting_at=clock.now() + timedelta(days=14),
            closes_at=clock.now() + timedelta(days=7),
            reminders=(timedelta(days=2),),
        ),
        actor=OPERATOR,
    )


@pytest.fixture
def scheduled_round(core: Core, clock: FakeClock) -> Round:
    """A Financiën round that opens tomorrow and closes a week after."""
    return core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            opens_at=clock.now() + timedelta(days=1),
            closes_at=clock.now() + timedelta(days=8),
            meeting_at=clock.now() + timedelta(days=15),
        ),
        actor=OPERATOR,
    )


@pytest.fixture
def chat(conversation: Conversation, tmp_path: Path) -> Callable[[str], ScriptedChat]:
    """A terminal conversation as the member with this e-mail address."""

    def start(email: str) -> ScriptedChat:
        member = conversation.core.members.by_email(email)
        language = member.language if member else "nl"
        return ScriptedChat(conversation, email, language=language, files_dir=tmp_path)

    return start
