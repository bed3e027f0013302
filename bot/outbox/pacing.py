"""Pacing: calls to a platform spaced so that they stay within its published rate limits.

Every limit is a *lane*: a key (say, Slack's chat.postMessage for the workspace, or one
channel) with a `Pace`, a sustained rate and a burst. A call books a slot in each lane it
uses and waits until the latest of them; so instances that share one ledger
(one PostgreSQL database) share the platform's limits too, without asking each other.

The booking is GCRA, the generic cell rate algorithm: per lane the ledger keeps only the
moment at which the lane is free again (`next_at`). A call at `at` gets the slot
`max(at, next_at - tolerance)` and moves `next_at` on to `max(next_at, at) + interval`.
That is a token bucket (`burst` at once, then one per `interval`) in one number, so one
`UPDATE ... RETURNING` books a slot for any number of instances.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from bot.clock import SystemClock
from bot.ports import Clock, PacingLedger


@dataclass(frozen=True)
class Pace:
    """`per_minute` calls on average, up to `burst` of them at once."""

    per_minute: float
    burst: int = 1

    def __post_init__(self) -> None:
        if not self.per_minute > 0:
            raise ValueError("per_minute must be positive")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")

    @property
    def interval(self) -> float:
        """Seconds between calls at the sustained rate."""
        return 60.0 / self.per_minute

    @property
    def tolerance(self) -> float:
        """How far ahead of the sustained rate a call may go: the burst, in seconds."""
        return (self.burst - 1) * self.interval

    def within(self, limit: float, *, seconds: float) -> bool:
        """Whether this pace never makes more than `limit` calls in any `seconds`."""
        return self.burst + seconds * self.per_minute / 60.0 <= limit


@dataclass(frozen=True)
class Lane:
    """One limit a call counts against: `key` names it across instances."""

    key: str
    pace: Pace


def book(
    next_at: float | None, *, at: float, interval: float, tolerance: float
) -> tuple[float, float]:
    """GCRA: (the slot for a call that may go from `at`, the lane's new `next_at`)."""
    free_at = at if next_at is None else max(next_at, at)
    return max(at, free_at - tolerance), free_at + interval


class LocalLedger:
    """Implements `bot.ports.PacingLedger` in memory, for one process (SQLite)."""

    blocking = False

    def __init__(self) -> None:
        self._next_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def reserve(self, key: str, *, at: float, interval: float, tolerance: float) -> float:
        with self._lock:
            slot, self._next_at[key] = book(
                self._next_at.get(key), at=at, interval=interval, tolerance=tolerance
            )
        return slot

    def give_back(self, key: str, *, interval: float) -> None:
        with self._lock:
            if key in self._next_at:
                self._next_at[key] -= interval


Sleep = Callable[[float], Awaitable[None]]


class Pacer:
    """Books slots in a ledger and waits for them. `clock`: wall-clock time, shared by
    the instances that share the ledger; `sleep`: how to wait (tests pass one that moves
    their clock)."""

    def __init__(
        self,
        *,
        ledger: PacingLedger | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._ledger: PacingLedger = ledger if ledger is not None else LocalLedger()
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._sleep = sleep

    def now(self) -> float:
        return self._clock.now().timestamp()

    async def slot(self, lanes: Sequence[Lane]) -> float:
        """Book one call in every lane; the moment (Unix time) it may go, the latest of
        its slots. A call that waits for a narrow lane (one channel) leaves its earlier
        slot in a wide one (the workspace) unused: booking that lane from the later
        moment instead would push the lane on and waste every slot in between. The
        paces' margins absorb the call arriving later than its slot said."""
        at = self.now()
        latest = at
        for lane in lanes:
            latest = max(latest, await self._reserve(lane, at))
        return latest

    async def wait(self, lanes: Sequence[Lane]) -> float:
        """Book a call in these lanes and wait for its slot; returns the seconds waited."""
        delay = await self.slot(lanes) - self.now()
        if delay > 0:
            await self._sleep(delay)
        return max(delay, 0.0)

    async def give_back(self, lanes: Sequence[Lane]) -> None:
        """The call booked in these lanes was refused (a 429) and counted against none of
        the platform's limits: its slots go to the calls after it."""
        for lane in lanes:
            if self._ledger.blocking:
                await asyncio.to_thread(
                    self._ledger.give_back, lane.key, interval=lane.pace.interval
                )
            else:
                self._ledger.give_back(lane.key, interval=lane.pace.interval)

    async def _reserve(self, lane: Lane, at: float) -> float:
        pace = lane.pace
        if not self._ledger.blocking:
            return self._ledger.reserve(
                lane.key, at=at, interval=pace.interval, tolerance=pace.tolerance
            )
        return await asyncio.to_thread(
            self._ledger.reserve,
            lane.key,
            at=at,
            interval=pace.interval,
            tolerance=pace.tolerance,
        )
