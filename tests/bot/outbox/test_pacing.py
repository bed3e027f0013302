"""Pacing: the slots a pacer books, with an injected clock, and the ledger the instances
share in the database (both databases)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox.pacing import Lane, LocalLedger, Pace, Pacer
from storage.database import create_database_engine
from storage.pacing import SqlPacingLedger
from tests.support import FakeClock

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


class Sleeper:
    """Sleeping moves the fake clock, and is recorded."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.clock.advance(seconds=seconds)


def slots(pacer: Pacer, lanes: list[Lane], calls: int) -> list[float]:
    """When each of `calls` calls, booked at once, may go: seconds from START."""

    async def book() -> list[float]:
        return [await pacer.slot(lanes) - START.timestamp() for _ in range(calls)]

    return [round(slot, 3) for slot in asyncio.run(book())]


def test_a_burst_goes_at_once_and_the_rest_at_the_rate() -> None:
    pacer = Pacer(clock=FakeClock(START))
    lane = Lane("posts", Pace(per_minute=600, burst=3))

    assert slots(pacer, [lane], 6) == [0.0, 0.0, 0.0, 0.1, 0.2, 0.3]


def test_an_idle_lane_fills_up_to_its_burst_and_no_further() -> None:
    clock = FakeClock(START)
    pacer = Pacer(clock=clock)
    lane = Lane("posts", Pace(per_minute=60, burst=2))
    assert slots(pacer, [lane], 3) == [0.0, 0.0, 1.0]

    clock.advance(seconds=60)  # a long quiet spell: a burst again, not sixty calls
    assert slots(pacer, [lane], 3) == [60.0, 60.0, 61.0]


def test_a_call_waits_for_the_slowest_of_its_lanes() -> None:
    pacer = Pacer(clock=FakeClock(START))
    workspace = Lane("workspace", Pace(per_minute=600, burst=1))
    channel = Lane("channel", Pace(per_minute=60, burst=1))

    # Three posts to one channel go a second apart, each holding a workspace slot ...
    assert slots(pacer, [channel, workspace], 3) == [0.0, 1.0, 2.0]
    # ... while a post elsewhere in the workspace goes after the three workspace slots.
    assert slots(pacer, [Lane("elsewhere", channel.pace), workspace], 1) == [0.3]


def test_waiting_sleeps_until_the_slot() -> None:
    clock = FakeClock(START)
    sleeper = Sleeper(clock)
    pacer = Pacer(clock=clock, sleep=sleeper)
    lane = Lane("posts", Pace(per_minute=120, burst=1))

    async def send(calls: int) -> list[float]:
        return [await pacer.wait([lane]) for _ in range(calls)]

    assert asyncio.run(send(3)) == [0.0, 0.5, 0.5]
    assert sleeper.waits == [0.5, 0.5]
    assert clock.now() == START + timedelta(seconds=1)


def test_a_pace_knows_whether_it_stays_within_a_window_limit() -> None:
    pace = Pace(per_minute=30, burst=5)

    assert pace.within(7, seconds=1) and pace.within(60, seconds=30)
    assert not pace.within(5, seconds=2)


def test_instances_sharing_the_database_share_the_lanes(database_url: str) -> None:
    # Two instances, each with its own engine on the one database, book in turn: the
    # slots are those one instance alone would have had.
    engines = [create_database_engine(database_url) for _ in range(2)]
    try:
        clock = FakeClock(START)
        shared = [Pacer(ledger=SqlPacingLedger(engine), clock=clock) for engine in engines]
        alone = Pacer(ledger=LocalLedger(), clock=clock)
        lane = Lane("slack:chat.postMessage", Pace(per_minute=600, burst=2))

        booked = [slots(shared[n % 2], [lane], 1)[0] for n in range(6)]

        assert booked == slots(alone, [lane], 6) == [0.0, 0.0, 0.1, 0.2, 0.3, 0.4]
    finally:
        for engine in engines:
            engine.dispose()


def test_a_refused_call_gives_its_slot_to_the_next(database_url: str) -> None:
    engine = create_database_engine(database_url)
    try:
        clock = FakeClock(START)
        lane = Lane("slack:chat.postMessage", Pace(per_minute=600, burst=1))
        for pacer in (Pacer(clock=clock), Pacer(ledger=SqlPacingLedger(engine), clock=clock)):
            assert slots(pacer, [lane], 3) == [0.0, 0.1, 0.2]
            asyncio.run(pacer.give_back([lane]))  # the third was refused with a 429

            assert slots(pacer, [lane], 1) == [0.2]
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_bookings_at_the_same_moment_get_a_slot_each(postgresql_database_url: str) -> None:
    engine = create_database_engine(postgresql_database_url, pool_size=8)
    try:
        ledger = SqlPacingLedger(engine)
        at = START.timestamp()
        booked: list[float] = []
        lock = threading.Lock()

        def book() -> None:
            for _ in range(5):
                slot = ledger.reserve("lane", at=at, interval=0.5, tolerance=0.0)
                with lock:
                    booked.append(round(slot - at, 3))

        threads = [threading.Thread(target=book) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert sorted(booked) == [n * 0.5 for n in range(40)]
    finally:
        engine.dispose()
