"""Responses: editing keeps revisions, withdrawing, and what erasure does to them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain import (
    Attribution,
    Audience,
    MeetingData,
    MemberData,
    OrganisationData,
    PillarData,
    ResponseData,
    ResponseRevision,
    RoundData,
    RoundStatus,
    TopicData,
)
from bot.ports import UnitOfWorkFactory
from storage.errors import NotFoundError

GIVEN_AT = datetime(2025, 5, 13, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Scene:
    round_id: int
    organisation_id: int
    anna: int
    bert: int
    topics: tuple[int, int]


@pytest.fixture
def scene(uow_factory: UnitOfWorkFactory) -> Scene:
    with uow_factory() as uow:
        organisation = uow.organisations.add(OrganisationData(slug="zeist", name="Zeist"))
        anna, bert = (
            uow.members.add(MemberData(email=email, name=name, organisation_id=organisation.id))
            for email, name in (("anna@zeist.example", "Anna"), ("bert@zeist.example", "Bert"))
        )
        pillar = uow.pillars.add(PillarData(slug="financien", name="Financiën"))
        topics = tuple(
            uow.pillars.add_topic(pillar.id, TopicData(slug=slug, name=slug, description="")).id
            for slug in ("gemeentefonds", "onderwijshuisvesting")
        )
        meeting = uow.meetings.add(MeetingData(title="Pijleroverleg", starts_at=GIVEN_AT))
        round_ = uow.rounds.add(
            RoundData(
                meeting_id=meeting.id,
                pillar_ids=(pillar.id,),
                question="Welke vraagstukken?",
                audience=Audience.PILLAR,
                opens_at=GIVEN_AT - timedelta(days=1),
                closes_at=GIVEN_AT + timedelta(days=14),
            ),
            status=RoundStatus.OPEN,
        )
        uow.commit()
    return Scene(
        round_id=round_.id,
        organisation_id=organisation.id,
        anna=anna.id,
        bert=bert.id,
        topics=(topics[0], topics[1]),
    )


def response_data(
    scene: Scene, member_id: int, text: str = "Tekort op het sociaal domein."
) -> ResponseData:
    return ResponseData(
        round_id=scene.round_id,
        member_id=member_id,
        organisation_id=scene.organisation_id,
        topic_id=scene.topics[0],
        text=text,
        network_help="Samen lobbyen richting het Rijk.",
        attribution=Attribution.NAME,
    )


def test_responses_round_trip(uow_factory: UnitOfWorkFactory, scene: Scene) -> None:
    with uow_factory() as uow:
        given = uow.responses.add(response_data(scene, scene.anna), at=GIVEN_AT)
        other = uow.responses.add(
            replace(response_data(scene, scene.bert), topic_id=None), at=GIVEN_AT
        )
        uow.commit()

    assert given.created_at == GIVEN_AT
    assert (given.edited_at, given.withdrawn_at) == (None, None)
    assert other.topic_id is None
    with uow_factory() as uow:
        assert uow.responses.get(given.id) == given
        assert uow.responses.get(999) is None
        assert uow.responses.for_round(scene.round_id) == [given, other]
        assert uow.responses.for_member(scene.anna) == [given]
        assert uow.responses.revisions(given.id) == []


def test_update_keeps_the_replaced_version(uow_factory: UnitOfWorkFactory, scene: Scene) -> None:
    first_edit = GIVEN_AT + timedelta(hours=1)
    second_edit = GIVEN_AT + timedelta(hours=2)
    with uow_factory() as uow:
        given = uow.responses.add(response_data(scene, scene.anna), at=GIVEN_AT)
        uow.responses.update(
            given.id,
            replace(
                response_data(scene, scene.anna, "Tekort op de jeugdzorg."),
                topic_id=scene.topics[1],
                attribution=Attribution.ORGANISATION,
            ),
            at=first_edit,
        )
        uow.responses.update(
            given.id, response_data(scene, scene.anna, "Tekort op de Wmo."), at=second_edit
        )
        uow.commit()

    with uow_factory() as uow:
        edited = uow.responses.get(given.id)
        revisions = uow.responses.revisions(given.id)
    assert edited is not None
    assert edited.text == "Tekort op de Wmo."
    assert edited.topic_id == scene.topics[0]
    assert edited.attribution is Attribution.NAME
    assert edited.created_at == GIVEN_AT
    assert edited.edited_at == second_edit
    assert revisions == [
        ResponseRevision(
            response_id=given.id,
            topic_id=scene.topics[0],
            text="Tekort op het sociaal domein.",
            network_help="Samen lobbyen richting het Rijk.",
            attribution=Attribution.NAME,
            replaced_at=first_edit,
        ),
        ResponseRevision(
            response_id=given.id,
            topic_id=scene.topics[1],
            text="Tekort op de jeugdzorg.",
            network_help="Samen lobbyen richting het Rijk.",
            attribution=Attribution.ORGANISATION,
            replaced_at=second_edit,
        ),
    ]


def test_a_response_stays_with_its_round_and_member(
    uow_factory: UnitOfWorkFactory, scene: Scene
) -> None:
    with uow_factory() as uow:
        given = uow.responses.add(response_data(scene, scene.anna), at=GIVEN_AT)
        with pytest.raises(ValueError, match="cannot move"):
            uow.responses.update(given.id, response_data(scene, scene.bert), at=GIVEN_AT)
        with pytest.raises(NotFoundError):
            uow.responses.update(999, response_data(scene, scene.anna), at=GIVEN_AT)
        assert uow.responses.revisions(given.id) == []


def test_withdraw(uow_factory: UnitOfWorkFactory, scene: Scene) -> None:
    withdrawn_at = GIVEN_AT + timedelta(days=1)
    with uow_factory() as uow:
        kept = uow.responses.add(response_data(scene, scene.anna), at=GIVEN_AT)
        dropped = uow.responses.add(response_data(scene, scene.anna, "Iets anders."), at=GIVEN_AT)
        uow.responses.withdraw(dropped.id, at=withdrawn_at)
        uow.responses.withdraw(dropped.id, at=withdrawn_at + timedelta(hours=1))
        uow.commit()

    with uow_factory() as uow:
        assert [r.id for r in uow.responses.for_round(scene.round_id)] == [kept.id]
        assert [r.id for r in uow.responses.for_member(scene.anna)] == [kept.id]
        assert [r.id for r in uow.responses.for_round(scene.round_id, include_withdrawn=True)] == [
            kept.id,
            dropped.id,
        ]
        assert [r.id for r in uow.responses.for_member(scene.anna, include_withdrawn=True)] == [
            kept.id,
            dropped.id,
        ]
        withdrawn = uow.responses.get(dropped.id)
        assert withdrawn is not None
        assert withdrawn.withdrawn_at == withdrawn_at  # the first withdrawal counts


def give_and_edit(uow_factory: UnitOfWorkFactory, scene: Scene) -> tuple[int, int, int]:
    """Two edited responses by Anna and one by Bert."""
    with uow_factory() as uow:
        ids = [
            uow.responses.add(response_data(scene, member), at=GIVEN_AT).id
            for member in (scene.anna, scene.anna, scene.bert)
        ]
        for response_id, member in zip(ids, (scene.anna, scene.anna, scene.bert), strict=True):
            uow.responses.update(
                response_id,
                response_data(scene, member, "Bijgewerkt."),
                at=GIVEN_AT + timedelta(hours=1),
            )
        uow.commit()
    return ids[0], ids[1], ids[2]


def test_anonymise_for_member(uow_factory: UnitOfWorkFactory, scene: Scene) -> None:
    first, second, berts = give_and_edit(uow_factory, scene)
    with uow_factory() as uow:
        assert uow.responses.anonymise_for_member(scene.anna) == 2
        uow.commit()

    with uow_factory() as uow:
        assert uow.responses.for_member(scene.anna) == []
        for response_id in (first, second):
            anonymous = uow.responses.get(response_id)
            assert anonymous is not None
            assert anonymous.member_id is None
            assert anonymous.attribution is Attribution.ANONYMOUS
            assert anonymous.text == "Bijgewerkt."
            assert anonymous.organisation_id == scene.organisation_id
            assert uow.responses.revisions(response_id) == []
        assert len(uow.responses.for_round(scene.round_id)) == 3
        berts_response = uow.responses.get(berts)
        assert berts_response is not None
        assert berts_response.attribution is Attribution.NAME
        assert len(uow.responses.revisions(berts)) == 1


def test_delete_for_member(uow_factory: UnitOfWorkFactory, scene: Scene) -> None:
    first, second, berts = give_and_edit(uow_factory, scene)
    with uow_factory() as uow:
        assert uow.responses.delete_for_member(scene.anna) == 2
        assert uow.responses.delete_for_member(scene.anna) == 0
        uow.commit()

    with uow_factory() as uow:
        assert uow.responses.get(first) is None
        assert uow.responses.get(second) is None
        assert uow.responses.revisions(first) == []
        assert [r.id for r in uow.responses.for_round(scene.round_id)] == [berts]
        assert len(uow.responses.revisions(berts)) == 1
