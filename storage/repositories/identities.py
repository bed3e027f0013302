"""How to reach a member on each platform."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain import Identity, Platform
from storage.models import IdentityRow
from storage.repositories._common import affected


def to_identity(row: IdentityRow) -> Identity:
    return Identity(
        member_id=row.member_id,
        platform=Platform(row.platform),
        tenant=row.tenant,
        user_id=row.user_id,
        address=row.address,
        enterprise=row.enterprise,
    )


class SqlIdentityRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def find(self, platform: Platform, tenant: str, user_id: str) -> Identity | None:
        row = self._row(platform, tenant, user_id)
        return None if row is None else to_identity(row)

    def for_member(self, member_id: int) -> list[Identity]:
        query = (
            select(IdentityRow)
            .where(IdentityRow.member_id == member_id)
            .order_by(IdentityRow.platform, IdentityRow.tenant, IdentityRow.user_id)
        )
        return [to_identity(row) for row in self._session.scalars(query)]

    def save(self, identity: Identity) -> None:
        """Add, or replace the one with the same platform, tenant and user id."""
        row = self._row(identity.platform, identity.tenant, identity.user_id)
        if row is None:
            row = IdentityRow(
                platform=Platform(identity.platform).value,
                tenant=identity.tenant,
                user_id=identity.user_id,
            )
            self._session.add(row)
        row.member_id = identity.member_id
        row.address = identity.address
        row.enterprise = identity.enterprise
        self._session.flush()

    def delete_for_member(self, member_id: int) -> int:
        statement = delete(IdentityRow).where(IdentityRow.member_id == member_id)
        return affected(self._session.execute(statement))

    def _row(self, platform: Platform, tenant: str, user_id: str) -> IdentityRow | None:
        query = select(IdentityRow).where(
            IdentityRow.platform == Platform(platform).value,
            IdentityRow.tenant == tenant,
            IdentityRow.user_id == user_id,
        )
        return self._session.scalar(query)
