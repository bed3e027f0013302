"""Reading the dates, moments and durations that people type: in chat, in forms, on the
command line, one parser for all of them.

A date is written as a Dutch user writes it, or in ISO 8601: `18-12-2026`, `18/12/2026`,
`2026-12-18`, `24 december`, `24 dec 2026`, `december 24` (Dutch and English month names,
abbreviated or in full), `24-12`; a date without a year is its next occurrence from today.
A time follows it after a space, a `T` or `om`/`at`: `14:00`, `14.00`, `14u` (or to the
microsecond, as `datetime.isoformat` writes it), with or without an offset (`+01:00`, `Z`).
A weekday before the date (as the bot writes dates) must be that date's. `nu`/`now` is the
present. Without an offset, a moment is in the network's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo

from bot.errors import InbrengError

_NOW_WORDS = frozenset({"now", "nu"})
_DURATION = re.compile(r"^(\d{1,3})\s*([dhm])$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_MORNING_WORDS = frozenset({"ochtend", "morning"})

_MONTHS = (
    ("januari", "january"),
    ("februari", "february"),
    ("maart", "march", "mrt"),
    ("april",),
    ("mei", "may"),
    ("juni", "june"),
    ("juli", "july"),
    ("augustus", "august"),
    ("september", "sept"),
    ("oktober", "october"),
    ("november",),
    ("december",),
)
_WEEKDAYS = (
    ("maandag", "monday"),
    ("dinsdag", "tuesday"),
    ("woensdag", "wednesday"),
    ("donderdag", "thursday"),
    ("vrijdag", "friday"),
    ("zaterdag", "saturday"),
    ("zondag", "sunday"),
)
_LONGEST_TEXT = 60  # the longest date and time anyone types, with a weekday and a month name
_SHOWN = 40  # how much of a value an error repeats
_YEARS_AHEAD = 8  # how far to look for the next 29 February

_TIME = (
    r"(?P<hour>\d{1,2})"
    r"(?:[:.](?P<minute>\d{2})(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,6}))?)?"
    r"|u(?P<minutes>\d{2})?)"
)
_OFFSET = r"\s*(?P<offset>z|[+-]\d{2}(?::?\d{2})?)"
_AFTER_DATE = rf"(?:(?:t|\s+(?:om\s+|at\s+)?|,\s*){_TIME}(?:{_OFFSET})?)?"
_WEEKDAY = r"(?:(?P<weekday>[a-z]+),?\s+)?"
_DATES = (
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})",
    r"(?P<day>\d{1,2})[-/.](?P<month>\d{1,2})(?:[-/.](?P<year>\d{4}))?",
    r"(?P<day>\d{1,2})\.?\s*(?P<month_name>[a-z]+)\.?(?:\s+(?P<year>\d{4}))?",
    r"(?P<month_name>[a-z]+)\.?\s+(?P<day>\d{1,2})(?:,?\s+(?P<year>\d{4}))?",
)
_PATTERNS = tuple(re.compile(rf"^{_WEEKDAY}{date_}{_AFTER_DATE}$") for date_ in _DATES)


@dataclass(frozen=True)
class _Written:
    """What was typed: a day, perhaps a time of day, perhaps an offset from UTC."""

    day: date
    clock: time | None
    offset: tzinfo | None


def parse_moment(text: str, *, zone: ZoneInfo, now: datetime, field: str) -> datetime:
    """A date with a time (`18-12-2026 14:00`, `2026-12-18T14:00+01:00`, `24 dec 14.00`) or
    `nu`/`now`, as aware UTC. A date alone is refused: the field needs a time."""
    cleaned = text.strip()
    if cleaned.lower() in _NOW_WORDS:
        return now
    written = _read(cleaned, today=now.astimezone(zone).date())
    if written is None:
        raise InbrengError("bad_moment", field=field, field_name=field, value=cleaned[:_SHOWN])
    if written.clock is None:
        raise InbrengError(
            "moment_needs_time", field=field, field_name=field, value=cleaned[:_SHOWN]
        )
    moment = datetime.combine(written.day, written.clock, tzinfo=written.offset or zone)
    return moment.astimezone(UTC)


def parse_day(text: str, *, today: date, zone: ZoneInfo, field: str) -> date:
    """A date (`24-12-2026`, `2026-12-24`, `24 december`, `24 dec`) or `nu`/`now` (today);
    a time after it is allowed and, with an offset, read in the network's time zone."""
    cleaned = text.strip()
    if cleaned.lower() in _NOW_WORDS:
        return today
    written = _read(cleaned, today=today)
    if written is None:
        raise InbrengError("bad_day", field=field, field_name=field, value=cleaned[:_SHOWN])
    if written.clock is not None and written.offset is not None:
        moment = datetime.combine(written.day, written.clock, tzinfo=written.offset)
        return moment.astimezone(zone).date()
    return written.day


def _read(text: str, *, today: date) -> _Written | None:
    """The day, time and offset in `text`, or None when it is no date (or no real one)."""
    lowered = " ".join(text.lower().split())
    if len(lowered) > _LONGEST_TEXT:
        return None
    for pattern in _PATTERNS:
        found = pattern.match(lowered)
        if found is not None:
            try:
                return _written(found, today=today)
            except ValueError:  # 31 February, 25:00, an unknown month or weekday
                return None
    return None


def _written(found: re.Match[str], *, today: date) -> _Written:
    parts = found.groupdict()
    month = _month(parts["month_name"]) if parts.get("month_name") else int(parts["month"])
    day_of_month = int(parts["day"])
    year = parts.get("year")
    day = (
        date(int(year), month, day_of_month)
        if year
        else _next_occurrence(month, day_of_month, today=today)
    )
    if parts["weekday"] is not None and _weekday(parts["weekday"]) != day.weekday():
        raise ValueError(f"{day} is no {parts['weekday']}")
    clock = None
    if parts["hour"] is not None:
        minute = parts["minute"] or parts["minutes"] or "0"
        microsecond = int((parts["fraction"] or "0").ljust(6, "0"))
        clock = time(int(parts["hour"]), int(minute), int(parts["second"] or 0), microsecond)
    offset = _offset(parts["offset"]) if parts["offset"] else None
    return _Written(day=day, clock=clock, offset=offset)


def _next_occurrence(month: int, day_of_month: int, *, today: date) -> date:
    """The first such day from today on (today included)."""
    for year in range(today.year, today.year + _YEARS_AHEAD + 1):
        try:
            candidate = date(year, month, day_of_month)
        except ValueError:
            continue  # 29 February outside a leap year
        if candidate >= today:
            return candidate
    raise ValueError(f"no day {day_of_month} in month {month}")


def _month(word: str) -> int:
    """A month by its Dutch or English name, or the start of one (at least three letters)."""
    matches = {
        number
        for number, names in enumerate(_MONTHS, start=1)
        for name in names
        if len(word) >= 3 and name.startswith(word)
    }
    if len(matches) != 1:
        raise ValueError(f"no month {word!r}")
    return matches.pop()


def _weekday(word: str) -> int:
    matches = {
        number
        for number, names in enumerate(_WEEKDAYS)
        for name in names
        if len(word) >= 2 and name.startswith(word)
    }
    if len(matches) != 1:
        raise ValueError(f"no weekday {word!r}")
    return matches.pop()


def _offset(text: str) -> tzinfo:
    if text == "z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"no offset {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


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
