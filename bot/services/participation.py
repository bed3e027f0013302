"""Who has answered a round: per municipality, and the response rate."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Round
from bot.ports import UnitOfWork
from bot.services.audience import audience_of


@dataclass(frozen=True, kw_only=True)
class OrganisationParticipation:
    organisation: str
    asked: int  # members of this organisation in the audience
    answered: int  # members with at least one current answer
    declined: int
    answers: int

    @property
    def has_answered(self) -> bool:
        return self.answered > 0


@dataclass(frozen=True, kw_only=True)
class Participation:
    round_id: int
    organisations: list[OrganisationParticipation]

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


def build_participation(uow: UnitOfWork, round_: Round) -> Participation:
    members = uow.members.list(include_inactive=True)
    asked = audience_of(round_, members, uow.pillars.list())
    responses = uow.responses.for_round(round_.id)
    declined = uow.rounds.declined_member_ids(round_.id)
    answered_by = {r.member_id for r in responses if r.member_id is not None}
    # Members who answered count as asked even if they have since left the audience.
    asked_ids = {m.id for m in asked} | answered_by
    organisation_of = {m.id: m.organisation_id for m in members}

    rows = []
    for organisation in uow.organisations.list(include_inactive=True):
        member_ids = {i for i in asked_ids if organisation_of.get(i) == organisation.id}
        org_answers = [r for r in responses if r.organisation_id == organisation.id]
        if not member_ids and not org_answers:
            continue
        rows.append(
            OrganisationParticipation(
                organisation=organisation.name,
                asked=len(member_ids),
                answered=len(member_ids & answered_by),
                declined=len((member_ids & declined) - answered_by),
                answers=len(org_answers),
            )
        )
    rows.sort(key=lambda o: (not o.has_answered, o.organisation))
    return Participation(round_id=round_.id, organisations=rows)
