"""APScheduler wakes the jobs: `rounds` and `send` every few seconds, `daily` at night in
the network's time zone. All run at start-up too, which catches up whatever came due while
the bot was down.

`rounds` (open, remind, close) and `send` (the outbox) are jobs of their own, each never
doubled up: a long send run, thousands of invitations draining, does not hold back the
next reminder or the closing of a round."""

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

from bot.fault_log import FaultLog
from bot.schedule.jobs import Jobs
from inbreng.logs import new_request_id, request_id

logger = logging.getLogger(__name__)

DAILY_HOUR, DAILY_MINUTE = 3, 30
TICKING = ("rounds", "send")  # the jobs that run every `tick_seconds`
STOP_GRACE_SECONDS = 8.0  # a running job may finish the sends under way


class Schedule:
    def __init__(self, jobs: Jobs, *, tick_seconds: float, zone: ZoneInfo) -> None:
        self._jobs = jobs
        self._tick_seconds = tick_seconds
        self._zone = zone
        self._scheduler = AsyncIOScheduler(timezone=zone)
        self._running: set[asyncio.Task[Any]] = set()
        self._faults = {name: FaultLog(f"{name} run", logger) for name in (*TICKING, "daily")}
        # For /metrics, per ticking job: when its last run started (Unix time, and
        # monotonic), and how much later than `tick_seconds` after the one before.
        self._last_started_at: dict[str, float] = {}
        self._last_started: dict[str, float] = {}
        self._last_late: dict[str, float] = {}

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
        ticking = {"rounds": self._jobs.rounds, "send": self._jobs.send}
        for name in TICKING:
            self._scheduler.add_job(
                self._guarded(name, ticking[name]),
                IntervalTrigger(seconds=self._tick_seconds, timezone=self._zone),
                id=name,
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
            if name in TICKING:
                self._started(name)
            task = asyncio.current_task()
            if task is not None:
                self._running.add(task)
            faults = self._faults[name]
            try:
                await job()
            except Exception as error:
                # The work stays in the database; the next run tries again. A fault that
                # lasts is logged when it starts and ends, not at every run.
                faults.failed(error)
            else:
                faults.recovered()
            finally:
                if task is not None:
                    self._running.discard(task)

        return run

    @property
    def last_tick_at(self) -> float | None:
        """When a ticking job last started (Unix time); None before the first."""
        return max(self._last_started_at.values(), default=None)

    def lag_seconds(self, job: str | None = None) -> float:
        """How late the scheduler is, for `job` or the later of the ticking jobs: while its
        next run is overdue (the one before still runs, or the event loop is busy), by how
        much; otherwise how late its last run started. 0 before its first run."""
        return max((self._lag(name) for name in ([job] if job else TICKING)), default=0.0)

    def _lag(self, job: str) -> float:
        started = self._last_started.get(job)
        if started is None:
            return 0.0
        overdue = time.monotonic() - started - self._tick_seconds
        return max(overdue, self._last_late.get(job, 0.0), 0.0)

    def _started(self, job: str) -> None:
        now = time.monotonic()
        before = self._last_started.get(job)
        if before is not None:
            self._last_late[job] = max(0.0, now - (before + self._tick_seconds))
        self._last_started[job] = now
        self._last_started_at[job] = time.time()
