"""APScheduler wakes the jobs: `tick` every few seconds, `daily` at night in the network's
time zone. Both also run at start-up, which catches up whatever came due while the bot
was down."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.schedule.jobs import Jobs
from inbreng.logs import new_request_id, request_id
from inbreng.server.faults import FaultLog

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
        self._faults = {name: FaultLog(logger, f"{name} run") for name in ("tick", "daily")}
        # For /metrics: when the last tick started (Unix time, and monotonic), and how
        # much later than `tick_seconds` after the one before.
        self.last_tick_at: float | None = None
        self._last_tick_started: float | None = None
        self._last_tick_late = 0.0

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
            request_id.set(new_request_id(f"{name}-"))  # this run's own task and threads
            if name == "tick":
                self._tick_started()
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            faults = self._faults[name]
            try:
                await job()
            except Exception as error:
                # The work stays in the database; the next run tries again. A fault that
                # lasts is logged when it starts and ends, not at every run.
                if not faults.failing:
                    logger.debug("%s run failed", name, exc_info=True)
                faults.failed(error)
            else:
                faults.succeeded()
            finally:
                if task is not None:
                    self._running.discard(task)

        return run

    def lag_seconds(self) -> float:
        """How late the scheduler is: while the next tick is overdue (the one before still
        runs, or the event loop is busy), by how much; otherwise how late the last tick
        started. 0 before the first tick."""
        if self._last_tick_started is None:
            return 0.0
        overdue = time.monotonic() - self._last_tick_started - self._tick_seconds
        return max(overdue, self._last_tick_late, 0.0)

    def _tick_started(self) -> None:
        now = time.monotonic()
        if self._last_tick_started is not None:
            due = self._last_tick_started + self._tick_seconds
            self._last_tick_late = max(0.0, now - due)
        self._last_tick_started = now
        self.last_tick_at = time.time()
