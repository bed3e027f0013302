"""The database as the settings bound it: its timeouts, and the wait at start-up.

Start-up waits for the database a while (it may start at the same time as the bot, or be
failing over), with one log line per attempt, then gives up with one line."""

from __future__ import annotations

import logging
import time

from bot.errors import InbrengError
from inbreng.settings import Settings
from storage.database import DatabaseTimeouts
from storage.readiness import connectivity

logger = logging.getLogger(__name__)

FIRST_PAUSE_SECONDS = 0.5
LONGEST_PAUSE_SECONDS = 5.0


def timeouts_of(settings: Settings) -> DatabaseTimeouts:
    """0 in a setting: no bound."""
    return DatabaseTimeouts(
        connect=settings.database_connect_timeout,
        statement=settings.database_statement_timeout or None,
        lock=settings.database_lock_timeout or None,
    )


def wait_for_database(
    url: str,
    *,
    timeouts: DatabaseTimeouts,
    within: float,
) -> None:
    """Return once the database at `url` answers; raise `InbrengError` (one line for the
    operator) when it has not within `within` seconds (plus one connect timeout)."""
    deadline = time.monotonic() + within
    pause = FIRST_PAUSE_SECONDS
    attempt = 0
    while True:
        attempt += 1
        found = connectivity(url, timeouts=timeouts)
        if found.fault is None:
            if attempt > 1:
                logger.info("database reachable after %d attempts", attempt)
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise InbrengError(
                "database_unreachable", seconds=round(within), attempts=attempt, error=found.detail
            )
        wait = min(pause, left)
        logger.warning(
            "database not reachable (attempt %d, %s: %s); trying again in %.1f s",
            attempt,
            found.fault,
            found.detail,
            wait,
        )
        time.sleep(wait)
        pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
