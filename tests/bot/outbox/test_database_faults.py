"""The outbox when the database falters, and when claims are short: nothing lost, nothing
sent twice. The faults are made at the database itself (`tests/bot/fan_out.py`: a
PostgreSQL server stopped and started again, a SQLite file locked by another connection);
Slack is the fake Web API, which keeps each conversation's history as Slack does."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import timedelta

import pytest

from bot.application.core import Core
from bot.domain import DeliveryStatus, Platform, Round, RoundStatus
from bot.outbox.outbox import Outbox
from bot.services.rounds import RoundRequest
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import SlackServer
from tests.bot import fan_out as setup
from tests.bot.fan_out import MEMBERS, Outage, RunningClock, posted
from tests.bot.outbox.test_send_pacing import PILLAR
from tests.support import OPERATOR

# The fan-out's fixtures, replacing the usual ones in this module.
own_postgres, database_url, outage = setup.own_postgres, setup.database_url, setup.outage
clock, core, slack_api, slack, fan_out = (
    setup.clock,
    setup.core,
    setup.slack_api,
    setup.slack,
    setup.fan_out,
)


def statuses(core: Core, round_: Round) -> Counter[DeliveryStatus]:
    return Counter(d.status for d in core.deliveries.for_round(round_.id))


def test_a_database_outage_during_a_fan_out_loses_nothing_and_sends_nothing_twice(
    core: Core,
    slack: SlackServer,
    slack_api: FakeSlackWebApi,
    fan_out: Round,
    outage: Outage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Before: when recording one send failed, the rest of its batch stayed claimed until
    the claims ran out (minutes), and the log had a traceback at every tick."""
    invitations = {str(d.id) for d in core.deliveries.for_round(fan_out.id)}
    assert len(invitations) == MEMBERS
    caplog.set_level(logging.INFO)
    slack_api.latency = 0.05  # a fan-out that is still under way when the database goes
    running = slack.begin(slack.server.jobs.send())

    slack_api.wait_for("chat.postMessage", count=8)
    outage.begin()
    try:
        during = running.result(timeout=120)
    finally:
        outage.end()

    # Sends that reached Slack could not be recorded; nothing new started after that.
    assert during["unrecorded"] >= 1
    assert during["sent"] + during["unrecorded"] < MEMBERS
    slack_api.latency = 0
    # The database is back: what the outage left is recorded or given back at once, and
    # sent now, although no claim has run out (they last five minutes).
    after = slack.run(slack.server.jobs.send())
    assert after["sent"] + during["sent"] + during["unrecorded"] == MEMBERS

    assert statuses(core, fan_out) == {DeliveryStatus.SENT: MEMBERS}
    assert posted(slack_api) == dict.fromkeys(invitations, 1)
    # What was posted before its recording failed was recorded with Slack's answer.
    assert slack_api.calls_to("conversations.history") == []
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in lines if r.exc_info]  # no traceback
    said = [r.getMessage() for r in lines]
    outbox = [line for line in said if line.startswith("outbox: fault")]
    assert len(outbox) == 2, said  # when it started, and when it ended
    assert "fault started" in outbox[0] and "deliveries left claimed" in outbox[0]
    assert "fault ended" in outbox[1] and "deliveries given back" in outbox[1]


def test_rounds_wait_out_an_outage_and_say_so_once(
    core: Core,
    clock: RunningClock,
    slack: SlackServer,
    outage: Outage,
    caplog: pytest.LogCaptureFixture,
) -> None:
    round_ = core.rounds.create(
        RoundRequest(
            pillar_slug=PILLAR,
            opens_at=clock.now() + timedelta(days=1),
            closes_at=clock.now() + timedelta(days=8),
            meeting_at=clock.now() + timedelta(days=15),
        ),
        actor=OPERATOR,
    )
    caplog.set_level(logging.INFO)
    clock.advance(days=1)
    jobs = slack.server.jobs

    outage.begin()
    try:
        assert slack.run(jobs.rounds(), timeout=60) == {}
        assert slack.run(jobs.rounds(), timeout=60) == {}
    finally:
        outage.end()
    assert slack.run(jobs.rounds()) == {"opened": 1}

    assert core.rounds.get(round_.id).status == RoundStatus.OPEN
    lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert not [r for r in lines if r.exc_info]
    said = [r.getMessage() for r in lines]
    assert len(said) == 2, said
    assert said[0].startswith("rounds: fault started: OperationalError")
    assert said[1].startswith("rounds: fault ended after 2 failures")


def test_two_instances_with_claims_shorter_than_a_batch_send_nothing_twice(
    core: Core, slack: SlackServer, slack_api: FakeSlackWebApi, fan_out: Round
) -> None:
    """Before: a claim ran out while its batch was still being sent, the other instance
    took it up, found nothing on Slack yet, and sent it too. Now the claims are held while
    their sends are under way."""
    invitations = {str(d.id) for d in core.deliveries.for_round(fan_out.id)}
    assert slack.server.slack is not None
    messengers = {Platform.SLACK: slack.server.slack.messenger}
    claim_for = timedelta(seconds=1)
    instances = [
        Outbox(
            core=core,
            messengers=messengers,
            worker=name,
            batch=20,
            concurrency=2,
            claim_for=claim_for,
        )
        for name in ("one", "two")
    ]
    slack_api.latency = 0.15  # a batch of 20, two at a time: longer than a claim

    async def side_by_side() -> list[Counter[str]]:
        return await asyncio.gather(*(outbox.send_due() for outbox in instances))

    outcomes = slack.run(side_by_side(), timeout=120)

    assert sum(o["sent"] for o in outcomes) == MEMBERS
    assert all(o["sent"] for o in outcomes)  # both took part
    assert statuses(core, fan_out) == {DeliveryStatus.SENT: MEMBERS}
    assert posted(slack_api) == dict.fromkeys(invitations, 1)
    # No claim ran out under a live instance: nothing had to be looked for on Slack.
    assert slack_api.calls_to("conversations.history") == []
