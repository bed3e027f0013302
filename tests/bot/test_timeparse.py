"""The one reader of typed dates and moments: the forms a Dutch user types, and clear refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.errors import InbrengError
from bot.timeparse import parse_day, parse_moment

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 2, 13, 0, tzinfo=UTC)  # Wednesday 2 December 2026, 14:00 in Amsterdam
TODAY = date(2026, 12, 2)
AT_TWO = datetime(2026, 12, 18, 13, 0, tzinfo=UTC)  # 18 December 2026, 14:00 in Amsterdam

MOMENTS = [
    ("18-12-2026 14:00", AT_TWO),
    ("18-12-2026 14.00", AT_TWO),
    ("18/12/2026 14:00", AT_TWO),
    ("2026-12-18T14:00", AT_TWO),
    ("2026-12-18 14:00", AT_TWO),
    ("2026-12-18T14:00:00", AT_TWO),
    ("2026-12-18T13:00:00.000000+00:00", AT_TWO),  # as isoformat() writes a form's default
    ("2026-12-18T13:00:00.5+00:00", AT_TWO.replace(microsecond=500000)),
    ("2026-12-18T14:00+01:00", AT_TWO),
    ("2026-12-18T13:00Z", AT_TWO),
    ("2026-12-18 09:00 -04:00", AT_TWO),
    ("18 december 2026 14:00", AT_TWO),
    ("18 december 14:00", AT_TWO),
    ("18 dec 14.00", AT_TWO),
    ("18 dec. 2026 om 14:00", AT_TWO),
    ("December 18, 2026 at 14:00", AT_TWO),
    ("18-12 14u", AT_TWO),
    ("vrijdag 18 december 2026 om 14:00", AT_TWO),  # as the bot itself writes a moment
    ("Friday 18 December 2026 at 14:00", AT_TWO),
    ("  18-12-2026   14:00 ", AT_TWO),
    ("1 jan 9:30", datetime(2027, 1, 1, 8, 30, tzinfo=UTC)),  # next year's: this one is past
    ("2 dec 10:00", datetime(2026, 12, 2, 9, 0, tzinfo=UTC)),  # today's, though its hour is past
    ("1 juli 2027 14:00", datetime(2027, 7, 1, 12, 0, tzinfo=UTC)),  # summer time
    ("nu", NOW),
    ("now", NOW),
    ("NU", NOW),
]


@pytest.mark.parametrize(("typed", "expected"), MOMENTS)
def test_a_moment_is_read_in_the_forms_people_type(typed: str, expected: datetime) -> None:
    assert parse_moment(typed, zone=AMSTERDAM, now=NOW, field="meeting_at") == expected


DAYS = [
    ("24-12-2026", date(2026, 12, 24)),
    ("24/12/2026", date(2026, 12, 24)),
    ("2026-12-24", date(2026, 12, 24)),
    ("24 december", date(2026, 12, 24)),
    ("24 dec", date(2026, 12, 24)),
    ("24 december 2026", date(2026, 12, 24)),
    ("24 December", date(2026, 12, 24)),
    ("December 24", date(2026, 12, 24)),
    ("24-12", date(2026, 12, 24)),
    ("3 mrt", date(2027, 3, 3)),
    ("3 maart", date(2027, 3, 3)),
    ("3 march", date(2027, 3, 3)),
    ("1 mei", date(2027, 5, 1)),
    ("1 may", date(2027, 5, 1)),
    ("1 okt", date(2027, 10, 1)),
    ("1 oct", date(2027, 10, 1)),
    ("2 december", TODAY),  # today is its own next occurrence
    ("1 december", date(2027, 12, 1)),
    ("29 feb", date(2028, 2, 29)),  # the next 29 February
    ("nu", TODAY),
    ("2026-12-24T23:30-05:00", date(2026, 12, 25)),  # with an offset: the day in Amsterdam
]


@pytest.mark.parametrize(("typed", "expected"), DAYS)
def test_a_day_is_read_in_the_forms_people_type(typed: str, expected: date) -> None:
    assert parse_day(typed, today=TODAY, zone=AMSTERDAM, field="until") == expected


NOT_MOMENTS = [
    "morgen",
    "2030-13-45T14:00",
    "31-02-2026 10:00",
    "18-12-2026 25:00",
    "14:00",
    "18 ma 14:00",  # `ma` is maart or mei
    "18 decembre 14:00",
    "maandag 18 december 2026 14:00",  # 18 December 2026 is a Friday
    "2026-12-18T14:00+25:00",
    "",
]


@pytest.mark.parametrize("typed", NOT_MOMENTS)
def test_what_is_no_moment_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(InbrengError) as refused:
        parse_moment(typed, zone=AMSTERDAM, now=NOW, field="closes_at")

    assert refused.value.key == "bad_moment"
    assert refused.value.field == "closes_at"
    assert refused.value.params == {"field_name": "closes_at", "value": typed.strip()}


@pytest.mark.parametrize("typed", ["18-12-2026", "18 december", "2026-12-18"])
def test_a_moment_needs_a_time(typed: str) -> None:
    with pytest.raises(InbrengError) as refused:
        parse_moment(typed, zone=AMSTERDAM, now=NOW, field="meeting_at")

    assert refused.value.key == "moment_needs_time"
    assert refused.value.params == {"field_name": "meeting_at", "value": typed}


@pytest.mark.parametrize("typed", ["morgen", "32-12-2026", "24 dez", "24-12-26", "x" * 100])
def test_what_is_no_day_is_refused(typed: str) -> None:
    with pytest.raises(InbrengError) as refused:
        parse_day(typed, today=TODAY, zone=AMSTERDAM, field="since")

    assert refused.value.key == "bad_day"
    assert refused.value.params == {"field_name": "since", "value": typed[:40]}
