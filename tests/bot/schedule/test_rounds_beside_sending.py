"""Rounds keep time while the outbox drains: opening, reminding and closing run as a job
of their own beside sending (`Jobs.rounds`, `Jobs.send`). The clock is moved by the test;
the fake Slack Web API is slow, so that sending is still under way when the moment comes."""

from __future__ import annotations

from collections import Counter

from adapters.slack.settings import SlackSettings
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import DeliveryKind, DeliveryStatus, Round
from inbreng.server.app import start
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import (
    BOT_TOKEN,
    SIGNING_SECRET,
    LoopThread,
    SlackServer,
    pacer_for,
    wait_until,
)
from tests.bot import fan_out as setup
from tests.bot.fan_out import MEMBERS, RunningClock, posted

# The fan-out's fixtures, replacing the usual ones in this module.
own_postgres, database_url = setup.own_postgres, setup.database_url
clock, core, slack_api, slack, fan_out = (
    setup.clock,
    setup.core,
    setup.slack_api,
    setup.slack,
    setup.fan_out,
)


def by_kind(core: Core, round_: Round, kind: DeliveryKind) -> Counter[DeliveryStatus]:
    return Counter(d.status for d in core.deliveries.for_round(round_.id) if d.kind == kind)


def test_a_reminder_is_queued_at_its_moment_while_invitations_drain(
    core: Core,
    clock: RunningClock,
    slack: SlackServer,
    slack_api: FakeSlackWebApi,
    fan_out: Round,
) -> None:
    """Before: one tick opened, reminded and closed rounds and then sent until nothing
    was due, so a reminder waited for the whole backlog (83 s behind 2,013 invitations)."""
    jobs = slack.server.jobs
    slack_api.latency = 0.5  # eight sends at a time: the fan-out takes a few seconds
    sending = slack.begin(jobs.send())
    slack_api.wait_for("chat.postMessage", count=9)  # the first sends are recorded

    clock.advance(days=6)  # the reminder's moment, two days before the round closes
    done = slack.run(jobs.rounds())

    assert not sending.done()  # the invitations are still going out
    assert done["reminders"] >= 1
    assert core.rounds.get(fan_out.id).reminders_done == 1
    slack_api.latency = 0
    sending.result(timeout=120)
    slack.run(jobs.send())
    invitations = by_kind(core, fan_out, DeliveryKind.INVITATION)
    assert invitations == {DeliveryStatus.SENT: MEMBERS}
    reminders = by_kind(core, fan_out, DeliveryKind.REMINDER)
    assert reminders == {DeliveryStatus.SENT: done["reminders"]}
    assert set(posted(slack_api).values()) == {1}


def test_a_reminder_still_waiting_when_its_round_closes_is_dropped_whichever_job_runs_first(
    core: Core, clock: RunningClock, slack: SlackServer, slack_api: FakeSlackWebApi, fan_out: Round
) -> None:
    jobs = slack.server.jobs
    slack.run(jobs.send())  # the invitations
    clock.advance(days=6)
    assert slack.run(jobs.rounds())["reminders"] == MEMBERS
    clock.advance(days=3)  # past closing, before either job has run again

    assert slack.run(jobs.send())["dropped"] == MEMBERS  # sending first
    assert slack.run(jobs.rounds())["closed"] == 1

    assert by_kind(core, fan_out, DeliveryKind.REMINDER) == {DeliveryStatus.DROPPED: MEMBERS}
    assert sum(posted(slack_api).values()) == MEMBERS  # the invitations only


def test_the_server_reminds_on_time_while_it_sends(
    conversation: Conversation,
    core: Core,
    clock: RunningClock,
    slack_api: FakeSlackWebApi,
    fan_out: Round,
) -> None:
    """`inbreng serve`'s scheduler runs rounds and sending as jobs of their own: the
    reminder's moment is taken up while the invitations are still going out."""
    slack_api.latency = 0.5
    loop = LoopThread()
    settings = SlackSettings(
        bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack_api.url, _env_file=None
    )
    server = loop.run(
        start(
            conversation,
            settings,
            host="127.0.0.1",
            port=0,
            tick_seconds=0.2,
            pacer=pacer_for(slack_api),
        )
    )
    try:
        slack_api.wait_for("chat.postMessage", count=9)
        clock.advance(days=6)
        wait_until(lambda: core.rounds.get(fan_out.id).reminders_done == 1 or None)
        invitations = by_kind(core, fan_out, DeliveryKind.INVITATION)
        assert invitations[DeliveryStatus.SENT] < MEMBERS  # still sending
        slack_api.latency = 0
        wait_until(
            lambda: (
                by_kind(core, fan_out, DeliveryKind.INVITATION)[DeliveryStatus.SENT] == MEMBERS
                or None
            ),
            timeout=120,
        )
    finally:
        slack_api.latency = 0
        loop.run(server.stop())
        loop.close()
    assert set(posted(slack_api).values()) == {1}
