"""The network, organisations, members and identities, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from bot.domain import (
    Identity,
    MemberData,
    NetworkInfo,
    OrganisationData,
    Platform,
    Role,
)
from bot.ports import UnitOfWorkFactory
from storage.errors import DuplicateError, NotFoundError
from storage.models import IdentityRow, MemberRow
from storage.unit_of_work import SqlUnitOfWork

ERASED_AT = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)


def add_organisation(uow_factory: UnitOfWorkFactory, slug: str = "zeist") -> int:
    with uow_factory() as uow:
        organisation = uow.organisations.add(OrganisationData(slug=slug, name=slug.title()))
        uow.commit()
    return organisation.id


def member_data(organisation_id: int, email: str = "A.Jansen@Zeist.example") -> MemberData:
    return MemberData(
        email=email,
        name="Anna Jansen",
        organisation_id=organisation_id,
        roles=frozenset({Role.MEMBER, Role.LEAD}),
        lead_of=frozenset({"financien"}),
        pillars=frozenset({"financien", "samenleving"}),
        language="en",
    )


def test_network_is_saved_and_replaced(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        assert uow.network.get() is None
        uow.network.save(NetworkInfo(name="PMG", language="nl", timezone="Europe/Amsterdam"))
        uow.network.save(
            NetworkInfo(name="Platform Middelgrote Gemeenten", language="nl", timezone="UTC")
        )
        uow.commit()

    with uow_factory() as uow:
        assert uow.network.get() == NetworkInfo(
            name="Platform Middelgrote Gemeenten", language="nl", timezone="UTC"
        )


def test_organisations_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        zeist = uow.organisations.add(
            OrganisationData(slug="zeist", name="Zeist", code="GM0355", province="Utrecht")
        )
        ede = uow.organisations.add(OrganisationData(slug="ede", name="Ede"))
        uow.commit()

    with uow_factory() as uow:
        assert uow.organisations.get(zeist.id) == zeist
        assert zeist.code == "GM0355"
        assert zeist.active
        assert uow.organisations.by_slug("ede") == ede
        assert uow.organisations.by_slug("nowhere") is None
        assert uow.organisations.get(999) is None

        uow.organisations.update(zeist.id, OrganisationData(slug="zeist", name="Gemeente Zeist"))
        uow.organisations.set_active(ede.id, False)
        uow.commit()

    with uow_factory() as uow:
        changed = uow.organisations.get(zeist.id)
        assert changed is not None
        assert (changed.name, changed.code, changed.province) == ("Gemeente Zeist", None, None)
        assert [o.slug for o in uow.organisations.list()] == ["zeist"]
        assert [o.slug for o in uow.organisations.list(include_inactive=True)] == ["zeist", "ede"]


def test_duplicate_organisation_slug_is_refused(uow_factory: UnitOfWorkFactory) -> None:
    add_organisation(uow_factory, "zeist")
    ede_id = add_organisation(uow_factory, "ede")

    with uow_factory() as uow:
        with pytest.raises(DuplicateError, match="zeist"):
            uow.organisations.add(OrganisationData(slug="zeist", name="Zeist again"))
        with pytest.raises(DuplicateError):
            uow.organisations.update(ede_id, OrganisationData(slug="zeist", name="Ede"))
        # The refusals left the transaction usable.
        uow.organisations.add(OrganisationData(slug="houten", name="Houten"))
        uow.commit()


def test_members_round_trip(uow_factory: UnitOfWorkFactory) -> None:
    organisation_id = add_organisation(uow_factory)
    with uow_factory() as uow:
        member = uow.members.add(member_data(organisation_id))
        uow.commit()

    assert member.email == "a.jansen@zeist.example"
    assert member.roles == frozenset({Role.MEMBER, Role.LEAD})
    assert all(isinstance(role, Role) for role in member.roles)
    with uow_factory() as uow:
        stored = uow.members.get(member.id)
    assert stored == member
    assert stored.lead_of == frozenset({"financien"})
    assert stored.pillars == frozenset({"financien", "samenleving"})
    assert stored.language == "en"
    assert stored.active
    assert stored.out_of_office_until is None


def test_member_changes(uow_factory: UnitOfWorkFactory) -> None:
    organisation_id = add_organisation(uow_factory)
    other_organisation_id = add_organisation(uow_factory, "ede")
    with uow_factory() as uow:
        member = uow.members.add(member_data(organisation_id))
        uow.members.update(
            member.id,
            MemberData(
                email="anna@ede.example",
                name="Anna Jansen-de Vries",
                organisation_id=other_organisation_id,
                roles=frozenset({Role.SECRETARIAT}),
            ),
        )
        uow.members.set_language(member.id, "nl")
        uow.members.set_out_of_office(member.id, date(2025, 8, 15))
        uow.commit()

    with uow_factory() as uow:
        changed = uow.members.get(member.id)
        assert changed is not None
        assert changed.email == "anna@ede.example"
        assert changed.organisation_id == other_organisation_id
        assert changed.roles == frozenset({Role.SECRETARIAT})
        assert changed.lead_of == frozenset()
        assert changed.pillars == frozenset()
        assert changed.language == "nl"
        assert changed.out_of_office_until == date(2025, 8, 15)

        uow.members.set_out_of_office(member.id, None)
        uow.members.set_active(member.id, False)
        uow.commit()

    with uow_factory() as uow:
        assert uow.members.list() == []
        [inactive] = uow.members.list(include_inactive=True)
        assert not inactive.active
        assert inactive.out_of_office_until is None


def test_email_lookup_ignores_case_and_finds_inactive_members(
    uow_factory: UnitOfWorkFactory,
) -> None:
    organisation_id = add_organisation(uow_factory)
    with uow_factory() as uow:
        member = uow.members.add(member_data(organisation_id))
        uow.members.set_active(member.id, False)
        uow.commit()

    with uow_factory() as uow:
        found = uow.members.by_email("A.JANSEN@zeist.EXAMPLE")
        assert found is not None
        assert found.id == member.id
        assert uow.members.by_email(" a.jansen@zeist.example ") is not None
        assert uow.members.by_email("someone@zeist.example") is None


def test_email_is_unique_whatever_its_case(uow_factory: UnitOfWorkFactory) -> None:
    organisation_id = add_organisation(uow_factory)
    with uow_factory() as uow:
        uow.members.add(member_data(organisation_id, "a.jansen@zeist.example"))
        other = uow.members.add(member_data(organisation_id, "b.bakker@zeist.example"))
        with pytest.raises(DuplicateError):
            uow.members.add(member_data(organisation_id, "A.Jansen@ZEIST.example"))
        with pytest.raises(DuplicateError):
            uow.members.update(other.id, member_data(organisation_id, "A.JANSEN@zeist.example"))
        # Re-saving a member with its own address is no conflict.
        uow.members.update(other.id, member_data(organisation_id, "B.Bakker@zeist.example"))
        uow.commit()


def test_changing_a_missing_member_is_a_lookup_error(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        with pytest.raises(NotFoundError, match="members 404"):
            uow.members.set_active(404, False)
        with pytest.raises(LookupError):
            uow.members.erase(404, at=ERASED_AT)


def test_erase_scrubs_the_member_and_keeps_the_row(uow_factory: UnitOfWorkFactory) -> None:
    organisation_id = add_organisation(uow_factory)
    with uow_factory() as uow:
        member = uow.members.add(member_data(organisation_id))
        uow.members.set_out_of_office(member.id, date(2025, 8, 15))
        uow.members.erase(member.id, at=ERASED_AT)
        uow.commit()

    with uow_factory() as uow:
        erased = uow.members.get(member.id)
        assert erased is not None
        assert erased.name == ""
        assert erased.email == f"erased-{member.id}@erased.invalid"
        assert not erased.active
        assert erased.out_of_office_until is None
        assert uow.members.by_email("a.jansen@zeist.example") is None
        assert isinstance(uow, SqlUnitOfWork)
        assert uow.session.get_one(MemberRow, member.id).erased_at == ERASED_AT


def test_identities_are_upserted_by_platform_tenant_and_user(
    uow_factory: UnitOfWorkFactory,
) -> None:
    organisation_id = add_organisation(uow_factory)
    with uow_factory() as uow:
        anna = uow.members.add(member_data(organisation_id, "anna@zeist.example"))
        bert = uow.members.add(member_data(organisation_id, "bert@zeist.example"))
        uow.identities.save(
            Identity(member_id=anna.id, platform=Platform.SLACK, tenant="T1", user_id="U1")
        )
        uow.identities.save(
            Identity(
                member_id=anna.id,
                platform=Platform.TEAMS,
                tenant="tenant-1",
                user_id="29:1abc",
                address='{"conversation": {"id": "a:1"}}',
            )
        )
        uow.commit()

    with uow_factory() as uow:
        # Same platform, tenant and user id: replaced, not added.
        uow.identities.save(
            Identity(
                member_id=bert.id,
                platform=Platform.SLACK,
                tenant="T1",
                user_id="U1",
                address="D0123",
            )
        )
        uow.commit()

    with uow_factory() as uow:
        assert uow.identities.find(Platform.SLACK, "T1", "U1") == Identity(
            member_id=bert.id, platform=Platform.SLACK, tenant="T1", user_id="U1", address="D0123"
        )
        assert uow.identities.find(Platform.SLACK, "T2", "U1") is None
        [teams] = uow.identities.for_member(anna.id)
        assert teams.platform is Platform.TEAMS
        assert teams.address == '{"conversation": {"id": "a:1"}}'
        assert len(uow.identities.for_member(bert.id)) == 1

        assert uow.identities.delete_for_member(anna.id) == 1
        uow.commit()

    with uow_factory() as uow:
        assert uow.identities.for_member(anna.id) == []
        assert uow.identities.find(Platform.SLACK, "T1", "U1") is not None


def test_the_database_refuses_a_duplicate_identity(uow_factory: UnitOfWorkFactory) -> None:
    organisation_id = add_organisation(uow_factory)
    with uow_factory() as uow:
        member = uow.members.add(member_data(organisation_id))
        uow.commit()

    with uow_factory() as uow:
        assert isinstance(uow, SqlUnitOfWork)
        for _ in range(2):
            uow.session.add(
                IdentityRow(member_id=member.id, platform="slack", tenant="T1", user_id="U1")
            )
        with pytest.raises(IntegrityError):
            uow.session.flush()
