"""The teams the bot was added to."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain import Installation, Platform
from storage.models import InstallationRow
from storage.repositories._common import affected


def to_installation(row: InstallationRow) -> Installation:
    return Installation(
        platform=Platform(row.platform),
        tenant=row.tenant,
        conversation_id=row.conversation_id,
        name=row.name,
        address=row.address,
    )


class SqlInstallationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def save(self, installation: Installation) -> None:
        platform = Platform(installation.platform).value
        row = self._session.scalar(
            select(InstallationRow).where(
                InstallationRow.platform == platform,
                InstallationRow.conversation_id == installation.conversation_id,
            )
        )
        if row is None:
            row = InstallationRow(platform=platform, conversation_id=installation.conversation_id)
            self._session.add(row)
        row.tenant = installation.tenant
        row.name = installation.name
        row.address = installation.address
        self._session.flush()

    def remove(self, platform: Platform, conversation_id: str) -> int:
        statement = delete(InstallationRow).where(
            InstallationRow.platform == Platform(platform).value,
            InstallationRow.conversation_id == conversation_id,
        )
        return affected(self._session.execute(statement))

    def list(self, platform: Platform) -> list[Installation]:
        query = (
            select(InstallationRow)
            .where(InstallationRow.platform == Platform(platform).value)
            .order_by(InstallationRow.id)
        )
        return [to_installation(row) for row in self._session.scalars(query)]
