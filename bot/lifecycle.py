"""State machines: which event moves a record from which states to which state.

A machine is a table and answers questions; it changes nothing. Whoever changes a status
asks the machine for the transition and hands that to the repository, which changes the
row only while it is still in the transition's source state. So a refusal is decided here,
in words a person can act on, and a race (two instances closing one round) is caught in
the database: the second change finds the row no longer where it expected it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bot.errors import InbrengError

StateT = TypeVar("StateT", bound=StrEnum)
EventT = TypeVar("EventT", bound=StrEnum)


@dataclass(frozen=True)
class Transition(Generic[StateT, EventT]):
    """One allowed step: `event` moves a record from `source` to `target`."""

    event: EventT
    source: StateT
    target: StateT


class TransitionRefused(InbrengError):  # noqa: N818 - a refusal, like InbrengError
    """The event is not allowed from the record's state. The text (`errors.<key>`) gets
    `status` and `event` besides what the caller passed (the round's id)."""

    def __init__(self, key: str, *, status: StrEnum, event: StrEnum, **params: Any) -> None:
        super().__init__(key, status=status.value, event=event.value, **params)
        self.status = status
        self.event = event


class StatusChanged(InbrengError):  # noqa: N818 - a refusal, like InbrengError
    """The row was no longer in the state the transition starts from: someone else (a
    person, another instance) changed it since it was read. Nothing was changed."""

    def __init__(self, *, round_id: int, expected: StrEnum, found: str) -> None:
        super().__init__("status_changed", round_id=round_id, expected=expected.value, found=found)


class Lifecycle(Generic[StateT, EventT]):
    """The states of one kind of record and the events that move it.

    `rules` maps each event to the states it may start from and the state it leads to;
    an event not allowed from a state is refused with `errors.<refusal_key>`."""

    def __init__(
        self,
        *,
        initial: StateT,
        rules: Mapping[EventT, tuple[Collection[StateT], StateT]],
        refusal_key: str,
    ) -> None:
        self.initial = initial
        self._rules = {event: (frozenset(rule[0]), rule[1]) for event, rule in rules.items()}
        self._refusal_key = refusal_key

    def sources(self, event: EventT) -> frozenset[StateT]:
        """The states `event` may start from."""
        return self._rules[event][0]

    def allows(self, state: StateT, event: EventT) -> bool:
        return state in self._rules[event][0]

    def next(self, state: StateT, event: EventT, **params: Any) -> Transition[StateT, EventT]:
        """The transition `event` makes from `state`, or TransitionRefused; `params` (the
        round's id) go into the refusal's text."""
        sources, target = self._rules[event]
        if state not in sources:
            raise TransitionRefused(self._refusal_key, status=state, event=event, **params)
        return Transition(event=event, source=state, target=target)

    def after(self, state: StateT, *events: EventT) -> StateT:
        """Where `events`, one after the other, lead from `state` (refused like `next`): the
        state of a record that is born further along than `initial`."""
        for event in events:
            state = self.next(state, event).target
        return state
