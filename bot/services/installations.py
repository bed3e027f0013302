"""The teams the bot was added to, kept so that members can be found and channels reached."""

from __future__ import annotations

import logging

from bot.domain import Installation, Platform
from bot.ports import UnitOfWorkFactory

logger = logging.getLogger(__name__)


class InstallationService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def installed(self, installation: Installation) -> None:
        with self._uow_factory() as uow:
            uow.installations.save(installation)
            uow.commit()
        logger.info(
            "added to %s team %s", installation.platform.value, installation.conversation_id
        )

    def removed(self, platform: Platform, conversation_id: str) -> None:
        with self._uow_factory() as uow:
            removed = uow.installations.remove(platform, conversation_id)
            uow.commit()
        if removed:
            logger.info("removed from %s team %s", platform.value, conversation_id)

    def of(self, platform: Platform) -> list[Installation]:
        with self._uow_factory() as uow:
            return uow.installations.list(platform)
