"""Reading a round request from typed values: the secretariat's form and the command line."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.conversation.forms import (
    ALL_PILLARS,
    PER_ORGANISATION,
    POST_SUMMARY,
    FormValues,
    chosen,
    value,
)
from bot.domain import Audience
from bot.errors import InbrengError, raise_if_any
from bot.services.rounds import RoundRequest
from bot.timeparse import ReminderSchedule, parse_moment, parse_reminders


def read_round_request(values: FormValues, *, zone: ZoneInfo, now: datetime) -> RoundRequest:
    """A round as typed in the round form or on the command line; all problems at once.

    `pillar` is a pillar slug or ALL_PILLARS (a members' meeting).
    """
    errors: list[InbrengError] = []
    moments = {}
    for name in ("meeting_at", "opens_at", "closes_at"):
        raw = value(values, name)
        if not raw.strip():
            errors.append(InbrengError("field_required", field=name))
            continue
        try:
            moments[name] = parse_moment(raw, zone=zone, now=now, field=name)
        except InbrengError as error:
            errors.append(error)
    try:
        reminders = parse_reminders(value(values, "reminders"))
    except InbrengError as error:
        errors.append(error)
        reminders = ReminderSchedule()
    try:
        audience = Audience(value(values, "audience") or Audience.PILLAR.value)
    except ValueError:
        errors.append(InbrengError("field_required", field="audience"))
        audience = Audience.PILLAR
    options = chosen(values, "options")
    pillar = value(values, "pillar")
    if not pillar:
        errors.append(InbrengError("field_required", field="pillar"))
    raise_if_any(errors)
    return RoundRequest(
        pillar_slug=None if pillar == ALL_PILLARS else pillar,
        meeting_title=value(values, "meeting_title"),
        meeting_at=moments["meeting_at"],
        opens_at=moments["opens_at"],
        closes_at=moments["closes_at"],
        question=value(values, "question"),
        place=value(values, "place"),
        reminders=reminders.before,
        remind_last_morning=reminders.last_morning,
        audience=audience,
        remind_per_organisation=PER_ORGANISATION in options,
        post_summary_directly=POST_SUMMARY in options,
    )
