"""Who is reminded, and when: the same rules when reminders are queued and when they go out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.domain import Member, Round
from bot.ports import UnitOfWork
from bot.sending_window import SendingWindow


def reminder_moments(round_: Round, window: SendingWindow) -> list[datetime]:
    """The round's reminder moments, in time order, all while it is open.

    `Round.reminders_done` counts into this list, so it only depends on the round (and the
    start of the working day, for the last morning)."""
    moments = {round_.closes_at - before for before in round_.reminders}
    if round_.remind_last_morning:
        moments.add(window.start_of_day(window.local_day(round_.closes_at)))
    return sorted(m for m in moments if round_.opens_at < m < round_.closes_at)


def still_to_remind(uow: UnitOfWork, round_: Round, members: Iterable[Member]) -> list[Member]:
    """Those of `members` who neither answered nor declined; when the round reminds per
    organisation, also not those of whose organisation someone answered."""
    responses = uow.responses.for_round(round_.id)  # withdrawn answers do not count
    done = {r.member_id for r in responses} | uow.rounds.declined_member_ids(round_.id)
    answered_organisations = (
        {r.organisation_id for r in responses} if round_.remind_per_organisation else set()
    )
    return [
        m for m in members if m.id not in done and m.organisation_id not in answered_organisations
    ]
