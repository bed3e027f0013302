"""The largest round a platform must carry: 300 answers of 4,000 characters.

Answers that long are stored the way earlier versions accepted them (the repository
directly, past today's answer limit), so every message the bot builds from a round can be
checked against each platform's published limits at the sizes members really produce.
Texts mix long sentences, line breaks, markup-like characters and names of municipalities,
so that escaping (which lengthens text) is exercised as well.
"""

from __future__ import annotations

from datetime import timedelta
from itertools import cycle

from bot.application.core import Core
from bot.domain import Attribution, ResponseData, Round
from bot.ports import UnitOfWorkFactory
from bot.services.rounds import RoundRequest
from tests.support import OPERATOR, FakeClock

ANSWERS = 300
ANSWER_CHARS = 4000
_SENTENCE = (
    "De kosten van de {topic} lopen in {place} op <&> sneller dan de *normbedragen* "
    "stijgen; de raad vraagt om _scenario's_ en een `plan` voor 2027. "
)


def long_text(index: int, topic: str, place: str, *, length: int = ANSWER_CHARS) -> str:
    """A member's answer of exactly `length` characters, with a line break now and then."""
    words = f"{index:03d} " + _SENTENCE.format(topic=topic, place=place) * 40
    lines = [words[i : i + 380] for i in range(0, len(words), 380)]
    return "\n".join(lines)[:length]


def large_round(core: Core, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Round:
    """An open Financiën round holding ANSWERS answers of ANSWER_CHARS characters from
    every member who follows the pillar, with every attribution, spread over its topics."""
    round_ = core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_title="Pijleroverleg Financiën",
            meeting_at=clock.now() + timedelta(days=14),
            closes_at=clock.now() + timedelta(days=7),
        ),
        actor=OPERATOR,
    )
    with uow_factory() as uow:
        pillar = uow.pillars.by_slug("financien")
        assert pillar is not None
        organisations = {o.id: o.name for o in uow.organisations.list()}
        members = [m for m in uow.members.list() if m.follows("financien") and not m.is_secretariat]
        topics = cycle([*pillar.topics, None])
        attributions = cycle(list(Attribution))
        people = cycle(members)
        for index in range(ANSWERS):
            member = next(people)
            topic = next(topics)
            uow.responses.add(
                ResponseData(
                    round_id=round_.id,
                    member_id=member.id,
                    organisation_id=member.organisation_id,
                    topic_id=topic.id if topic is not None else None,
                    text=long_text(
                        index,
                        topic.name if topic else "gemeentelijke taken",
                        organisations[member.organisation_id],
                    ),
                    network_help=long_text(index + 1000, "lobby", "Den Haag", length=1000),
                    attribution=next(attributions),
                ),
                at=clock.now(),
            )
        uow.commit()
    return round_
