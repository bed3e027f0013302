"""The pacing ledger in the database, so that instances sharing it share the platforms'
rate limits (see `bot.outbox.pacing`).

One statement books a slot: an upsert that moves the lane's `next_at` on and returns it.
The row lock it takes makes concurrent bookings from several instances queue for the
length of that statement only; no transaction stays open while a call waits for its slot.

A lane whose `next_at` has passed books exactly as one without a row, so such rows (one
per member's chat after a fan-out) are deleted now and then.
"""

from __future__ import annotations

import itertools

from sqlalchemy import Engine, case, delete, update
from sqlalchemy.dialects import postgresql, sqlite

from storage.models import SendPacingRow

TIDY_EVERY = 1000  # bookings
STALE_SECONDS = 300.0  # past `next_at`: well beyond any difference between instances' clocks


class SqlPacingLedger:
    """Implements `bot.ports.PacingLedger` with the `send_pacing` table."""

    blocking = True

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        dialect = engine.dialect.name
        if dialect not in ("postgresql", "sqlite"):
            raise ValueError(f"no pacing ledger for {dialect}")
        self._insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        self._bookings = itertools.count(1)

    def reserve(self, key: str, *, at: float, interval: float, tolerance: float) -> float:
        current = SendPacingRow.next_at
        # max(next_at, at) + interval, written as CASE: SQLite has no GREATEST.
        statement = (
            self._insert(SendPacingRow)
            .values(key=key, next_at=at + interval)
            .on_conflict_do_update(
                index_elements=[SendPacingRow.key],
                set_={"next_at": case((current > at, current), else_=at) + interval},
            )
            .returning(SendPacingRow.next_at)
        )
        with self._engine.begin() as connection:
            next_at = float(connection.execute(statement).scalar_one())
            if next(self._bookings) % TIDY_EVERY == 0:
                stale = at - STALE_SECONDS
                connection.execute(delete(SendPacingRow).where(SendPacingRow.next_at < stale))
        return max(at, next_at - interval - tolerance)

    def give_back(self, key: str, *, interval: float) -> None:
        statement = (
            update(SendPacingRow)
            .where(SendPacingRow.key == key)
            .values(next_at=SendPacingRow.next_at - interval)
        )
        with self._engine.begin() as connection:
            connection.execute(statement)
