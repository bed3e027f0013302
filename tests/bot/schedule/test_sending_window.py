"""The sending window: working hours and public holidays, read in the network's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.retention_policy import RetentionAction, RetentionPolicy
from bot.sending_window import SendingWindow, parse_holidays, parse_working_hours
from inbreng.settings import Settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMSTERDAM)


def window(hours: str = "mon-fri 09:00-17:00", holidays: str = "NL") -> SendingWindow:
    return SendingWindow(
        zone=AMSTERDAM, periods=parse_working_hours(hours), holidays=parse_holidays(holidays)
    )


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (local(2026, 12, 1, 9, 0), True),  # Tuesday, the first minute
        (local(2026, 12, 1, 16, 59), True),
        (local(2026, 12, 1, 17, 0), False),  # the end is not included
        (local(2026, 12, 1, 8, 59), False),
        (local(2026, 12, 5, 11, 0), False),  # Saturday
        (local(2026, 12, 25, 11, 0), False),  # Christmas, a Friday
        (local(2027, 4, 27, 11, 0), False),  # King's Day
        (local(2027, 5, 6, 11, 0), False),  # Ascension Day
    ],
)
def test_working_hours_and_dutch_holidays(moment: datetime, allowed: bool) -> None:
    assert window().allows(moment) is allowed


def test_the_next_allowed_moment_skips_evening_weekend_and_christmas() -> None:
    thursday_evening = local(2026, 12, 24, 17, 30)
    assert window().next_allowed(thursday_evening) == local(2026, 12, 28, 9, 0)
    assert window().next_allowed(local(2026, 12, 1, 10, 0)) == local(2026, 12, 1, 10, 0)
    # Without holidays, the same evening waits only for Friday morning.
    assert window(holidays="none").next_allowed(thursday_evening) == local(2026, 12, 25, 9, 0)


def test_working_hours_follow_the_local_clock_across_summer_time() -> None:
    # 09:00 in Amsterdam is 08:00 UTC in winter and 07:00 UTC in summer. Summer time
    # starts on Easter Sunday 2027, so Friday evening waits for Tuesday.
    assert window().next_allowed(local(2027, 3, 26, 18, 0)) == datetime(
        2027, 3, 30, 7, 0, tzinfo=UTC
    )
    assert window().next_allowed(local(2027, 3, 19, 18, 0)) == datetime(
        2027, 3, 22, 8, 0, tzinfo=UTC
    )


def test_several_periods_and_dutch_day_names() -> None:
    hours = window("ma-do 09:00-17:00, vr 09:00-12:00", holidays="none")
    assert hours.allows(local(2026, 12, 3, 16, 0))  # Thursday afternoon
    assert not hours.allows(local(2026, 12, 4, 13, 0))  # Friday afternoon
    assert hours.next_allowed(local(2026, 12, 4, 13, 0)) == local(2026, 12, 7, 9, 0)


def test_always_allows_every_hour_but_still_respects_holidays() -> None:
    always = window("always")
    assert always.allows(local(2026, 12, 5, 3, 0))
    assert not always.allows(local(2026, 12, 25, 3, 0))
    assert always.next_allowed(local(2026, 12, 25, 3, 0)) == local(2026, 12, 27, 0, 0)
    assert SendingWindow.always(AMSTERDAM).allows(local(2026, 12, 25, 3, 0))


def test_start_of_day_is_the_first_working_moment() -> None:
    assert window().start_of_day(date(2026, 12, 1)) == local(2026, 12, 1, 9, 0)
    # A holiday's "start of the day" is the next working morning.
    assert window().start_of_day(date(2026, 12, 25)) == local(2026, 12, 28, 9, 0)
    assert window("always").start_of_day(date(2026, 12, 5)) == local(2026, 12, 5, 9, 0)
    late = window("mon-fri 10:30-15:00", holidays="none")
    assert late.start_of_day(date(2026, 12, 1)).astimezone(AMSTERDAM).time() == time(10, 30)


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("mon-fri 9-17", "expected e.g. 'mon-fri 09:00-17:00'"),
        ("mon-xyz 09:00-17:00", "unknown day 'xyz'"),
        ("fri-mon 09:00-17:00", "fri comes after mon"),
        ("mon-fri 17:00-09:00", "09:00 is not after 17:00"),
        ("mon-fri 09:00-25:00", "no such time '25:00'"),
    ],
)
def test_unreadable_working_hours_are_refused_clearly(hours: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(working_hours=hours, _env_file=None)


def test_unknown_holiday_calendar_and_retention_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown holiday calendar 'XX'"):
        Settings(holidays="XX", _env_file=None)
    with pytest.raises(ValidationError, match="expected 'keep', 'anonymise 365d'"):
        Settings(retention="forever", _env_file=None)


def test_settings_build_the_window_and_the_retention_policy() -> None:
    settings = Settings(
        working_hours="mon-fri 08:00-18:00", holidays="BE", retention="erase after 2y",
        _env_file=None,
    )  # fmt: skip
    belgian = settings.sending_window()
    assert belgian.allows(local(2026, 12, 1, 8, 0))
    assert not belgian.allows(local(2027, 7, 21, 10, 0))  # Belgian national day
    assert settings.retention_policy() == RetentionPolicy(
        action=RetentionAction.ERASE, after=datetime(2028, 1, 1) - datetime(2026, 1, 1)
    )


@pytest.mark.parametrize(
    ("text", "action", "days"),
    [
        ("keep", None, 0),
        ("anonymise 365d", RetentionAction.ANONYMISE, 365),
        ("Anonymize after 26w", RetentionAction.ANONYMISE, 182),
        ("wis 1y", RetentionAction.ERASE, 365),
    ],
)
def test_retention_policies(text: str, action: RetentionAction | None, days: int) -> None:
    policy = RetentionPolicy.parse(text)
    assert (policy.action, policy.after.days) == (action, days)
