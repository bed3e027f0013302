"""APScheduler wakes the jobs: `tick` every few seconds, `daily` at night in the network's
time zone. Both also run at start-up, which catches up whatever came due while the bot
was down."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.schedule.jobs import Jobs

logger = logging.getLogger(__name__)

DAILY_HOUR, DAILY_MINUTE = 3, 30
STOP_GRACE_SECONDS = 8.0  # a running job may finish the sends under way


class Schedule:
    def __init__(self, jobs: Jobs, *, tick_seconds: float, zone: ZoneInfo) -> None:
        self._jobs = jobs
        self._tick_seconds = tick_seconds
        self._zone = zone
        self._scheduler = AsyncIOScheduler(timezone=zone)
        self._running: set[asyncio.Task[Any]] = set()

    def start(self) -> None:
        now = datetime.now(self._zone)
        # coalesce + max_instances=1: a slow run is never doubled up, and runs missed
        # meanwhile become one; misfire_grace_time=None: late is better than never.
        common: dict[str, Any] = {
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": None,
            "next_run_time": now,
        }
        self._scheduler.add_job(
            self._guarded("tick", self._jobs.tick),
            IntervalTrigger(seconds=self._tick_seconds, timezone=self._zone),
            id="tick",
            **common,
        )
        self._scheduler.add_job(
            self._guarded("daily", self._jobs.daily),
            CronTrigger(hour=DAILY_HOUR, minute=DAILY_MINUTE, timezone=self._zone),
            id="daily",
            **common,
        )
        self._scheduler.start()

    async def stop(self) -> None:
        """No new runs; give the running ones a moment to finish, then cancel them (what
        they held is given back for another instance, or the next start)."""
        if not self._scheduler.running:
            return
        # Paused, not shut down: APScheduler's shutdown cancels the runs under way.
        self._scheduler.pause()
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=STOP_GRACE_SECONDS)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        self._scheduler.shutdown(wait=False)

    def _guarded(
        self, name: str, job: Callable[[], Awaitable[object]]
    ) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            try:
                await job()
            except Exception:
                # The work stays in the database; the next run tries again.
                logger.exception("%s run failed", name)
            finally:
                if task is not None:
                    self._running.discard(task)

        return run
