"""The round's lifecycle: the whole transition table, and every state reached, committed and
shown by the real services, the scheduler's work and the command line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.application.core import Core
from bot.domain import DeliveryStatus, Member, Round, RoundStatus
from bot.errors import InbrengError
from bot.lifecycle import StatusChanged, TransitionRefused
from bot.ports import UnitOfWork, UnitOfWorkFactory
from bot.retention_policy import RetentionPolicy
from bot.round_lifecycle import ROUND_LIFECYCLE, RoundEvent
from bot.services.doctor import scheduler_findings
from bot.services.responses import AnswerInput
from bot.services.retention import RetentionService
from bot.services.rounds import RoundRequest, RoundService
from bot.texts import Texts
from tests.inbreng.test_cli import inbreng, succeeded
from tests.support import MEMBER, OPERATOR, FakeClock

S, E = RoundStatus, RoundEvent
# Written out here, not read from the module: the table the product needs.
ALLOWED = {
    (S.DRAFT, E.SCHEDULE): S.SCHEDULED,
    (S.SCHEDULED, E.OPEN): S.OPEN,
    (S.SCHEDULED, E.CLOSE): S.CLOSED,  # the bot was down for the whole period
    (S.OPEN, E.CLOSE): S.CLOSED,
    (S.CLOSED, E.SUMMARISE): S.SUMMARISED,
    (S.DRAFT, E.CANCEL): S.CANCELLED,
    (S.SCHEDULED, E.CANCEL): S.CANCELLED,
    (S.OPEN, E.CANCEL): S.CANCELLED,
}
ANSWER = AnswerInput(topic="onderwijshuisvesting", text="Normbedragen liggen te laag.")


@pytest.mark.parametrize("state", list(RoundStatus))
@pytest.mark.parametrize("event", list(RoundEvent))
def test_every_state_and_event(state: RoundStatus, event: RoundEvent) -> None:
    if (state, event) in ALLOWED:
        transition = ROUND_LIFECYCLE.next(state, event, round_id=3)
        assert (transition.source, transition.target) == (state, ALLOWED[state, event])
        assert ROUND_LIFECYCLE.allows(state, event)
        return
    assert not ROUND_LIFECYCLE.allows(state, event)
    with pytest.raises(TransitionRefused) as refused:
        ROUND_LIFECYCLE.next(state, event, round_id=3)
    assert refused.value.key == "round_transition_refused"
    assert refused.value.params == {"status": state.value, "event": event.value, "round_id": 3}
    for language in ("nl", "en"):
        text = Texts().render(language, f"errors.{refused.value.key}", **refused.value.params)
        assert text.startswith(("Uitvraag 3 is ", "Round 3 is ")) and "{" not in text


def test_a_round_is_born_a_draft_and_every_state_can_be_left_or_is_final() -> None:
    assert ROUND_LIFECYCLE.initial == RoundStatus.DRAFT
    leaving = {state for state, _ in ALLOWED}
    assert set(RoundStatus) - leaving == {RoundStatus.SUMMARISED, RoundStatus.CANCELLED}


def test_refusals_say_what_is_wrong_in_both_languages() -> None:
    texts = Texts()

    def say(language: str, status: RoundStatus, event: RoundEvent) -> str:
        with pytest.raises(TransitionRefused) as refused:
            ROUND_LIFECYCLE.next(status, event, round_id=3)
        return str(
            texts.render(language, "errors.round_transition_refused", **refused.value.params)
        )

    assert say("nl", S.SUMMARISED, E.CLOSE) == "Uitvraag 3 is al gesloten."
    assert say("en", S.CLOSED, E.CLOSE) == "Round 3 is already closed."
    assert say("nl", S.CANCELLED, E.OPEN) == (
        "Uitvraag 3 is geannuleerd: alleen een geplande uitvraag kan opengaan."
    )
    assert say("en", S.SUMMARISED, E.CANCEL) == (
        "Round 3 is closed and summarised: only a round that has not closed can be cancelled."
    )


class CommittedStatuses:
    """A unit-of-work factory for a service that notes, as each unit of work begins, the
    status its round has in the database: what the units before it committed."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory
        self.round_id: int | None = None
        self.seen: list[RoundStatus] = []

    def __call__(self) -> UnitOfWork:
        if self.round_id is not None:
            with self._uow_factory() as uow:
                round_ = uow.rounds.get(self.round_id)
            if round_ is not None and (not self.seen or self.seen[-1] != round_.status):
                self.seen.append(round_.status)
        return self._uow_factory()


def services(core: Core, statuses: CommittedStatuses, clock: FakeClock) -> RoundService:
    return RoundService(uow_factory=statuses, clock=clock, window=core.window)


def request(clock: FakeClock, *, opens_in: timedelta = timedelta(0)) -> RoundRequest:
    return RoundRequest(
        pillar_slug="financien",
        meeting_at=clock.now() + timedelta(days=14),
        opens_at=clock.now() + opens_in if opens_in else None,
        closes_at=clock.now() + timedelta(days=7),
    )


def status_of(core: Core, round_: Round) -> RoundStatus:
    return core.rounds.get(round_.id).status


def member(core: Core, email: str) -> Member:
    found = core.members.by_email(email)
    assert found is not None
    return found


def test_every_state_is_reached_and_committed_by_the_services_and_the_scheduler(
    core: Core, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    """No dead states: a draft is scheduled, opens when its time comes, closes (committed
    on its own, before the summary is made) and is summarised; another is cancelled."""
    statuses = CommittedStatuses(uow_factory)
    rounds = services(core, statuses, clock)

    draft = rounds.create(request(clock, opens_in=timedelta(days=1)), actor=OPERATOR, draft=True)
    statuses.round_id = draft.id
    assert draft.status == RoundStatus.DRAFT
    assert core.deliveries.for_round(draft.id) == []  # nobody is asked for a draft
    scheduled = rounds.schedule(draft.id, actor=OPERATOR)
    assert scheduled.status == RoundStatus.SCHEDULED
    assert core.deliveries.for_round(draft.id) == []
    clock.advance(days=1)
    [opened] = rounds.open_due()
    assert opened.status == RoundStatus.OPEN and core.deliveries.for_round(draft.id)
    core.responses.submit(member(core, MEMBER), draft.id, ANSWER)
    clock.advance(days=6)
    [closed] = rounds.close_due()
    assert closed.status == RoundStatus.SUMMARISED
    assert rounds.summarise_due() == []  # nothing left closed

    assert statuses.seen == [
        RoundStatus.DRAFT,
        RoundStatus.SCHEDULED,
        RoundStatus.OPEN,
        RoundStatus.CLOSED,  # committed before the summary was stored
        RoundStatus.SUMMARISED,
    ]
    cancelled = rounds.cancel(rounds.create(request(clock), actor=OPERATOR).id, actor=OPERATOR)
    reached = {*statuses.seen, cancelled.status}
    assert reached == set(RoundStatus)


def test_a_round_created_to_open_now_opens_at_once_and_one_for_later_is_scheduled(
    core: Core, clock: FakeClock
) -> None:
    now = core.rounds.create(request(clock), actor=OPERATOR)
    later = core.rounds.create(request(clock, opens_in=timedelta(hours=2)), actor=OPERATOR)
    assert (now.status, later.status) == (RoundStatus.OPEN, RoundStatus.SCHEDULED)
    # A draft whose opening time has passed opens as soon as it is scheduled.
    draft = core.rounds.create(
        request(clock, opens_in=timedelta(hours=1)), actor=OPERATOR, draft=True
    )
    clock.advance(hours=3)
    assert [r.id for r in core.rounds.open_due()] == [later.id]  # not the draft
    assert core.rounds.schedule(draft.id, actor=OPERATOR).status == RoundStatus.OPEN
    with pytest.raises(TransitionRefused) as twice:
        core.rounds.schedule(draft.id, actor=OPERATOR)
    assert (twice.value.status, twice.value.event) == (RoundStatus.OPEN, RoundEvent.SCHEDULE)


def test_a_draft_past_its_closing_time_is_not_scheduled(core: Core, clock: FakeClock) -> None:
    draft = core.rounds.create(request(clock), actor=OPERATOR, draft=True)
    clock.advance(days=8)
    with pytest.raises(InbrengError) as late:
        core.rounds.schedule(draft.id, actor=OPERATOR)
    assert late.value.key == "closes_in_past"
    assert status_of(core, draft) == RoundStatus.DRAFT
    assert core.rounds.close_due() == []  # and the scheduler does not close a draft


def test_a_second_close_is_refused_clearly_and_changes_nothing(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    core.rounds.close(open_round.id, actor=OPERATOR)
    with uow_factory() as uow:
        audit_before = len(uow.audit.list())
        summary_before = uow.summaries.latest_for_round(open_round.id)

    with pytest.raises(TransitionRefused) as twice:
        core.rounds.close(open_round.id, actor=OPERATOR)

    message = Texts().render("nl", f"errors.{twice.value.key}", **twice.value.params)
    assert message == f"Uitvraag {open_round.id} is al gesloten."
    with uow_factory() as uow:
        assert len(uow.audit.list()) == audit_before
        assert uow.summaries.latest_for_round(open_round.id) == summary_before
    assert status_of(core, open_round) == RoundStatus.SUMMARISED


def test_a_cancelled_round_asks_nobody_takes_no_answer_and_the_scheduler_leaves_it(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    anna = member(core, MEMBER)
    core.responses.submit(anna, open_round.id, ANSWER)
    assert any(d.status == DeliveryStatus.PENDING for d in core.deliveries.for_round(open_round.id))

    cancelled = core.rounds.cancel(open_round.id, actor=OPERATOR)

    assert cancelled.status == RoundStatus.CANCELLED
    statuses = {d.status for d in core.deliveries.for_round(open_round.id)}
    assert DeliveryStatus.PENDING not in statuses
    with pytest.raises(InbrengError) as refused:
        core.responses.submit(anna, open_round.id, ANSWER)
    assert refused.value.key == "round_not_open"
    text = Texts().render("nl", "errors.round_not_open", **refused.value.params)
    assert text.endswith("hij is geannuleerd.")
    clock.advance(days=8)
    assert core.rounds.close_due() == [] and core.rounds.remind_due() == {}
    with pytest.raises(TransitionRefused):
        core.rounds.close(open_round.id, actor=OPERATOR)
    with uow_factory() as uow:
        entry = next(e for e in uow.audit.list() if e.action == "round.cancelled")
    assert entry.details["was"] == "open"
    # Its answers are kept, and retention applies to them as to a closed round's.
    clock.advance(days=30)
    retention = RetentionService(
        uow_factory=uow_factory, clock=clock, policy=RetentionPolicy.parse("erase 7d")
    )
    assert retention.run().answers == 1


def test_a_closed_round_is_summarised_by_the_next_run_and_shown_closed_until_then(
    database_url: str, core: Core, open_round: Round, clock: FakeClock,
    uow_factory: UnitOfWorkFactory, tmp_path: Path,
) -> None:  # fmt: skip
    """A process that stops after closing leaves the round closed (the transition the
    service commits first); the command line shows it so, and the scheduler's next run
    stores the summary."""
    with uow_factory() as uow:
        uow.rounds.set_status(
            open_round.id, ROUND_LIFECYCLE.next(RoundStatus.OPEN, RoundEvent.CLOSE)
        )
        uow.commit()

    shown = succeeded(inbreng("rounds", "show", str(open_round.id), cwd=tmp_path, url=database_url))
    listed = succeeded(inbreng("rounds", "list", cwd=tmp_path, url=database_url))

    assert f"== Uitvraag {open_round.id}: " in shown and " (gesloten) ==" in shown
    assert listed.split()[:2] == [str(open_round.id), "gesloten"]
    clock.advance(days=8)  # `inbreng doctor` names a round left closed past its closing time
    [late] = [f for f in scheduler_findings(uow_factory, clock=clock, window=core.window)
              if f.key == "late_to_summarise"]  # fmt: skip
    assert late.params["id"] == open_round.id
    assert core.rounds.summarise_due() == [open_round.id]
    assert status_of(core, open_round) == RoundStatus.SUMMARISED
    with uow_factory() as uow:
        assert uow.summaries.latest_for_round(open_round.id) is not None


def test_a_status_change_from_the_wrong_state_changes_nothing(
    core: Core, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    """Two instances that both read the round open: only the first close is stored."""
    closing = ROUND_LIFECYCLE.next(RoundStatus.OPEN, RoundEvent.CLOSE)
    with uow_factory() as first, uow_factory() as second:
        assert first.rounds.get(open_round.id) == second.rounds.get(open_round.id)
        first.rounds.set_status(open_round.id, closing)
        first.commit()
        with pytest.raises(StatusChanged) as raced:
            second.rounds.set_status(open_round.id, closing)
        assert raced.value.key == "status_changed"
        assert raced.value.params == {
            "round_id": open_round.id, "expected": "open", "found": "closed"
        }  # fmt: skip
    with uow_factory() as uow:
        with pytest.raises(StatusChanged):
            uow.rounds.set_status(
                open_round.id, ROUND_LIFECYCLE.next(RoundStatus.SCHEDULED, RoundEvent.OPEN)
            )
        uow.commit()
    assert status_of(core, open_round) == RoundStatus.CLOSED
