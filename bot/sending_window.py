"""When the bot may send direct messages: the network's working hours, not on public
holidays (INBRENG_WORKING_HOURS, INBRENG_HOLIDAYS, read in INBRENG_TIMEZONE)."""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

ALWAYS = "always"
NO_HOLIDAYS = "none"
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DUTCH_DAY_NAMES = ("ma", "di", "wo", "do", "vr", "za", "zo")
_PERIOD = re.compile(
    r"^(?P<first>[a-z]+)(?:-(?P<last>[a-z]+))?\s+"
    r"(?P<start>\d{1,2}:\d{2})-(?P<end>\d{1,2}:\d{2})$"
)
MORNING = time(9)  # the start of a day when every hour is allowed
# Looking further ahead than this for an allowed moment means the window is empty.
_SEARCH_DAYS = 400


@dataclass(frozen=True)
class Period:
    """Hours on some days of the week, e.g. Monday to Friday 09:00-17:00 (end excluded)."""

    weekdays: frozenset[int]  # Monday is 0
    start: time
    end: time


def _day(name: str, text: str) -> int:
    for names in (DAY_NAMES, DUTCH_DAY_NAMES):
        if name in names:
            return names.index(name)
    raise ValueError(f"unknown day {name!r} in {text!r}; use mon..sun (or ma..zo)")


def _clock(value: str, text: str) -> time:
    hours, minutes = (int(part) for part in value.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if hours > 23 or minutes > 59:
        raise ValueError(f"no such time {value!r} in {text!r}")
    return time(hours, minutes)


def parse_working_hours(text: str) -> tuple[Period, ...] | None:
    """`mon-fri 09:00-17:00`, several separated by commas (`mon-thu 09:00-17:00, fri
    09:00-12:00`), or `always` (None: no limit)."""
    cleaned = " ".join(text.lower().split())
    if cleaned == ALWAYS:
        return None
    periods = []
    for part in cleaned.split(","):
        match = _PERIOD.match(part.strip())
        if match is None:
            raise ValueError(f"working hours {text!r}: expected e.g. 'mon-fri 09:00-17:00'")
        first = _day(match["first"], text)
        last = _day(match["last"], text) if match["last"] else first
        if last < first:
            raise ValueError(
                f"working hours {text!r}: {match['first']} comes after {match['last']}"
            )
        start, end = _clock(match["start"], text), _clock(match["end"], text)
        if end <= start:
            raise ValueError(
                f"working hours {text!r}: {match['end']} is not after {match['start']}"
            )
        periods.append(Period(frozenset(range(first, last + 1)), start, end))
    return tuple(periods)


def holiday_country(text: str) -> str | None:
    """A country code known to the `holidays` package (`NL`, `BE`, `DE`), or None for `none`.

    Checks the code without building its calendar: loading any country's calendar loads every
    country's (the package imports them all), most of a second that a command that sends
    nothing should not pay. The registry's codes, too, not list_supported_countries(), which
    loads them all to list their subdivisions."""
    from holidays.registry import EntityLoader  # the package costs 30 ms to import

    code = text.strip().upper()
    if code == NO_HOLIDAYS.upper():
        return None
    if code not in EntityLoader.get_country_codes():
        raise ValueError(f"unknown holiday calendar {text!r}; use a country code such as NL")
    return code


def parse_holidays(text: str) -> Container[date] | None:
    """The public holidays of a country (`NL`, `BE`, `DE`), or None for `none`."""
    code = holiday_country(text)
    return None if code is None else HolidayCalendar(code)


class HolidayCalendar:
    """A country's public holidays, loaded when first asked: a command that sends nothing
    never asks, and loading one calendar loads every country's (most of a second)."""

    def __init__(self, country: str) -> None:
        self.country = country

    @cached_property
    def _days(self) -> Container[date]:
        import holidays

        calendar: Container[date] = holidays.country_holidays(self.country)
        return calendar

    def __contains__(self, day: object) -> bool:
        return day in self._days


class SendingWindow:
    """Answers "may a direct message go out now?" and "when may it, next?"."""

    def __init__(
        self,
        *,
        zone: ZoneInfo,
        periods: tuple[Period, ...] | None,
        holidays: Container[date] | None,
    ) -> None:
        self._zone = zone
        self._periods = periods
        self._holidays = holidays

    @classmethod
    def always(cls, zone: ZoneInfo) -> SendingWindow:
        return cls(zone=zone, periods=None, holidays=None)

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()

    def allows(self, moment: datetime) -> bool:
        local = moment.astimezone(self._zone)
        if self._is_holiday(local.date()):
            return False
        if self._periods is None:
            return True
        return any(
            local.weekday() in p.weekdays and p.start <= local.time() < p.end for p in self._periods
        )

    def next_allowed(self, moment: datetime) -> datetime:
        """`moment` itself when allowed, else the next moment the window opens (UTC)."""
        if self.allows(moment):
            return moment
        day = self.local_day(moment)
        for offset in range(_SEARCH_DAYS):
            for opening in self._openings(day + timedelta(days=offset)):
                if opening > moment:
                    return opening
        raise ValueError("the sending window never opens: check INBRENG_WORKING_HOURS")

    def start_of_day(self, day: date) -> datetime:
        """The start of the working day `day` (09:00 when every hour is allowed); for a day
        without working hours, the next moment the window opens."""
        if self._periods is None and not self._is_holiday(day):
            return self._at(day, MORNING)
        openings = self._openings(day)
        return openings[0] if openings else self.next_allowed(self._at(day, time()))

    def _openings(self, day: date) -> list[datetime]:
        if self._is_holiday(day):
            return []
        if self._periods is None:
            return [self._at(day, time())]
        return sorted(self._at(day, p.start) for p in self._periods if day.weekday() in p.weekdays)

    def _at(self, day: date, clock: time) -> datetime:
        return datetime.combine(day, clock, tzinfo=self._zone).astimezone(UTC)

    def _is_holiday(self, day: date) -> bool:
        return self._holidays is not None and day in self._holidays
