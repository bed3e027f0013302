"""What the database holds, counted, for monitoring: no member data, only numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import DeliveryBacklog, RoundStatus
from bot.ports import Clock, UnitOfWorkFactory


@dataclass(frozen=True, kw_only=True)
class Backlog:
    at: datetime  # the moment `deliveries.due` was counted for
    deliveries: DeliveryBacklog
    rounds: dict[RoundStatus, int]

    @property
    def oldest_due_seconds(self) -> float:
        """How long the longest-waiting due delivery has waited; 0 when none is due."""
        oldest = self.deliveries.oldest_due_at
        return 0.0 if oldest is None else max(0.0, (self.at - oldest).total_seconds())


class BacklogService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def count(self) -> Backlog:
        """Two grouped queries in one transaction, cheap enough for every scrape."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            return Backlog(
                at=now,
                deliveries=uow.deliveries.backlog(now),
                rounds=uow.rounds.count_by_status(),
            )
