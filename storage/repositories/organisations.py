"""Member organisations (municipalities)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import Organisation, OrganisationData
from storage.errors import DuplicateError
from storage.models import OrganisationRow
from storage.repositories._common import require


def to_organisation(row: OrganisationRow) -> Organisation:
    return Organisation(
        id=row.id,
        slug=row.slug,
        name=row.name,
        code=row.code,
        province=row.province,
        teams_tenant=row.teams_tenant,
        active=row.active,
    )


class SqlOrganisationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, organisation_id: int) -> Organisation | None:
        row = self._session.get(OrganisationRow, organisation_id)
        return None if row is None else to_organisation(row)

    def by_slug(self, slug: str) -> Organisation | None:
        row = self._row_by_slug(slug)
        return None if row is None else to_organisation(row)

    def add(self, data: OrganisationData) -> Organisation:
        self._check_slug_free(data.slug, organisation_id=None)
        row = OrganisationRow(
            slug=data.slug,
            name=data.name,
            code=data.code,
            province=data.province,
            teams_tenant=data.teams_tenant,
            active=True,
        )
        self._session.add(row)
        self._session.flush()
        return to_organisation(row)

    def update(self, organisation_id: int, data: OrganisationData) -> None:
        row = require(self._session, OrganisationRow, organisation_id)
        self._check_slug_free(data.slug, organisation_id=organisation_id)
        row.slug = data.slug
        row.name = data.name
        row.code = data.code
        row.province = data.province
        row.teams_tenant = data.teams_tenant
        self._session.flush()

    def set_active(self, organisation_id: int, active: bool) -> None:
        require(self._session, OrganisationRow, organisation_id).active = active
        self._session.flush()

    def _row_by_slug(self, slug: str) -> OrganisationRow | None:
        return self._session.scalar(select(OrganisationRow).where(OrganisationRow.slug == slug))

    def _check_slug_free(self, slug: str, *, organisation_id: int | None) -> None:
        existing = self._row_by_slug(slug)
        if existing is not None and existing.id != organisation_id:
            raise DuplicateError(f"an organisation with slug {slug!r} already exists")

    def list(self, *, include_inactive: bool = False) -> list[Organisation]:
        """In the order they were added."""
        query = select(OrganisationRow).order_by(OrganisationRow.id)
        if not include_inactive:
            query = query.where(OrganisationRow.active)
        return [to_organisation(row) for row in self._session.scalars(query)]
