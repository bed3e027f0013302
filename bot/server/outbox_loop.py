"""Runs the outbox every `interval` seconds: open the rounds that are due, send what is due.

Polling keeps instances independent: whatever any of them queued, each finds in the
database on its next run."""

from __future__ import annotations

import asyncio
import logging

from bot.conversation.core import Core
from bot.delivery.outbox import Outbox

logger = logging.getLogger(__name__)


class OutboxLoop:
    def __init__(self, *, core: Core, outbox: Outbox, interval: float = 30.0) -> None:
        self._core = core
        self._outbox = outbox
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def run_once(self) -> None:
        opened = await asyncio.to_thread(self._core.rounds.open_due)
        for round_ in opened:
            logger.info("round %s opened", round_.id)
        outcomes = await self._outbox.send_due()
        if outcomes:
            logger.info("outbox: %s", dict(outcomes))

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                # One bad run must not stop the loop; the work stays in the database.
                logger.exception("outbox run failed")
            await asyncio.sleep(self._interval)
