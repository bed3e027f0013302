"""The first summary of a round: its answers grouped by topic, in the members' own words."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.domain import Attribution, Member, Organisation, Response, Round, Topic
from bot.ports import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class Quote:
    """A verbatim answer; `member` and `organisation` only as far as the member allowed."""

    text: str
    network_help: str
    member: str | None
    organisation: str | None


@dataclass(frozen=True, kw_only=True)
class TopicGroup:
    topic_slug: str | None  # None: "anders / other"
    topic_name: str | None
    answers: int
    organisations: list[str]  # named ones, sorted
    anonymous_organisations: int  # organisations that answered only anonymously
    quotes: list[Quote] = field(default_factory=list)

    @property
    def breadth(self) -> int:
        return len(self.organisations) + self.anonymous_organisations


@dataclass(frozen=True, kw_only=True)
class RoundSummary:
    round_id: int
    meeting_title: str
    answers: int
    organisations: int
    groups: list[TopicGroup]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, body: dict[str, Any]) -> RoundSummary:
        groups = [
            TopicGroup(**{**g, "quotes": [Quote(**q) for q in g["quotes"]]}) for g in body["groups"]
        ]
        return cls(**{**body, "groups": groups})


def _quote(
    response: Response, members: dict[int, Member], organisations: dict[int, Organisation]
) -> Quote:
    organisation = organisations[response.organisation_id].name
    member = members.get(response.member_id) if response.member_id is not None else None
    return Quote(
        text=response.text,
        network_help=response.network_help,
        member=member.name if member and response.attribution == Attribution.NAME else None,
        organisation=None if response.attribution == Attribution.ANONYMOUS else organisation,
    )


def build_summary(uow: UnitOfWork, round_: Round) -> RoundSummary:
    """Group the round's current answers by topic, broadest topics first."""
    responses = uow.responses.for_round(round_.id)
    members = {m.id: m for m in uow.members.list(include_inactive=True)}
    organisations = {o.id: o for o in uow.organisations.list(include_inactive=True)}
    topics: dict[int, Topic] = {
        t.id: t for pillar_id in round_.pillar_ids for t in uow.pillars.all_topics(pillar_id)
    }
    by_topic: dict[int | None, list[Response]] = {}
    for response in responses:
        by_topic.setdefault(response.topic_id, []).append(response)

    groups = []
    for topic_id, answers in by_topic.items():
        topic = topics.get(topic_id) if topic_id is not None else None
        named = {
            organisations[r.organisation_id].name
            for r in answers
            if r.attribution != Attribution.ANONYMOUS
        }
        all_orgs = {r.organisation_id for r in answers}
        named_ids = {r.organisation_id for r in answers if r.attribution != Attribution.ANONYMOUS}
        groups.append(
            TopicGroup(
                topic_slug=topic.slug if topic else None,
                topic_name=topic.name if topic else None,
                answers=len(answers),
                organisations=sorted(named),
                anonymous_organisations=len(all_orgs - named_ids),
                quotes=[_quote(r, members, organisations) for r in answers],
            )
        )
    # Broadest first, then most answers; "other" last among equals; name for a stable order.
    groups.sort(key=lambda g: (-g.breadth, -g.answers, g.topic_slug is None, g.topic_name or ""))
    return RoundSummary(
        round_id=round_.id,
        meeting_title=round_.meeting.title,
        answers=len(responses),
        organisations=len({r.organisation_id for r in responses}),
        groups=groups,
    )
