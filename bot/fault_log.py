"""One line per fault. A database that fails run after run (a job, a probe, a scrape) is
logged when it starts to, with a count while it lasts and once when it ends: not with a
traceback at every run, which buried everything else in the log during an outage."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection

# While a fault lasts, a line with the count at most this often.
REPEAT_SECONDS = 60.0
NAMED_AT_MOST = 20  # deliveries named in one line; the rest are counted


class FaultLog:
    """The fault state of one kind of work (`what`: the outbox, the rounds job, the write
    probe)."""

    def __init__(
        self,
        what: str,
        logger: logging.Logger,
        *,
        repeat_seconds: float = REPEAT_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._what = what
        self._logger = logger
        self._repeat_seconds = repeat_seconds
        self._monotonic = monotonic
        self._since: float | None = None
        self._last_said = 0.0
        self._count = 0

    @property
    def active(self) -> bool:
        return self._since is not None

    def failed(
        self, error: BaseException | str, *, count: int = 1, left_claimed: Collection[int] = ()
    ) -> None:
        """Work failed `count` times, the last on `error` (or for the reason given);
        `left_claimed`: deliveries it could not give back yet."""
        now = self._monotonic()
        self._count += count
        if isinstance(error, BaseException):
            # The traceback only when asked for: it is the same one at every run.
            self._logger.debug("%s: %s", self._what, describe(error), exc_info=error)
        if self._since is None:
            self._since = self._last_said = now
            self._logger.error(
                "%s: fault started: %s%s", self._what, describe(error), named(left_claimed)
            )
        elif now - self._last_said >= self._repeat_seconds:
            self._last_said = now
            self._logger.warning(
                "%s: fault goes on: %s failures in %.0f s, the last %s%s",
                self._what,
                self._count,
                now - self._since,
                describe(error),
                named(left_claimed),
            )

    def recovered(self, *, given_back: Collection[int] = ()) -> None:
        """Work went through again; `given_back`: deliveries the fault had left claimed."""
        if self._since is None:
            return
        self._logger.warning(
            "%s: fault ended after %s failures in %.0f s%s",
            self._what,
            self._count,
            self._monotonic() - self._since,
            named(given_back, label="given back"),
        )
        self._since = None
        self._count = 0


def describe(error: BaseException | str) -> str:
    """The error's type and the first line of its message: a database driver's reason
    ("connection refused", "database is locked"), without the statement and parameters
    that follow it, which may hold what a member typed. A database library's wrapper is
    looked through to the driver's own error (`orig`)."""
    if isinstance(error, str):
        return error
    original = getattr(error, "orig", None)
    shown = original if isinstance(original, BaseException) else error
    first = str(shown).strip().splitlines()[0] if str(shown).strip() else ""
    return f"{type(shown).__name__}: {first[:200]}" if first else type(shown).__name__


def named(delivery_ids: Collection[int], *, label: str = "left claimed") -> str:
    if not delivery_ids:
        return ""
    ordered = sorted(delivery_ids)
    shown = ", ".join(str(i) for i in ordered[:NAMED_AT_MOST])
    more = len(ordered) - NAMED_AT_MOST
    rest = f" and {more} more" if more > 0 else ""
    return f"; deliveries {label}: {shown}{rest}"
