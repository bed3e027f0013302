"""The lifecycle of an input round.

    event       from                     to
    schedule    draft                    scheduled
    open        scheduled                open
    close       scheduled, open          closed
    summarise   closed                   summarised
    cancel      draft, scheduled, open   cancelled

A round is born a draft (prepared, nobody asked yet) and is scheduled at once unless it is
kept as a draft. It opens at `opens_at`. Closing makes the answers final and is committed
on its own; the summary is made after it (the network's model may take its time) and
stored with `summarise`. A round left closed (the process stopped, or the summary failed)
is summarised by the scheduler's next run. A scheduled round may close without ever having
opened: the bot was down for all of its period. Once closed, a round is not cancelled.
"""

from __future__ import annotations

from enum import StrEnum

from bot.domain import RoundStatus
from bot.lifecycle import Lifecycle, Transition


class RoundEvent(StrEnum):
    SCHEDULE = "schedule"
    OPEN = "open"
    CLOSE = "close"
    SUMMARISE = "summarise"
    CANCEL = "cancel"


RoundTransition = Transition[RoundStatus, RoundEvent]

_DRAFT, _SCHEDULED, _OPEN = RoundStatus.DRAFT, RoundStatus.SCHEDULED, RoundStatus.OPEN

ROUND_LIFECYCLE: Lifecycle[RoundStatus, RoundEvent] = Lifecycle(
    initial=_DRAFT,
    rules={
        RoundEvent.SCHEDULE: ({_DRAFT}, _SCHEDULED),
        RoundEvent.OPEN: ({_SCHEDULED}, _OPEN),
        RoundEvent.CLOSE: ({_SCHEDULED, _OPEN}, RoundStatus.CLOSED),
        RoundEvent.SUMMARISE: ({RoundStatus.CLOSED}, RoundStatus.SUMMARISED),
        RoundEvent.CANCEL: ({_DRAFT, _SCHEDULED, _OPEN}, RoundStatus.CANCELLED),
    },
    refusal_key="round_transition_refused",
)

# Rounds the scheduler will still open or close.
ACTIVE = ROUND_LIFECYCLE.sources(RoundEvent.CLOSE)
# Rounds with answers to report on: being given, or given (a cancelled round is not
# reported, though its answers are kept until retention).
REPORTABLE = (
    frozenset({_OPEN})
    | ROUND_LIFECYCLE.sources(RoundEvent.SUMMARISE)
    | frozenset({RoundStatus.SUMMARISED})
)
# Rounds whose answers will not change any more: retention applies to them.
FINISHED = frozenset({RoundStatus.CLOSED, RoundStatus.SUMMARISED, RoundStatus.CANCELLED})
