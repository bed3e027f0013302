"""The review of a summary: the whole transition table, every state reached through the
review service and the chat, refusals that change nothing, and the guarded status change in
the database."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.application.core import Core
from bot.domain import Round, SummaryStatus
from bot.lifecycle import StatusChanged, TransitionRefused
from bot.ports import UnitOfWorkFactory
from bot.services.responses import AnswerInput
from bot.summary.lifecycle import SUMMARY_LIFECYCLE, SummaryEvent, posting
from bot.texts import Texts
from tests.support import LEAD, MEMBER, OPERATOR, FakeClock, ScriptedChat

S, E = SummaryStatus, SummaryEvent
# Written out here, not read from the module: the table the product needs.
ALLOWED = {
    (S.DRAFT, E.APPROVE): S.APPROVED,
    (S.APPROVED, E.POST): S.POSTED,
    (S.DRAFT, E.REVISE): S.DRAFT,
    (S.APPROVED, E.REVISE): S.DRAFT,  # a change is approved again
    (S.POSTED, E.REVISE): S.DRAFT,  # a correction, to be posted again
}


@pytest.mark.parametrize("state", list(SummaryStatus))
@pytest.mark.parametrize("event", list(SummaryEvent))
def test_every_state_and_event(state: SummaryStatus, event: SummaryEvent) -> None:
    if (state, event) in ALLOWED:
        transition = SUMMARY_LIFECYCLE.next(state, event, round_id=3)
        assert (transition.source, transition.target) == (state, ALLOWED[state, event])
        return
    with pytest.raises(TransitionRefused) as refused:
        SUMMARY_LIFECYCLE.next(state, event, round_id=3)
    assert refused.value.key == "summary_transition_refused"
    for language in ("nl", "en"):
        text = Texts().render(language, f"errors.{refused.value.key}", **refused.value.params)
        assert text.startswith(("De samenvatting van uitvraag 3 is al ", "The summary of round 3"))


def test_posting_a_draft_approves_it_first_and_what_is_posted_is_not_posted_again() -> None:
    assert SUMMARY_LIFECYCLE.initial == SummaryStatus.DRAFT
    assert [(t.source, t.target) for t in posting(S.DRAFT)] == [
        (S.DRAFT, S.APPROVED), (S.APPROVED, S.POSTED),
    ]  # fmt: skip
    assert [(t.source, t.target) for t in posting(S.APPROVED)] == [(S.APPROVED, S.POSTED)]
    with pytest.raises(TransitionRefused) as again:
        posting(S.POSTED, round_id=3)
    text = Texts().render("nl", "errors.summary_transition_refused", **again.value.params)
    assert text == (
        "De samenvatting van uitvraag 3 is al geplaatst; "
        "na een wijziging kunt u hem opnieuw plaatsen."
    )


def closed(core: Core, round_: Round, clock: FakeClock) -> None:
    member = core.members.by_email(MEMBER)
    assert member is not None
    core.responses.submit(
        member, round_.id, AnswerInput(topic="onderwijshuisvesting", text="Normbedragen te laag")
    )
    clock.advance(days=8)
    core.rounds.close_due()


def audit_count(uow_factory: UnitOfWorkFactory) -> int:
    with uow_factory() as uow:
        return len(uow.audit.list())


def test_every_state_is_reached_through_the_review_and_refusals_change_nothing(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    closed(core, open_round, clock)
    review, round_id = core.summary_review, open_round.id
    seen = [review.status(round_id)]

    review.approve(round_id, actor=OPERATOR)
    seen.append(review.status(round_id))
    with pytest.raises(TransitionRefused) as twice:
        review.approve(round_id, actor=OPERATOR)
    assert (twice.value.status, twice.value.event) == (S.APPROVED, E.APPROVE)
    review.post(round_id, actor=OPERATOR)
    seen.append(review.status(round_id))
    assert seen == [S.DRAFT, S.APPROVED, S.POSTED]

    before, audited = core.reports.summary(round_id), audit_count(uow_factory)
    posts = len(core.deliveries.for_round(round_id))
    for refused_change in (review.approve, review.post):
        with pytest.raises(TransitionRefused):
            refused_change(round_id, actor=OPERATOR)
    assert core.reports.summary(round_id) == before
    assert (review.status(round_id), audit_count(uow_factory)) == (S.POSTED, audited)
    assert len(core.deliveries.for_round(round_id)) == posts  # no second post queued

    # A correction after posting: a draft again, and posted again (approved on the way).
    review.retitle(round_id, "t1", "Bouwkosten scholen", actor=OPERATOR)
    assert review.status(round_id) == S.DRAFT
    review.post(round_id, actor=OPERATOR)
    assert review.status(round_id) == S.POSTED
    assert len(core.reports.summary(round_id).postings) == 2 * len(before.postings)


def test_approving_twice_in_the_chat_is_refused_clearly(
    core: Core, open_round: Round, clock: FakeClock, chat: Callable[[str], ScriptedChat]
) -> None:
    closed(core, open_round, clock)
    lead = chat(LEAD)
    assert "Goedgekeurd" in lead.type(f"samenvatting {open_round.id} goedkeuren")
    again = lead.type(f"samenvatting {open_round.id} goedkeuren")
    assert f"De samenvatting van uitvraag {open_round.id} is al goedgekeurd." in again
    lead.type(f"plaats samenvatting {open_round.id}")
    assert core.summary_review.status(open_round.id) == S.POSTED
    reposted = lead.type(f"plaats samenvatting {open_round.id}")
    assert "is al geplaatst; na een wijziging kunt u hem opnieuw plaatsen" in reposted


def test_a_summary_status_change_from_the_wrong_state_changes_nothing(
    core: Core, open_round: Round, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    """Two reviewers who both read the draft: only the first approval is stored."""
    closed(core, open_round, clock)
    approving = SUMMARY_LIFECYCLE.next(S.DRAFT, E.APPROVE)
    with uow_factory() as first, uow_factory() as second:
        stored = first.summaries.latest_for_round(open_round.id)
        assert stored is not None and stored == second.summaries.latest_for_round(open_round.id)
        first.summaries.set_status(stored.id, approving)
        first.commit()
        with pytest.raises(StatusChanged) as raced:
            second.summaries.set_status(stored.id, approving)
        assert raced.value.params == {
            "round_id": open_round.id, "expected": "draft", "found": "approved"
        }  # fmt: skip
    with uow_factory() as uow:
        uow.summaries.update(stored.id, body={**stored.body, "synthesis": "Nieuw."})
        uow.commit()
    with uow_factory() as uow:
        changed = uow.summaries.latest_for_round(open_round.id)
    assert changed is not None
    assert (changed.status, changed.body["synthesis"]) == (S.APPROVED, "Nieuw.")
