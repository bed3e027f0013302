"""The scheduled work of the services: rounds open, remind and close on time; retention.

Each test moves the clock the services read and calls what the scheduler would wake up;
the sending itself is in test_round_simulation.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.application.core import Core
from bot.domain import (
    DeliveryKind,
    DeliveryStatus,
    Member,
    Round,
    RoundStatus,
    SummaryStatus,
)
from bot.errors import InbrengError
from bot.ports import UnitOfWorkFactory
from bot.retention_policy import RetentionPolicy
from bot.services.responses import AnswerInput
from bot.services.retention import RetentionService
from bot.services.rounds import RoundRequest
from tests.support import COLLEAGUE, LEAD, MEMBER, OPERATOR, SECRETARIAT, FakeClock

ANSWER = AnswerInput(topic="onderwijshuisvesting", text="Normbedragen liggen te laag.")


def member(core: Core, email: str) -> Member:
    found = core.members.by_email(email)
    assert found is not None
    return found


def create_round(core: Core, clock: FakeClock, **options: object) -> Round:
    """A Financiën round, open now for a week, with the given options."""
    request = RoundRequest(
        pillar_slug="financien",
        meeting_at=clock.now() + timedelta(days=14),
        closes_at=clock.now() + timedelta(days=7),
        **options,  # type: ignore[arg-type]
    )
    return core.rounds.create(request, actor=OPERATOR)


def queued(core: Core, round_id: int, kind: DeliveryKind) -> list[int]:
    """Member ids with a pending delivery of `kind` in the round, sorted."""
    return sorted(
        d.member_id
        for d in core.deliveries.for_round(round_id)
        if d.kind == kind and d.status == DeliveryStatus.PENDING and d.member_id is not None
    )


def audience_ids(core: Core, round_id: int) -> list[int]:
    return queued(core, round_id, DeliveryKind.INVITATION)


def send_invitations(core: Core) -> None:
    """As the outbox would: a member whose invitation still waits gets no reminder."""
    for delivery in core.deliveries.claim(worker="test", limit=1000, claim_for=timedelta(1)):
        core.deliveries.sent(delivery.id, message_id="ts")


def test_a_scheduled_round_opens_at_its_time_once(
    core: Core, clock: FakeClock, scheduled_round: Round
) -> None:
    assert core.rounds.open_due() == []
    assert core.deliveries.for_round(scheduled_round.id) == []

    clock.advance(days=1)
    [opened] = core.rounds.open_due()

    assert opened.status == RoundStatus.OPEN
    invited = audience_ids(core, opened.id)
    assert len(invited) > 10 and len(set(invited)) == len(invited)
    assert core.rounds.open_due() == []  # the second run finds nothing
    assert audience_ids(core, opened.id) == invited


def test_reminders_go_to_who_neither_answered_nor_declined(core: Core, clock: FakeClock) -> None:
    round_ = create_round(core, clock, reminders=(timedelta(days=2),))
    everyone = audience_ids(core, round_.id)
    send_invitations(core)
    core.responses.submit(member(core, MEMBER), round_.id, ANSWER)
    core.responses.decline(member(core, COLLEAGUE), round_.id)

    clock.advance(days=4, hours=23)
    assert core.rounds.remind_due() == {}  # the moment is two days before closing
    clock.advance(hours=1)
    assert core.rounds.remind_due() == {round_.id: len(everyone) - 2}

    reminded = queued(core, round_.id, DeliveryKind.REMINDER)
    assert reminded == sorted(set(everyone) - {member(core, MEMBER).id, member(core, COLLEAGUE).id})
    assert core.rounds.get(round_.id).reminders_done == 1
    assert core.rounds.remind_due() == {}  # each moment once


def test_reminding_per_organisation_stops_once_a_colleague_answered(
    core: Core, clock: FakeClock
) -> None:
    zeist = member(core, MEMBER).organisation_id
    for per_organisation in (False, True):
        round_ = create_round(
            core, clock, reminders=(timedelta(days=1),), remind_per_organisation=per_organisation
        )
        send_invitations(core)
        core.responses.submit(member(core, MEMBER), round_.id, ANSWER)
        clock.advance(days=6)
        core.rounds.remind_due()
        clock.advance(days=-6)
        reminded = [
            core.deliveries.member(i) for i in queued(core, round_.id, DeliveryKind.REMINDER)
        ]
        from_zeist = [m for m in reminded if m is not None and m.organisation_id == zeist]
        assert reminded and bool(from_zeist) is not per_organisation
        assert core.deliveries.still_to_remind(member(core, COLLEAGUE), round_) is not (
            per_organisation
        )


def test_moments_missed_while_down_give_one_reminder(core: Core, clock: FakeClock) -> None:
    round_ = create_round(
        core, clock, reminders=(timedelta(days=5), timedelta(days=3), timedelta(days=1))
    )
    send_invitations(core)
    clock.advance(days=4, hours=1)  # the 5d and 3d moments have both passed
    [count] = core.rounds.remind_due().values()

    assert len(queued(core, round_.id, DeliveryKind.REMINDER)) == count
    assert core.rounds.get(round_.id).reminders_done == 2
    clock.advance(days=2)  # the 1d moment
    core.rounds.remind_due()
    assert len(queued(core, round_.id, DeliveryKind.REMINDER)) == 2 * count
    assert core.rounds.get(round_.id).reminders_done == 3


def test_the_last_mornings_reminder_is_at_the_start_of_the_working_day(
    core: Core, clock: FakeClock
) -> None:
    # Opens Tuesday 10:00 (Amsterdam), closes next Tuesday 16:00: the morning is 09:00.
    round_ = create_round(core, clock, remind_last_morning=True)
    send_invitations(core)
    clock.advance(days=6, hours=22, minutes=59)  # Tuesday 08:59 Amsterdam
    assert core.rounds.remind_due() == {}
    clock.advance(minutes=1)
    assert round_.id in core.rounds.remind_due()


def test_closing_on_time_drops_unsent_reminders_and_sends_the_draft_to_the_lead(
    core: Core, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    round_ = create_round(core, clock, reminders=(timedelta(hours=1),))
    send_invitations(core)
    core.responses.submit(member(core, MEMBER), round_.id, ANSWER)
    clock.advance(days=7, hours=-1)
    core.rounds.remind_due()
    assert queued(core, round_.id, DeliveryKind.REMINDER)
    clock.advance(minutes=59)
    assert core.rounds.close_due() == []

    clock.advance(minutes=1)
    [closed] = core.rounds.close_due()

    assert closed.status == RoundStatus.SUMMARISED
    assert queued(core, round_.id, DeliveryKind.REMINDER) == []  # dropped, not sent
    assert queued(core, round_.id, DeliveryKind.SUMMARY) == [member(core, LEAD).id]
    with uow_factory() as uow:
        summary = uow.summaries.latest_for_round(round_.id)
    assert summary is not None and summary.status == SummaryStatus.DRAFT
    assert summary.body["answers"] == 1
    assert core.rounds.close_due() == []
    with pytest.raises(InbrengError) as refused:
        core.rounds.close(round_.id, actor=OPERATOR)
    assert refused.value.key == "round_transition_refused"


def test_a_round_that_says_so_posts_its_summary_to_the_channels(
    core: Core, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    round_ = create_round(core, clock, post_summary_directly=True)
    clock.advance(days=7)
    core.rounds.close_due()

    posts = [d for d in core.deliveries.for_round(round_.id) if d.channel is not None]
    assert sorted(str(d.channel) for d in posts if d.kind == DeliveryKind.SUMMARY) == [
        "slack:C05PMGFIN01",
        "teams:19:4f1c9a7e5b2d4c6e8a0b1d3f5e7a9c1b@thread.tacv2",
    ]
    assert queued(core, round_.id, DeliveryKind.SUMMARY) == []  # no review needed
    with uow_factory() as uow:
        summary = uow.summaries.latest_for_round(round_.id)
    assert summary is not None and summary.status == SummaryStatus.POSTED


def test_a_members_meeting_draft_goes_to_the_secretariat(core: Core, clock: FakeClock) -> None:
    request = RoundRequest(
        pillar_slug=None,
        meeting_at=clock.now() + timedelta(days=14),
        closes_at=clock.now() + timedelta(days=7),
    )
    round_ = core.rounds.create(request, actor=OPERATOR)
    clock.advance(days=7)
    core.rounds.close_due()
    secretariat = [member(core, SECRETARIAT).id, member(core, "k.hoekstra@pmg.example").id]
    assert queued(core, round_.id, DeliveryKind.SUMMARY) == sorted(secretariat)


def test_a_round_that_never_opened_is_closed_all_the_same(
    core: Core, clock: FakeClock, scheduled_round: Round
) -> None:
    clock.advance(days=9)  # down from before opening until after closing
    assert core.rounds.open_due()  # opened and ...
    [closed] = core.rounds.close_due()  # ... closed in the same catch-up
    assert closed.id == scheduled_round.id
    assert queued(core, closed.id, DeliveryKind.INVITATION) == []


@pytest.mark.parametrize("policy", ["anonymise 30d", "erase 30d"])
def test_retention_after_the_meeting_is_applied_once_and_audited(
    core: Core, clock: FakeClock, uow_factory: UnitOfWorkFactory, policy: str
) -> None:
    round_ = create_round(core, clock)
    core.responses.submit(member(core, MEMBER), round_.id, ANSWER)
    core.responses.submit(member(core, COLLEAGUE), round_.id, ANSWER)
    clock.advance(days=7)
    core.rounds.close_due()
    retention = RetentionService(
        uow_factory=uow_factory, clock=clock, policy=RetentionPolicy.parse(policy)
    )
    clock.advance(days=7 + 29)  # the meeting was 29 days ago
    assert retention.run().answers == 0

    clock.advance(days=1)
    run = retention.run()

    assert (run.rounds, run.answers) == (1, 2)
    with uow_factory() as uow:
        responses = uow.responses.for_round(round_.id)
        summary = uow.summaries.latest_for_round(round_.id)
        audit = uow.audit.list(subject_type="round", subject_id=round_.id)
    assert summary is not None
    quotes = [q for t in summary.body["themes"] for q in t["quotes"]]
    if policy.startswith("anonymise"):
        assert [(r.member_id, r.attribution.value) for r in responses] == [(None, "anonymous")] * 2
        assert [(q["member"], q["organisation"]) for q in quotes] == [(None, None)] * 2
        assert [q["text"] for q in quotes] == [ANSWER.text] * 2
    else:
        assert responses == [] and quotes == []
    action = "retention.anonymise" if policy.startswith("anonymise") else "retention.erase"
    [entry] = [e for e in audit if e.action == action]
    assert entry.details == {"answers": 2, "after_days": 30}
    assert retention.run().answers == 0  # nothing left to do: no second audit entry
    with uow_factory() as uow:
        again = uow.audit.list(subject_type="round", subject_id=round_.id)
    assert len([e for e in again if e.action == action]) == 1


def test_keep_is_the_default_and_touches_nothing(core: Core, clock: FakeClock) -> None:
    round_ = create_round(core, clock)
    core.responses.submit(member(core, MEMBER), round_.id, ANSWER)
    clock.advance(days=7)
    core.rounds.close_due()
    clock.advance(days=3650)
    assert core.retention.run().answers == 0
    [response] = core.responses.of_member(member(core, MEMBER))
    assert response.member_id == member(core, MEMBER).id
