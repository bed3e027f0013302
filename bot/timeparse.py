"""Reading moments and durations that people type (CLI options, form fields)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InbrengError

_NOW_WORDS = frozenset({"now", "nu"})
_DURATION = re.compile(r"^(\d{1,3})\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_MORNING_WORDS = frozenset({"ochtend", "morning"})


_DUTCH_DAY = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$")


def parse_day(text: str, *, field: str) -> date:
    """`2026-12-24` or, as written in Dutch, `24-12-2026`."""
    cleaned = text.strip()
    dutch = _DUTCH_DAY.match(cleaned)
    try:
        if dutch:
            return date(int(dutch[3]), int(dutch[2]), int(dutch[1]))
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InbrengError("bad_day", field=field, value=cleaned[:40]) from None


def parse_moment(text: str, *, zone: ZoneInfo, now: datetime, field: str) -> datetime:
    """ISO 8601 date and time (`2026-12-10 14:00`, `2026-12-10T14:00+01:00`) or `now`.

    A moment without an offset is read in the network's time zone. Returns aware UTC.
    """
    cleaned = text.strip()
    if cleaned.lower() in _NOW_WORDS:
        return now
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InbrengError("bad_moment", field=field, value=cleaned) from None
    if len(cleaned) <= len("2026-12-10"):
        raise InbrengError("bad_moment", field=field, value=cleaned)  # a day needs a time
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class ReminderSchedule:
    """When to remind: durations before closing, and perhaps the last day's morning."""

    before: tuple[timedelta, ...] = ()  # largest first
    last_morning: bool = False


def parse_reminders(text: str, *, field: str = "reminders") -> ReminderSchedule:
    """`7d,2d,4h` (before closing) and `ochtend`/`morning`: the start of the working day on
    which the round closes."""
    durations: set[timedelta] = set()
    last_morning = False
    for part in filter(None, (p.strip().lower() for p in text.split(","))):
        if part in _MORNING_WORDS:
            last_morning = True
            continue
        match = _DURATION.match(part)
        if not match or int(match.group(1)) == 0:
            raise InbrengError("bad_reminders", field=field, value=text.strip())
        durations.add(timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}))
    return ReminderSchedule(
        before=tuple(sorted(durations, reverse=True)), last_morning=last_morning
    )


def format_reminders(reminders: tuple[timedelta, ...]) -> str:
    parts = []
    for reminder in reminders:
        seconds = int(reminder.total_seconds())
        if seconds % 86400 == 0:
            parts.append(f"{seconds // 86400}d")
        elif seconds % 3600 == 0:
            parts.append(f"{seconds // 3600}h")
        else:
            parts.append(f"{seconds // 60}m")
    return ",".join(parts)
