"""Reading moments and durations that people type (CLI options, form fields)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.errors import InbrengError

_NOW_WORDS = frozenset({"now", "nu"})
_DURATION = re.compile(r"^(\d{1,3})\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


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


def parse_reminders(text: str, *, field: str = "reminders") -> tuple[timedelta, ...]:
    """`7d,2d,4h` -> the moments before closing to remind at, largest first."""
    if not text.strip():
        return ()
    durations: set[timedelta] = set()
    for part in text.split(","):
        match = _DURATION.match(part.strip().lower())
        if not match or int(match.group(1)) == 0:
            raise InbrengError("bad_reminders", field=field, value=text.strip())
        durations.add(timedelta(**{_UNITS[match.group(2)]: int(match.group(1))}))
    return tuple(sorted(durations, reverse=True))


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
