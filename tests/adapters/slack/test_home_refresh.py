"""App Home refreshes: at most one per member per interval, the ones between folded into
one at its end. On a clock of the test's own, so nothing depends on real time."""

from __future__ import annotations

import asyncio

from adapters.slack.home_refresh import HomeRefresher
from bot.domain import Platform
from bot.events import Actor

ANNA = Actor(platform=Platform.SLACK, tenant="T1", user_id="UANNA")
BERT = Actor(platform=Platform.SLACK, tenant="T1", user_id="UBERT")


class Moments:
    """A clock that moves only when the refresher sleeps."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


def test_a_burst_of_submissions_publishes_at_once_then_once_at_the_end() -> None:
    async def run() -> tuple[list[str], list[float], int]:
        moments = Moments()
        published: list[str] = []

        async def publish(who: Actor) -> None:
            published.append(who.user_id)

        homes = HomeRefresher(publish, interval=5.0, clock=moments.clock, sleep=moments.sleep)
        homes.refresh(ANNA)
        await _settle()  # the first: at once
        moments.now += 1.0
        for _ in range(5):  # a burst one second later: one publish, four seconds on
            homes.refresh(ANNA)
        homes.refresh(BERT)  # someone else is not held up by Anna
        await _settle()
        return published, moments.slept, homes.waiting

    published, slept, waiting = asyncio.run(run())

    assert published[0] == "UANNA"
    assert sorted(published) == ["UANNA", "UANNA", "UBERT"]  # six of Anna's: two pages
    assert slept == [4.0]
    assert waiting == 0


def test_a_failed_publish_is_logged_and_the_next_one_still_comes() -> None:
    async def run() -> list[str]:
        moments = Moments()
        published: list[str] = []

        async def publish(who: Actor) -> None:
            published.append(who.user_id)
            if len(published) == 1:
                raise ConnectionError("database away")

        homes = HomeRefresher(publish, interval=5.0, clock=moments.clock, sleep=moments.sleep)
        homes.refresh(ANNA)
        await _settle()
        homes.refresh(ANNA)
        await _settle()
        return published

    assert asyncio.run(run()) == ["UANNA", "UANNA"]


def test_closing_drops_what_waits() -> None:
    async def run() -> tuple[list[str], int]:
        published: list[str] = []

        async def publish(who: Actor) -> None:
            published.append(who.user_id)

        async def never(seconds: float) -> None:
            await asyncio.Event().wait()

        homes = HomeRefresher(publish, interval=5.0, clock=lambda: 0.0, sleep=never)
        homes.refresh(ANNA)
        await _settle()
        homes.refresh(ANNA)  # waits for its moment
        await _settle()
        homes.close()
        await _settle()
        return published, homes.waiting

    assert asyncio.run(run()) == (["UANNA"], 0)
