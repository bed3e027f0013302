"""Who has answered a round: per municipality, and the response rate.

As published (`bot.disclosure`): per municipality only linked answers and the members who
gave one; anonymous answers are counted apart, in totals, and only when enough could have
given them. The secretariat's complete view counts every answer where it came from.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.disclosure import Asked, Disclosure, asked_for, disclose
from bot.domain import Response, Round
from bot.ports import UnitOfWork
from bot.services.audience import audience_of


@dataclass(frozen=True, kw_only=True)
class OrganisationParticipation:
    organisation: str
    asked: int  # members of this organisation in the audience
    answered: int  # members with at least one current answer counted here
    declined: int
    answers: int

    @property
    def has_answered(self) -> bool:
        return self.answered > 0


@dataclass(frozen=True, kw_only=True)
class Participation:
    round_id: int
    organisations: list[OrganisationParticipation]
    anonymous_answers: int  # counted apart, in totals only; 0 when withheld or complete
    anonymous_withheld: bool  # too few could have answered anonymously: none are shown
    complete: bool = False  # the secretariat's view: anonymous answers counted per municipality

    @property
    def answered_organisations(self) -> int:
        return sum(1 for o in self.organisations if o.has_answered)

    @property
    def rate(self) -> float:
        """Share of the asked organisations that answered."""
        if not self.organisations:
            return 0.0
        return self.answered_organisations / len(self.organisations)

    @property
    def asked_members(self) -> int:
        return sum(o.asked for o in self.organisations)

    @property
    def answered_members(self) -> int:
        return sum(o.answered for o in self.organisations)


def round_disclosure(uow: UnitOfWork, round_: Round) -> Disclosure:
    """The round's current answers as leads and channels may see them."""
    responses = uow.responses.for_round(round_.id)
    return disclose(responses, _asked(uow, round_, responses, complete=False))


def build_participation(uow: UnitOfWork, round_: Round, *, complete: bool = False) -> Participation:
    """As published; `complete`: the secretariat's own view, every answer counted."""
    responses = uow.responses.for_round(round_.id)
    published = _asked(uow, round_, responses, complete=False)
    disclosure = disclose(responses, published)
    asked = _asked(uow, round_, responses, complete=True) if complete else published
    counted = responses if complete else list(disclosure.linked)
    answered_by = {r.member_id for r in counted if r.member_id is not None}

    rows = []
    for organisation in uow.organisations.list(include_inactive=True):
        member_ids = {m for m, o in asked.organisation_of.items() if o == organisation.id}
        org_answers = [r for r in counted if r.organisation_id == organisation.id]
        if not member_ids and not org_answers:
            continue
        rows.append(
            OrganisationParticipation(
                organisation=organisation.name,
                asked=len(member_ids),
                answered=len(member_ids & answered_by),
                declined=len(member_ids & asked.declined),
                answers=len(org_answers),
            )
        )
    rows.sort(key=lambda o: (not o.has_answered, o.organisation))
    return Participation(
        round_id=round_.id,
        organisations=rows,
        anonymous_answers=0 if complete else len(disclosure.anonymous),
        anonymous_withheld=disclosure.withheld,
        complete=complete,
    )


def _asked(uow: UnitOfWork, round_: Round, responses: list[Response], *, complete: bool) -> Asked:
    members = uow.members.list(include_inactive=True)
    audience = audience_of(round_, members, uow.pillars.list())
    return asked_for(
        {m.id: m.organisation_id for m in audience},
        {m.id: m.organisation_id for m in members},
        responses,
        uow.rounds.declined_member_ids(round_.id),
        complete=complete,
    )
