"""Working out who has answered a round, from the database (records in `bot.participation`)."""

from __future__ import annotations

from bot.disclosure import Asked, Disclosure, asked_for, disclose
from bot.domain import Response, Round
from bot.participation import OrganisationParticipation, Participation
from bot.ports import UnitOfWork
from bot.services.audience import audience_of


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
    audience = audience_of(round_, members)
    return asked_for(
        {m.id: m.organisation_id for m in audience},
        {m.id: m.organisation_id for m in members},
        responses,
        uow.rounds.declined_member_ids(round_.id),
        complete=complete,
    )
