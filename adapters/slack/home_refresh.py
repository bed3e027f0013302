"""App Home, published again after a member's submissions, at most once per member per
few seconds, outside the request that asked for it.

A burst of answers from one member (or a double click) then costs one rebuild of the
page, not one per request: the first asks at once, the ones after it within the interval
are folded into one publish at its end, which shows the state of that moment.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from bot.events import Actor

logger = logging.getLogger(__name__)

HOME_REFRESH_SECONDS = 5.0

Publish = Callable[[Actor], Awaitable[None]]


class HomeRefresher:
    """A per-process debouncer of App Home publishes, per member."""

    def __init__(
        self,
        publish: Publish,
        *,
        interval: float = HOME_REFRESH_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._publish = publish
        self._interval = interval
        self._clock = clock
        self._sleep = sleep
        self._last: dict[str, float] = {}  # member's user id -> when their page was last built
        self._pending: dict[str, asyncio.Future[None]] = {}  # waiting for their moment
        self._running: set[asyncio.Future[None]] = set()  # every publish not yet done

    def refresh(self, who: Actor) -> None:
        """Publish `who`'s page soon: at once, or at the end of the interval since the last
        time; nothing more when a publish is waiting already."""
        key = f"{who.tenant}:{who.user_id}"
        if key in self._pending:
            return
        last = self._last.get(key)
        wait = 0.0 if last is None else max(0.0, last + self._interval - self._clock())
        task = asyncio.ensure_future(self._publish_after(key, who, wait))
        self._pending[key] = task
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _publish_after(self, key: str, who: Actor, wait: float) -> None:
        try:
            if wait > 0:
                await self._sleep(wait)
        finally:
            # From here on a new submission asks for a publish of its own, after this one.
            self._pending.pop(key, None)
        self._last[key] = self._clock()
        self._forget_old()
        try:
            await self._publish(who)
        except Exception as error:  # the page is shown again when the member opens it
            logger.warning("App Home not refreshed: %s", type(error).__name__)

    def _forget_old(self) -> None:
        if len(self._last) < 1000:
            return
        now = self._clock()
        for key in [k for k, at in self._last.items() if now - at > self._interval]:
            del self._last[key]

    @property
    def waiting(self) -> int:
        """How many publishes wait for their moment."""
        return len(self._pending)

    def close(self) -> None:
        """Drop the publishes not done: the page is built when it is next opened."""
        for task in self._running:
            task.cancel()
        self._pending.clear()
