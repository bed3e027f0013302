"""The review of a round's summary.

    event     from                      to
    approve   draft                     approved
    post      approved                  posted
    revise    draft, approved, posted   draft

A summary is stored as a draft when its round is summarised, or posted at once when the
round says so (approve and post, in the same unit of work). A reviewer approves a draft;
posting a draft approves it first, in the same unit of work. Retitling, hiding or showing
a theme revises it: whatever it was, it is a draft again, to be approved (and posted again,
as a correction) after the change. Approving twice, or posting what is already posted
without a change, is refused: it would only repeat a message in the channels.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain import SummaryStatus
from bot.lifecycle import Lifecycle, Transition


class SummaryEvent(StrEnum):
    APPROVE = "approve"
    POST = "post"
    REVISE = "revise"


SummaryTransition = Transition[SummaryStatus, SummaryEvent]

_DRAFT, _APPROVED, _POSTED = SummaryStatus.DRAFT, SummaryStatus.APPROVED, SummaryStatus.POSTED

SUMMARY_LIFECYCLE: Lifecycle[SummaryStatus, SummaryEvent] = Lifecycle(
    initial=_DRAFT,
    rules={
        SummaryEvent.APPROVE: ({_DRAFT}, _APPROVED),
        SummaryEvent.POST: ({_APPROVED}, _POSTED),
        SummaryEvent.REVISE: ({_DRAFT, _APPROVED, _POSTED}, _DRAFT),
    },
    refusal_key="summary_transition_refused",
)


def posting(status: SummaryStatus, **params: object) -> list[SummaryTransition]:
    """The transitions that post a summary from `status`: a draft is approved first."""
    if status == _DRAFT:
        approved = SUMMARY_LIFECYCLE.next(status, SummaryEvent.APPROVE, **params)
        return [approved, SUMMARY_LIFECYCLE.next(approved.target, SummaryEvent.POST, **params)]
    return [SUMMARY_LIFECYCLE.next(status, SummaryEvent.POST, **params)]
