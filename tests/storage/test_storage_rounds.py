"""Pillars with topics and channels, meetings, rounds and declines, on both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import (
    Audience,
    MeetingData,
    MemberData,
    OrganisationData,
    PillarData,
    Platform,
    RoundData,
    RoundStatus,
    TopicData,
)
from bot.ports import UnitOfWorkFactory
from bot.round_lifecycle import ROUND_LIFECYCLE, RoundEvent
from storage.errors import DuplicateError, NotFoundError

MEETING_AT = datetime(2025, 6, 12, 13, 30, tzinfo=UTC)
OPENS_AT = datetime(2025, 5, 12, 7, 0, tzinfo=UTC)
CLOSES_AT = datetime(2025, 6, 5, 15, 0, tzinfo=UTC)


def topic(slug: str) -> TopicData:
    return TopicData(slug=slug, name=slug.title(), description=f"Alles over {slug}.")


def test_pillars_with_topics_and_channels(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        financien = uow.pillars.add(PillarData(slug="financien", name="Financiën"))
        samenleving = uow.pillars.add(PillarData(slug="samenleving", name="Samenleving"))
        housing = uow.pillars.add_topic(financien.id, topic("onderwijshuisvesting"))
        funds = uow.pillars.add_topic(financien.id, topic("gemeentefonds"))
        retired = uow.pillars.add_topic(financien.id, topic("precariobelasting"))
        uow.pillars.set_topic_active(retired.id, False)
        uow.pillars.set_channel(financien.id, Platform.SLACK, "C0123ABC")
        uow.pillars.set_channel(financien.id, Platform.TEAMS, "19:abc@thread.tacv2")
        uow.commit()

    assert financien.topics == ()
    assert financien.channels == {}
    with uow_factory() as uow:
        stored = uow.pillars.get(financien.id)
        assert stored is not None
        assert stored.name == "Financiën"
        assert stored.topics == (housing, funds)  # active ones, by id
        assert stored.topic("gemeentefonds") == funds
        assert stored.channels == {"slack": "C0123ABC", "teams": "19:abc@thread.tacv2"}
        assert uow.pillars.by_slug("samenleving") == samenleving
        assert uow.pillars.by_slug("onbekend") is None
        assert [p.slug for p in uow.pillars.list()] == ["financien", "samenleving"]
        assert uow.pillars.list()[0] == stored
        assert [t.slug for t in uow.pillars.all_topics(financien.id)] == [
            "onderwijshuisvesting",
            "gemeentefonds",
            "precariobelasting",
        ]
        assert uow.pillars.get_topic(retired.id) == replace(retired, active=False)
        assert uow.pillars.get_topic(999) is None


def test_pillar_and_topic_changes(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        pillar = uow.pillars.add(PillarData(slug="bestuur", name="Bestuur"))
        first = uow.pillars.add_topic(pillar.id, topic("ondermijning"))
        uow.pillars.set_channel(pillar.id, Platform.SLACK, "C1")
        uow.commit()

    with uow_factory() as uow:
        uow.pillars.update(pillar.id, PillarData(slug="bestuur", name="Bestuur en organisatie"))
        uow.pillars.update_topic(first.id, topic("weerbaarheid"))
        uow.pillars.set_channel(pillar.id, Platform.SLACK, "C2")
        uow.pillars.set_channel(pillar.id, Platform.TEAMS, None)  # removing nothing is fine
        uow.commit()

    with uow_factory() as uow:
        changed = uow.pillars.get(pillar.id)
        assert changed is not None
        assert changed.name == "Bestuur en organisatie"
        assert [t.slug for t in changed.topics] == ["weerbaarheid"]
        assert changed.channels == {"slack": "C2"}
        uow.pillars.set_channel(pillar.id, Platform.SLACK, None)
        uow.pillars.set_topic_active(first.id, False)
        uow.commit()

    with uow_factory() as uow:
        emptied = uow.pillars.get(pillar.id)
        assert emptied is not None
        assert (emptied.topics, emptied.channels) == ((), {})


def test_slugs_are_unique(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        financien = uow.pillars.add(PillarData(slug="financien", name="Financiën"))
        bestuur = uow.pillars.add(PillarData(slug="bestuur", name="Bestuur"))
        uow.pillars.add_topic(financien.id, topic("gemeentefonds"))
        second = uow.pillars.add_topic(financien.id, topic("belastingen"))
        # A topic slug is unique within its pillar only.
        uow.pillars.add_topic(bestuur.id, topic("gemeentefonds"))

        with pytest.raises(DuplicateError):
            uow.pillars.add(PillarData(slug="financien", name="Geld"))
        with pytest.raises(DuplicateError):
            uow.pillars.update(bestuur.id, PillarData(slug="financien", name="Bestuur"))
        with pytest.raises(DuplicateError):
            uow.pillars.add_topic(financien.id, topic("gemeentefonds"))
        with pytest.raises(DuplicateError):
            uow.pillars.update_topic(second.id, topic("gemeentefonds"))
        with pytest.raises(NotFoundError):
            uow.pillars.add_topic(999, topic("nergens"))
        uow.commit()


def add_meeting(uow_factory: UnitOfWorkFactory) -> tuple[int, list[int]]:
    with uow_factory() as uow:
        pillars = [
            uow.pillars.add(PillarData(slug=slug, name=slug.title())).id
            for slug in ("financien", "samenleving", "bestuur")
        ]
        meeting = uow.meetings.add(
            MeetingData(
                title="Pijleroverleg Financiën",
                starts_at=MEETING_AT,
                pillar_id=pillars[0],
                place="Utrecht",
            )
        )
        uow.commit()
    return meeting.id, pillars


def round_data(meeting_id: int, pillar_ids: tuple[int, ...]) -> RoundData:
    return RoundData(
        meeting_id=meeting_id,
        pillar_ids=pillar_ids,
        question="Welke vraagstukken spelen in uw gemeente?",
        audience=Audience.PILLAR,
        opens_at=OPENS_AT,
        closes_at=CLOSES_AT,
        reminders=(timedelta(days=7), timedelta(days=2), timedelta(hours=1, seconds=0.5)),
        remind_per_organisation=True,
        post_summary_directly=False,
    )


def test_meetings_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        members_meeting = uow.meetings.add(
            MeetingData(title="Ledenvergadering", starts_at=MEETING_AT)
        )
        uow.commit()
    with uow_factory() as uow:
        assert uow.meetings.get(members_meeting.id) == members_meeting
        assert members_meeting.pillar_id is None
        assert uow.meetings.get(999) is None


def test_rounds_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    meeting_id, pillars = add_meeting(uow_factory)
    with uow_factory() as uow:
        added = uow.rounds.add(
            round_data(meeting_id, (pillars[2], pillars[0], pillars[2])),
            status=RoundStatus.SCHEDULED,
        )
        uow.commit()

    with uow_factory() as uow:
        stored = uow.rounds.get(added.id)
    assert stored == added
    assert stored.pillar_ids == (pillars[0], pillars[2])  # sorted, without repeats
    assert stored.meeting.title == "Pijleroverleg Financiën"
    assert stored.meeting.starts_at == MEETING_AT
    assert stored.status is RoundStatus.SCHEDULED
    assert stored.audience is Audience.PILLAR
    assert stored.reminders == (
        timedelta(days=7),
        timedelta(days=2),
        timedelta(hours=1, seconds=0.5),
    )
    assert stored.remind_per_organisation
    assert not stored.post_summary_directly
    assert stored.created_by is None


def test_rounds_by_status(uow_factory: UnitOfWorkFactory) -> None:
    meeting_id, pillars = add_meeting(uow_factory)
    with uow_factory() as uow:
        ids = [
            uow.rounds.add(round_data(meeting_id, (pillars[0],)), status=status).id
            for status in (RoundStatus.DRAFT, RoundStatus.SCHEDULED, RoundStatus.OPEN)
        ]
        uow.rounds.set_status(ids[1], ROUND_LIFECYCLE.next(RoundStatus.SCHEDULED, RoundEvent.OPEN))
        uow.commit()

    with uow_factory() as uow:
        assert [r.id for r in uow.rounds.list()] == ids
        assert [r.id for r in uow.rounds.list(statuses={RoundStatus.OPEN})] == ids[1:]
        assert [
            r.id for r in uow.rounds.list(statuses=[RoundStatus.DRAFT, RoundStatus.CLOSED])
        ] == ids[:1]
        assert uow.rounds.list(statuses=[]) == []
        assert uow.rounds.get(999) is None
        with pytest.raises(NotFoundError):
            uow.rounds.set_status(999, ROUND_LIFECYCLE.next(RoundStatus.DRAFT, RoundEvent.SCHEDULE))
        with pytest.raises(NotFoundError):
            uow.rounds.add(round_data(999, (pillars[0],)), status=RoundStatus.DRAFT)


def test_round_remembers_who_created_it(uow_factory: UnitOfWorkFactory) -> None:
    meeting_id, pillars = add_meeting(uow_factory)
    with uow_factory() as uow:
        organisation = uow.organisations.add(OrganisationData(slug="pmg", name="PMG"))
        secretary = uow.members.add(
            MemberData(email="secretariaat@pmg.example", name="S", organisation_id=organisation.id)
        )
        data = replace(round_data(meeting_id, (pillars[0],)), created_by=secretary.id)
        added = uow.rounds.add(data, status=RoundStatus.DRAFT)
        uow.commit()
    with uow_factory() as uow:
        stored = uow.rounds.get(added.id)
        assert stored is not None
        assert stored.created_by == secretary.id


def test_declines_are_kept_once_per_member(uow_factory: UnitOfWorkFactory) -> None:
    meeting_id, pillars = add_meeting(uow_factory)
    with uow_factory() as uow:
        organisation = uow.organisations.add(OrganisationData(slug="zeist", name="Zeist"))
        anna, bert = (
            uow.members.add(MemberData(email=email, name=email, organisation_id=organisation.id)).id
            for email in ("anna@zeist.example", "bert@zeist.example")
        )
        first = uow.rounds.add(round_data(meeting_id, (pillars[0],)), status=RoundStatus.OPEN)
        second = uow.rounds.add(round_data(meeting_id, (pillars[1],)), status=RoundStatus.OPEN)
        uow.rounds.add_decline(first.id, anna, at=OPENS_AT)
        uow.rounds.add_decline(first.id, bert, at=OPENS_AT)
        uow.rounds.add_decline(second.id, anna, at=OPENS_AT)
        uow.commit()

    with uow_factory() as uow:
        # Declining again (a second click, a retried request) is ignored, not an error.
        uow.rounds.add_decline(first.id, anna, at=CLOSES_AT)
        uow.commit()

    with uow_factory() as uow:
        assert uow.rounds.declined_member_ids(first.id) == {anna, bert}
        uow.rounds.remove_decline(first.id, bert)
        uow.rounds.remove_decline(first.id, bert)  # nothing left to remove: fine
        uow.commit()

    with uow_factory() as uow:
        assert uow.rounds.declined_member_ids(first.id) == {anna}
        assert uow.rounds.delete_declines_of(anna) == 2
        uow.commit()

    with uow_factory() as uow:
        assert uow.rounds.declined_member_ids(first.id) == set()
        assert uow.rounds.declined_member_ids(second.id) == set()
