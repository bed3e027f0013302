"""The unit of work, the database set-up and the datetime column, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from bot.domain import MeetingData, OrganisationData
from bot.ports import UnitOfWork, UnitOfWorkFactory
from storage.database import Database, normalise_url
from storage.models import MeetingRow
from storage.unit_of_work import SqlUnitOfWork


def test_nothing_is_stored_without_commit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.organisations.add(OrganisationData(slug="zeist", name="Zeist"))
    with uow_factory() as uow:
        assert uow.organisations.list() == []


def test_an_exception_rolls_back(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError, match="boom"), uow_factory() as uow:
        uow.organisations.add(OrganisationData(slug="zeist", name="Zeist"))
        raise RuntimeError("boom")
    with uow_factory() as uow:
        assert uow.organisations.by_slug("zeist") is None


def test_explicit_rollback_and_work_after_commit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        uow.organisations.add(OrganisationData(slug="zeist", name="Zeist"))
        uow.commit()
        uow.organisations.add(OrganisationData(slug="ede", name="Ede"))
        uow.rollback()
        uow.organisations.add(OrganisationData(slug="houten", name="Houten"))
        # Left without a second commit: Houten goes.
    with uow_factory() as uow:
        assert [o.slug for o in uow.organisations.list()] == ["zeist"]


def test_ids_exist_before_commit(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        first = uow.organisations.add(OrganisationData(slug="zeist", name="Zeist"))
        second = uow.organisations.add(OrganisationData(slug="ede", name="Ede"))
        assert first.id > 0
        assert second.id > first.id


def test_a_unit_of_work_is_used_in_a_with_block(uow_factory: UnitOfWorkFactory) -> None:
    uow = uow_factory()
    with pytest.raises(RuntimeError, match="with"):
        uow.commit()
    with uow, pytest.raises(RuntimeError, match="already in use"), uow:
        pass
    with uow:  # reusable after the block
        assert uow.organisations.list() == []


def test_foreign_keys_are_enforced(uow_factory: UnitOfWorkFactory) -> None:
    # SQLite only checks them with the pragma that `Database` turns on.
    meeting = MeetingData(title="x", starts_at=datetime(2025, 1, 1, tzinfo=UTC), pillar_id=404)
    with uow_factory() as uow, pytest.raises(IntegrityError):
        uow.meetings.add(meeting)


def test_datetimes_come_back_aware_utc(uow_factory: UnitOfWorkFactory) -> None:
    amsterdam = datetime(2025, 3, 30, 3, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))  # after DST
    india = datetime(2025, 1, 1, 5, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    with uow_factory() as uow:
        first = uow.meetings.add(MeetingData(title="a", starts_at=amsterdam))
        second = uow.meetings.add(MeetingData(title="b", starts_at=india))
        uow.commit()

    with uow_factory() as uow:
        stored = [uow.meetings.get(first.id), uow.meetings.get(second.id)]
        assert isinstance(uow, SqlUnitOfWork)
        raw = uow.session.execute(text("SELECT starts_at FROM meetings ORDER BY id")).scalars()
        raw_values = list(raw)
    assert [m.starts_at for m in stored if m] == [amsterdam, india]
    assert [m.starts_at.tzinfo for m in stored if m] == [UTC, UTC]
    assert stored[0] is not None
    assert stored[0].starts_at.hour == 1  # 03:30 CEST is 01:30 UTC
    # What is on disk is naive UTC, the same on both databases.
    assert [str(value)[:19] for value in raw_values] == [
        "2025-03-30 01:30:00",
        "2025-01-01 00:00:00",
    ]


def test_naive_datetimes_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    naive = datetime(2025, 6, 1, 12, 0)
    with uow_factory() as uow:
        with pytest.raises(StatementError, match="naive datetime") as refused:
            uow.meetings.add(MeetingData(title="x", starts_at=naive))
        assert isinstance(refused.value.orig, ValueError)
    with uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        query = select(MeetingRow).where(MeetingRow.starts_at < naive)
        with pytest.raises(StatementError, match="naive datetime"):
            uow.session.scalars(query).all()


def test_the_database_is_the_unit_of_work_factory(database_url: str) -> None:
    database = Database(database_url)
    try:
        factory: UnitOfWorkFactory = database.unit_of_work
        with factory() as uow:
            checked: UnitOfWork = uow
            assert checked.organisations.list() == []
    finally:
        database.dispose()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://inbreng@db:5432/inbreng", "postgresql+psycopg://inbreng@db:5432/inbreng"),
        ("postgres://u:p%40ss@db/inbreng", "postgresql+psycopg://u:p%40ss@db/inbreng"),
        ("postgresql+psycopg://u@db/inbreng", "postgresql+psycopg://u@db/inbreng"),
        ("sqlite:///./inbreng.db", "sqlite:///./inbreng.db"),
    ],
)
def test_normalise_url_picks_psycopg(url: str, expected: str) -> None:
    assert normalise_url(url).render_as_string(hide_password=False) == expected
