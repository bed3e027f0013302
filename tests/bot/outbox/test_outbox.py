"""The outbox against the fake Slack Web API: rate limits, unclear answers, a claim taken
over from an instance that died, absence and working hours. The clock is the services'
FakeClock (Tuesday 1 December 2026, 10:00 in Amsterdam, unless a test moves it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from slack_sdk import WebClient

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Delivery, DeliveryKind, DeliveryStatus, Member, Round
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import BOT_TOKEN, MEMBER_ID, SlackServer
from tests.support import MEMBER, OPERATOR, FakeClock


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def member(core: Core) -> Member:
    found = core.members.by_email(MEMBER)
    assert found is not None
    return found


def invitation_of(core: Core, round_: Round) -> Delivery:
    [delivery] = [
        d
        for d in core.deliveries.for_round(round_.id)
        if d.kind == DeliveryKind.INVITATION and d.member_id == member(core).id
    ]
    return delivery


def posts_to_member(slack: SlackServer) -> list[dict[str, object]]:
    """Successful posts to the member's DM."""
    return [
        c.params
        for c in slack.slack.calls_to("chat.postMessage")
        if c.status == 200 and c.params.get("channel") in (MEMBER_ID, f"D{MEMBER_ID}")
    ]


def only_the_member_is_invited(core: Core, open_round: Round) -> Delivery:
    """Drop every other invitation, so each test looks at one delivery."""
    mine = invitation_of(core, open_round)
    for delivery in core.deliveries.for_round(open_round.id):
        if delivery.id != mine.id:
            core.deliveries.drop(delivery.id)
    return mine


def test_a_rate_limit_waits_without_counting_an_attempt(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    mine = only_the_member_is_invited(core, open_round)
    # The outbox's client does not wait inside: the delivery waits, in the database.
    slack.slack.fail_next("chat.postMessage", status=429, retry_after=1)

    assert slack.run_outbox()["throttled"] == 1

    waiting = core.deliveries.get(mine.id)
    assert waiting is not None
    assert (waiting.status, waiting.attempts) == (DeliveryStatus.PENDING, 0)
    assert waiting.last_error == "slack: ratelimited"
    assert waiting.due_at == core.clock.now() + timedelta(seconds=1)


def test_after_a_server_error_the_message_is_looked_for_before_it_is_sent_again(
    slack: SlackServer, core: Core, clock: FakeClock, open_round: Round
) -> None:
    mine = only_the_member_is_invited(core, open_round)
    slack.slack.fail_next("chat.postMessage", status=500)  # nothing was posted

    assert slack.run_outbox()["retry"] == 1
    failed = core.deliveries.get(mine.id)
    assert failed is not None and failed.uncertain and failed.attempts == 1

    clock.advance(seconds=30)
    assert slack.run_outbox()["sent"] == 1

    assert slack.slack.calls_to("conversations.history")  # looked first
    assert len(posts_to_member(slack)) == 1
    sent = core.deliveries.get(mine.id)
    assert sent is not None and sent.status == DeliveryStatus.SENT and not sent.uncertain


def test_a_message_posted_by_an_instance_that_died_is_not_posted_again(
    slack: SlackServer, core: Core, clock: FakeClock, open_round: Round
) -> None:
    mine = only_the_member_is_invited(core, open_round)
    # Another instance claims the invitation, posts it, and dies before it can say so.
    [claimed] = core.deliveries.claim(worker="gone", limit=10, claim_for=timedelta(minutes=5))
    assert claimed.id == mine.id
    posted = WebClient(token=BOT_TOKEN, base_url=slack.slack.url).chat_postMessage(
        channel=MEMBER_ID,
        text="Uitnodiging",
        metadata={"event_type": "inbreng_delivery", "event_payload": {"key": str(mine.id)}},
    )
    assert slack.run_outbox() == {}  # still claimed by the other instance

    clock.advance(minutes=5, seconds=1)
    assert slack.run_outbox()["sent"] == 1

    assert len(posts_to_member(slack)) == 1  # the one the other instance posted
    taken_over = core.deliveries.get(mine.id)
    assert taken_over is not None
    assert taken_over.status == DeliveryStatus.SENT
    assert taken_over.platform_message_id == posted["ts"]


def test_an_absent_member_is_invited_on_the_first_working_morning_after(
    slack: SlackServer, core: Core, clock: FakeClock, open_round: Round
) -> None:
    mine = only_the_member_is_invited(core, open_round)
    core.members.set_out_of_office(member(core), date(2026, 12, 4))  # until Friday

    assert slack.run_outbox()["deferred"] == 1
    waiting = core.deliveries.get(mine.id)
    assert waiting is not None and waiting.attempts == 0
    assert waiting.due_at == core.window.start_of_day(date(2026, 12, 7))  # Monday 09:00
    assert posts_to_member(slack) == []

    clock.moment = waiting.due_at  # (the others get the round's reminder now)
    slack.run_outbox()
    assert len(posts_to_member(slack)) == 1
    sent = core.deliveries.get(mine.id)
    assert sent is not None and sent.status == DeliveryStatus.SENT


def test_outside_working_hours_only_channel_posts_go_out(
    slack: SlackServer, core: Core, clock: FakeClock, open_round: Round
) -> None:
    only_the_member_is_invited(core, open_round)
    core.deliveries.post_to_channels(open_round, DeliveryKind.STATUS, actor=OPERATOR)
    clock.advance(hours=8)  # 18:00 in Amsterdam

    # The Slack channel post; the Teams one cannot go (Teams is not connected here).
    assert slack.run_outbox() == {"sent": 1, "dead": 1}
    assert posts_to_member(slack) == []

    clock.advance(hours=15)  # Wednesday 09:00
    assert slack.run_outbox() == {"sent": 1}
    assert len(posts_to_member(slack)) == 1


def test_a_malformed_answer_stays_with_its_delivery_and_the_rest_goes_out(
    slack: SlackServer, core: Core, open_round: Round, clock: FakeClock
) -> None:
    """users.lookupByEmail answering without its "user" once broke the whole run: every
    delivery after it stayed claimed, for minutes, and a stop did not give them back."""
    everyone = {d.id for d in core.deliveries.for_round(open_round.id)}
    slack.slack.answer_next("users.lookupByEmail", {"ok": True})  # the first lookup only

    outcomes = slack.run_outbox()

    assert outcomes["retry"] == 1
    assert outcomes["retry"] + outcomes["sent"] + outcomes["dead"] == len(everyone)
    after = {d.id: d for d in core.deliveries.for_round(open_round.id)}
    assert not [d for d in after.values() if d.status == DeliveryStatus.CLAIMED]
    (failed,) = [d for d in after.values() if d.last_error == "unexpected AttributeError"]
    assert failed.status == DeliveryStatus.PENDING and failed.uncertain
    # It goes out on its retry, like any other failed send.
    clock.advance(seconds=6)
    slack.run_outbox()
    again = core.deliveries.get(failed.id)
    assert again is not None and again.status in (DeliveryStatus.SENT, DeliveryStatus.DEAD)
    assert again.last_error != "unexpected AttributeError"
