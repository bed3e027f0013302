"""The read side: what a screen shows, read in one unit of work as view records.

A screen asks one query and renders what it returns; it does not gather its parts from
several services (and so several transactions)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.application.transactions import Transactions
from bot.domain import Member, Response, Round, RoundStatus
from bot.ports import Clock, UnitOfWork
from bot.services.audience import in_audience


@dataclass(frozen=True, kw_only=True)
class OwnAnswer:
    """One of a member's answers, with what it is shown beside."""

    response: Response
    round: Round
    topic_name: str | None  # None: "anders / other"


@dataclass(frozen=True, kw_only=True)
class HomeView:
    """A member's home page: the rounds open to them and their latest answers."""

    open_rounds: list[Round]
    answers: list[OwnAnswer]  # the first of them as `mine` lists them, as many as asked for
    answer_count: int  # all of them


class Queries:
    def __init__(self, *, transactions: Transactions, clock: Clock) -> None:
        self._transactions = transactions
        self._clock = clock

    def home(self, member: Member, *, answers: int) -> HomeView:
        with self._transactions.use_case() as uow:
            responses = uow.responses.for_member(member.id)
            return HomeView(
                open_rounds=self._open_for(uow, member),
                answers=_own(uow, responses[:answers]),
                answer_count=len(responses),
            )

    def own_answers(self, member: Member) -> list[OwnAnswer]:
        with self._transactions.use_case() as uow:
            return _own(uow, uow.responses.for_member(member.id))

    def _open_for(self, uow: UnitOfWork, member: Member) -> list[Round]:
        now = self._clock.now()
        return [
            r
            for r in uow.rounds.list(statuses=[RoundStatus.OPEN])
            if r.is_open_at(now) and in_audience(member, r)
        ]


def _own(uow: UnitOfWork, responses: list[Response]) -> list[OwnAnswer]:
    """Rounds and topics read once each: a member's answers share a few of them."""
    rounds = {i: r for i in {x.round_id for x in responses} if (r := uow.rounds.get(i))}
    topics = {i: uow.pillars.get_topic(i) for i in {r.topic_id for r in responses} if i}
    return [
        OwnAnswer(
            response=response,
            round=rounds[response.round_id],
            topic_name=(topic.name if (topic := topics.get(response.topic_id or 0)) else None),
        )
        for response in responses
    ]
