"""Building the core from the settings read at start-up."""

from __future__ import annotations

from adapters.llm.chat_completions import ChatCompletions
from adapters.llm.settings import LlmSettings
from bot.application.core import Core
from bot.ports import Clock, UnitOfWorkFactory
from inbreng.settings import Settings


def build_core(
    *,
    uow_factory: UnitOfWorkFactory,
    settings: Settings,
    clock: Clock,
    llm: LlmSettings | None = None,
) -> Core:
    """The services on this database; the network's model phrases summaries when `llm`
    names one."""
    return Core.build(
        uow_factory=uow_factory,
        clock=clock,
        window=settings.sending_window(),
        timezone=settings.timezone,
        answer_max_chars=settings.answer_max_chars,
        retention=settings.retention_policy(),
        model=ChatCompletions.configured(llm) if llm is not None else None,
    )
