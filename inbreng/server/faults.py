"""One line per fault: a failure is logged when it starts, counted while it lasts (a line
at most every `REMIND_SECONDS`), and logged once more when it ends.

A failing database fails every tick and every scrape the same way; a traceback for each
says nothing new and floods the log."""

from __future__ import annotations

import logging
import time

REMIND_SECONDS = 60.0


def summary(error: BaseException) -> str:
    """The error's kind and first line; for a database error the driver's, without
    SQLAlchemy's wrapping (which repeats the statement and its parameters)."""
    original = getattr(error, "orig", None)
    shown = original if isinstance(original, BaseException) else error
    line = (str(shown).strip().splitlines() or [""])[0]
    return f"{type(shown).__name__}: {line}" if line else type(shown).__name__


class FaultLog:
    """The state of one recurring piece of work (`what`): failing since when, how often."""

    def __init__(self, logger: logging.Logger, what: str) -> None:
        self._logger = logger
        self._what = what
        self._failures = 0
        self._since = 0.0
        self._reminded = 0.0

    @property
    def failing(self) -> bool:
        return self._failures > 0

    def failed(self, error: BaseException | str) -> None:
        now = time.monotonic()
        self._failures += 1
        shown = error if isinstance(error, str) else summary(error)
        if self._failures == 1:
            self._since = self._reminded = now
            self._logger.error("%s failing: %s", self._what, shown)
        elif now - self._reminded >= REMIND_SECONDS:
            self._reminded = now
            self._logger.error(
                "%s still failing: %d times in %.0f s; last: %s",
                self._what,
                self._failures,
                now - self._since,
                shown,
            )

    def succeeded(self) -> None:
        if not self._failures:
            return
        self._logger.warning(
            "%s working again; failures: %d in %.0f s",
            self._what,
            self._failures,
            time.monotonic() - self._since,
        )
        self._failures = 0
