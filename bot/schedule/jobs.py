"""The work the scheduler wakes up. What is due lives in the database, so every instance
may run every job: row locks decide who does what, and a job that finds nothing to do
does nothing."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from bot.application.core import Core
from bot.fault_log import FaultLog
from bot.outbox.outbox import Outbox

logger = logging.getLogger(__name__)


class Jobs:
    def __init__(self, *, core: Core, outbox: Outbox) -> None:
        self._core = core
        self._outbox = outbox
        # What the outbox did since start-up, by outcome (for /metrics). Replaced, never
        # changed in place: a scrape reads it from another thread.
        self.sent_total: Counter[str] = Counter()
        self._rounds_fault = FaultLog("rounds", logger)

    async def tick(self) -> Counter[str]:
        """Everything that is due, in one go: `rounds`, then `send` (the command line and
        the tests; the server runs the two as jobs of their own)."""
        done = await self.rounds()
        return done + await self.send()

    async def rounds(self) -> Counter[str]:
        """Open, remind and close the rounds that are due. Returns what happened, counted
        (`opened`, `reminders`, `closed`).

        Never behind sending: the server runs it beside `send`, so a reminder is queued at
        its moment however long the outbox takes. A reminder still waiting when its round
        closes is dropped all the same: the outbox composes each message when it claims it,
        and composes nothing for a round no longer open at that moment."""
        rounds = self._core.rounds
        done: Counter[str] = Counter()
        try:
            for round_ in await asyncio.to_thread(rounds.open_due):
                logger.info("round %s opened", round_.id)
                done["opened"] += 1
            for round_id, count in (await asyncio.to_thread(rounds.remind_due)).items():
                logger.info("round %s: %s reminders queued", round_id, count)
                done["reminders"] += count
            for round_ in await asyncio.to_thread(rounds.close_due):
                logger.info("round %s closed", round_.id)
                done["closed"] += 1
        except Exception as error:
            # What is due stays in the database: the next run does it.
            self._rounds_fault.failed(error)
            return done
        self._rounds_fault.recovered()
        return done

    async def send(self) -> Counter[str]:
        """Send what is due; returns the outbox's outcomes (`sent`, `retry`, ...)."""
        sent = await self._outbox.send_due()
        self.sent_total = self.sent_total + sent
        if sent:
            logger.info("outbox: %s", dict(sent))
        return sent

    async def daily(self) -> Counter[str]:
        """Retention, and forgetting platform event ids too old to be retried."""
        retention = await asyncio.to_thread(self._core.retention.run)
        if retention.answers:
            logger.info("retention: %s answers in %s rounds", retention.answers, retention.rounds)
        forgotten = await asyncio.to_thread(self._core.seen_events.forget_old)
        return Counter(retention_answers=retention.answers, events_forgotten=forgotten)
