"""A whole round over the Christmas holidays, in simulated time: it opens, invites,
reminds, closes and sends the summary draft, through the server's jobs and the fake Slack
Web API, while the clock the services read jumps an hour per scheduler run.

Round: opens on Friday 18 December 2026 after working hours, closes on Friday 8 January
2027 at 17:00, reminders 7 and 2 days before closing and on the last morning, reminding
per municipality. Christmas (25 and 26 December) and New Year's Day are public holidays.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Delivery, DeliveryKind, DeliveryStatus, Member, Round
from bot.ports import UnitOfWorkFactory
from bot.services.responses import AnswerInput
from bot.services.rounds import RoundRequest
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import SlackServer, all_text
from tests.support import COLLEAGUE, LEAD, MEMBER, OPERATOR, FakeClock

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
FRIDAY_AFTERNOON = datetime(2026, 12, 18, 15, 0, tzinfo=UTC)  # 16:00 in Amsterdam
AWAY = "b.nijhof@lochem.example"  # away until 5 January
STEP = timedelta(hours=1)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(FRIDAY_AFTERNOON)


@dataclass(frozen=True)
class Received:
    """A direct message as the fake Slack received it, at a simulated moment."""

    at: datetime
    delivery: Delivery
    text: str


@pytest.fixture
def slack(
    conversation: Conversation, slack_api: FakeSlackWebApi, uow_factory: UnitOfWorkFactory
) -> Iterator[SlackServer]:
    with uow_factory() as uow:
        for number, member in enumerate(uow.members.list()):
            if member.email not in slack_api.users.values():
                slack_api.add_user(f"USIM{number:05d}", member.email)
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def run_until(
    slack: SlackServer, core: Core, clock: FakeClock, end: datetime, received: list[Received]
) -> None:
    """Tick every simulated hour until `end`, noting when each message reached Slack."""
    while clock.now() < end:
        clock.advance(hours=1)
        seen = len(slack.slack.calls_to("chat.postMessage"))
        slack.run_outbox()
        for call in slack.slack.calls_to("chat.postMessage")[seen:]:
            metadata = call.params.get("metadata") or {}
            key = metadata.get("event_payload", {}).get("key")
            delivery = core.deliveries.get(int(key)) if key else None
            assert delivery is not None, call.params
            received.append(Received(at=clock.now(), delivery=delivery, text=all_text(call)))


def member(core: Core, email: str) -> Member:
    found = core.members.by_email(email)
    assert found is not None
    return found


def test_a_round_over_christmas_in_simulated_time(
    slack: SlackServer, core: Core, clock: FakeClock
) -> None:
    round_: Round = core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            opens_at=local(2026, 12, 18, 17, 30),
            closes_at=local(2027, 1, 8, 17, 0),
            meeting_at=local(2027, 1, 14, 14, 0),
            reminders=(timedelta(days=7), timedelta(days=2)),
            remind_last_morning=True,
            remind_per_organisation=True,
        ),
        actor=OPERATOR,
    )
    core.members.set_out_of_office(member(core, AWAY), date(2027, 1, 5))
    received: list[Received] = []

    # Friday evening and the weekend: the round opens, nothing is sent.
    run_until(slack, core, clock, local(2026, 12, 21, 8, 0), received)
    assert core.rounds.get(round_.id).status.value == "open"
    assert received == []

    # Monday 21 December, 09:00: the invitations; then two members respond.
    run_until(slack, core, clock, local(2026, 12, 22, 12, 0), received)
    invited = {r.delivery.member_id for r in received if r.delivery.member_id is not None}
    assert {r.at for r in received} == {local(2026, 12, 21, 9, 0)}
    assert all(r.delivery.kind == DeliveryKind.INVITATION for r in received)
    assert member(core, AWAY).id not in invited
    audience = invited | {member(core, AWAY).id}
    core.responses.submit(
        member(core, MEMBER),
        round_.id,
        AnswerInput(topic="onderwijshuisvesting", text="Normbedragen liggen te laag."),
    )
    someone_else = next(
        m
        for m in map(core.deliveries.member, sorted(invited))
        if m is not None and m.organisation_id != member(core, MEMBER).organisation_id
    )
    core.responses.decline(someone_else, round_.id)

    # The rest of the round, and the Monday after it closed.
    run_until(slack, core, clock, local(2027, 1, 11, 12, 0), received)

    by_kind: dict[DeliveryKind, dict[datetime, set[int]]] = defaultdict(lambda: defaultdict(set))
    for message in received:
        assert message.delivery.member_id is not None
        by_kind[message.delivery.kind][message.at].add(message.delivery.member_id)
        # Never outside working hours, never on a public holiday.
        assert core.window.allows(message.at), message
    invitations = by_kind[DeliveryKind.INVITATION]
    assert invitations == {
        local(2026, 12, 21, 9, 0): invited,
        local(2027, 1, 6, 9, 0): {member(core, AWAY).id},  # back from 5 January
    }

    # Reminders: 7 days before closing is New Year's Day, so Monday 4 January; then
    # Thursday 7 January (2 days before: Wednesday 17:00, after hours); then Friday 8
    # January, the last morning. Never to Zeist (a colleague answered), nor to whoever
    # declined; the away member was not invited yet at the first one.
    zeist = member(core, MEMBER).organisation_id
    organisations = {m.id: m.organisation_id for m in map(core.deliveries.member, audience) if m}
    zeist_members = {m for m in audience if organisations[m] == zeist}
    expected = audience - zeist_members - {someone_else.id}
    away = member(core, AWAY).id
    assert member(core, COLLEAGUE).id in zeist_members and away in expected
    assert by_kind[DeliveryKind.REMINDER] == {
        local(2027, 1, 4, 9, 0): expected - {away},
        local(2027, 1, 7, 9, 0): expected,
        local(2027, 1, 8, 9, 0): expected,
    }

    # Closed on Friday 8 January at 17:00; the draft reaches the lead on Monday morning.
    assert core.rounds.get(round_.id).status.value == "summarised"
    assert by_kind[DeliveryKind.SUMMARY] == {local(2027, 1, 11, 9, 0): {member(core, LEAD).id}}
    [draft] = [r for r in received if r.delivery.kind == DeliveryKind.SUMMARY]
    assert "is gesloten" in draft.text and "Normbedragen liggen te laag." in draft.text
    assert "Plaats in #kanaal" in draft.text

    # Every delivery of the round ended: sent, or dropped when no longer needed.
    statuses = {d.status for d in core.deliveries.for_round(round_.id)}
    assert statuses <= {DeliveryStatus.SENT, DeliveryStatus.DROPPED}
