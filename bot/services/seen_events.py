"""Events a platform delivered before: its retries are processed once, by one instance."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import Platform
from bot.ports import Clock, UnitOfWorkFactory

KEEP = timedelta(days=1)  # platforms retry for minutes; a day is ample


class SeenEvents:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def first_time(self, platform: Platform, event_id: str) -> bool:
        with self._uow_factory() as uow:
            first = uow.processed_events.first_time(platform, event_id, at=self._clock.now())
            uow.commit()
        return first

    def forget_old(self) -> int:
        with self._uow_factory() as uow:
            forgotten = uow.processed_events.forget_before(self._clock.now() - KEEP)
            uow.commit()
        return forgotten
