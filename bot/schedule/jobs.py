"""The work the scheduler wakes up. What is due lives in the database, so every instance
may run every job: row locks decide who does what, and a job that finds nothing to do
does nothing."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from bot.application.core import Core
from bot.outbox.outbox import Outbox

logger = logging.getLogger(__name__)


class Jobs:
    def __init__(self, *, core: Core, outbox: Outbox) -> None:
        self._core = core
        self._outbox = outbox
        # What the outbox did since start-up, by outcome (for /metrics). Replaced, never
        # changed in place: a scrape reads it from another thread.
        self.sent_total: Counter[str] = Counter()

    async def tick(self) -> Counter[str]:
        """Open, remind and close the rounds that are due, then send what is due.

        Closing before sending: a reminder still waiting when its round closes is dropped.
        Returns what happened, counted (`opened`, `reminders`, `closed`, and the outbox's
        outcomes such as `sent`)."""
        rounds = self._core.rounds
        done: Counter[str] = Counter()
        for round_ in await asyncio.to_thread(rounds.open_due):
            logger.info("round %s opened", round_.id)
            done["opened"] += 1
        for round_id, count in (await asyncio.to_thread(rounds.remind_due)).items():
            logger.info("round %s: %s reminders queued", round_id, count)
            done["reminders"] += count
        for round_ in await asyncio.to_thread(rounds.close_due):
            logger.info("round %s closed", round_.id)
            done["closed"] += 1
        sent = await self._outbox.send_due()
        self.sent_total = self.sent_total + sent
        if sent:
            logger.info("outbox: %s", dict(sent))
        return done + sent

    async def daily(self) -> Counter[str]:
        """Retention, and forgetting platform event ids too old to be retried."""
        retention = await asyncio.to_thread(self._core.retention.run)
        if retention.answers:
            logger.info("retention: %s answers in %s rounds", retention.answers, retention.rounds)
        forgotten = await asyncio.to_thread(self._core.seen_events.forget_old)
        return Counter(retention_answers=retention.answers, events_forgotten=forgotten)
