"""Deliveries, summaries and the audit log, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain import (
    Audience,
    AuditEntry,
    Channel,
    DeliveryData,
    DeliveryKind,
    DeliveryStatus,
    MeetingData,
    MemberData,
    OrganisationData,
    Platform,
    RoundData,
    RoundStatus,
    SummaryStatus,
)
from bot.ports import UnitOfWorkFactory
from storage.database import Database
from storage.models import DeliveryRow
from storage.unit_of_work import SqlUnitOfWork

NOW = datetime(2025, 5, 12, 7, 0, tzinfo=UTC)


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


def add_round_and_members(uow_factory: UnitOfWorkFactory) -> tuple[int, int, int]:
    with uow_factory() as uow:
        organisation = uow.organisations.add(OrganisationData(slug="zeist", name="Zeist"))
        anna, bert = (
            uow.members.add(MemberData(email=email, name=email, organisation_id=organisation.id)).id
            for email in ("anna@zeist.example", "bert@zeist.example")
        )
        meeting = uow.meetings.add(MeetingData(title="Ledenvergadering", starts_at=NOW))
        round_ = uow.rounds.add(
            RoundData(
                meeting_id=meeting.id,
                pillar_ids=(),
                question="Welke vraagstukken?",
                audience=Audience.ALL,
                opens_at=NOW,
                closes_at=NOW + timedelta(days=14),
            ),
            status=RoundStatus.OPEN,
        )
        uow.commit()
    return round_.id, anna, bert


def test_deliveries_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    round_id, anna, bert = add_round_and_members(uow_factory)
    with uow_factory() as uow:
        reminder = uow.deliveries.add(
            DeliveryData(
                kind=DeliveryKind.REMINDER,
                due_at=NOW + timedelta(days=7),
                round_id=round_id,
                member_id=anna,
            )
        )
        invitation = uow.deliveries.add(
            DeliveryData(
                kind=DeliveryKind.INVITATION, due_at=NOW, round_id=round_id, member_id=bert
            )
        )
        summary = uow.deliveries.add(
            DeliveryData(
                kind=DeliveryKind.SUMMARY,
                due_at=NOW + timedelta(days=15),
                round_id=round_id,
                channel=Channel(Platform.SLACK, "C0123ABC"),
            )
        )
        uow.deliveries.add(DeliveryData(kind=DeliveryKind.CONFIRMATION, due_at=NOW, member_id=anna))
        uow.deliveries.set_status(invitation.id, DeliveryStatus.SENT)
        uow.commit()

    assert reminder.status is DeliveryStatus.PENDING
    assert (reminder.attempts, reminder.last_error, reminder.platform_message_id) == (0, None, None)
    with uow_factory() as uow:
        stored = uow.deliveries.for_round(round_id)
    assert [d.id for d in stored] == [invitation.id, reminder.id, summary.id]  # by due time
    assert stored[0].status is DeliveryStatus.SENT
    assert stored[0].kind is DeliveryKind.INVITATION
    assert stored[1] == reminder
    assert stored[2].channel == Channel(Platform.SLACK, "C0123ABC")
    assert stored[2].member_id is None


def test_delete_deliveries_for_member(uow_factory: UnitOfWorkFactory) -> None:
    round_id, anna, bert = add_round_and_members(uow_factory)
    with uow_factory() as uow:
        for member in (anna, anna, bert):
            uow.deliveries.add(
                DeliveryData(
                    kind=DeliveryKind.INVITATION, due_at=NOW, round_id=round_id, member_id=member
                )
            )
        assert uow.deliveries.delete_for_member(anna) == 2
        uow.commit()
    with uow_factory() as uow:
        assert [d.member_id for d in uow.deliveries.for_round(round_id)] == [bert]


def test_a_delivery_needs_a_recipient(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow, pytest.raises(ValueError, match="member or a channel"):
        uow.deliveries.add(DeliveryData(kind=DeliveryKind.SUMMARY, due_at=NOW))
    with uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        uow.session.add(DeliveryRow(kind="summary", status="pending", due_at=NOW, attempts=0))
        with pytest.raises(IntegrityError):  # the database's check, behind the repository's
            uow.session.flush()


def test_summaries_latest_first(uow_factory: UnitOfWorkFactory) -> None:
    round_id, _, _ = add_round_and_members(uow_factory)
    body: dict[str, object] = {
        "themes": [{"title": "Tekorten", "topic": "gemeentefonds", "count": 3}]
    }
    with uow_factory() as uow:
        assert uow.summaries.latest_for_round(round_id) is None
        draft = uow.summaries.add(round_id, status=SummaryStatus.DRAFT, body={}, at=NOW)
        approved = uow.summaries.add(
            round_id, status=SummaryStatus.APPROVED, body=body, at=NOW + timedelta(hours=1)
        )
        uow.commit()

    assert draft.body == {}
    with uow_factory() as uow:
        latest = uow.summaries.latest_for_round(round_id)
    assert latest == approved
    assert latest.status is SummaryStatus.APPROVED
    assert latest.body == body
    assert latest.created_at == NOW + timedelta(hours=1)


@pytest.fixture
def clocked_uow_factory(database_url: str) -> Iterator[UnitOfWorkFactory]:
    database = Database(database_url, clock=FixedClock(NOW))
    try:
        yield database.unit_of_work
    finally:
        database.dispose()


def test_audit_log(clocked_uow_factory: UnitOfWorkFactory) -> None:
    earlier = NOW - timedelta(days=1)
    with clocked_uow_factory() as uow:
        uow.audit.record(
            AuditEntry(
                action="round.created",
                subject_type="round",
                subject_id=7,
                details={"pillars": [1, 2], "reminders": "7d,2d"},
            )
        )
        uow.audit.record(
            AuditEntry(action="network.loaded", subject_type="network", subject_id=None, at=earlier)
        )
        uow.audit.record(AuditEntry(action="round.opened", subject_type="round", subject_id=8))
        uow.commit()

    with clocked_uow_factory() as uow:
        everything = uow.audit.list()
        rounds = uow.audit.list(subject_type="round")
        round_seven = uow.audit.list(subject_type="round", subject_id=7)
    assert [e.action for e in everything] == ["network.loaded", "round.created", "round.opened"]
    assert everything[0].at == earlier
    assert everything[1].at == NOW  # filled in from the clock
    assert [e.subject_id for e in rounds] == [7, 8]
    assert round_seven == [
        AuditEntry(
            action="round.created",
            subject_type="round",
            subject_id=7,
            actor_member_id=None,
            details={"pillars": [1, 2], "reminders": "7d,2d"},
            at=NOW,
        )
    ]


def test_audit_actor_is_kept_after_erasure(uow_factory: UnitOfWorkFactory) -> None:
    _, anna, _ = add_round_and_members(uow_factory)
    with uow_factory() as uow:
        uow.audit.record(
            AuditEntry(
                action="member.erased", subject_type="member", subject_id=anna, actor_member_id=anna
            )
        )
        uow.members.erase(anna, at=NOW)
        uow.commit()
    with uow_factory() as uow:
        [entry] = uow.audit.list(subject_type="member", subject_id=anna)
    assert entry.actor_member_id == anna
    assert entry.at is not None
    assert entry.at.tzinfo is UTC
