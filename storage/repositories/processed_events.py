"""Platform events already handled, so a platform's retry is processed once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot.domain import Platform
from storage.models import ProcessedEventRow
from storage.repositories._common import affected, insert_ignoring_duplicate


class SqlProcessedEventRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def first_time(self, platform: Platform, event_id: str, *, at: datetime) -> bool:
        """Remember the event; False if it was seen before (by any instance)."""
        values = {"platform": Platform(platform).value, "event_id": event_id, "at": at}
        return insert_ignoring_duplicate(self._session, ProcessedEventRow, values)

    def forget_before(self, moment: datetime) -> int:
        """Platforms stop retrying after minutes; old ids only take space."""
        statement = delete(ProcessedEventRow).where(ProcessedEventRow.at < moment)
        return affected(self._session.execute(statement))
