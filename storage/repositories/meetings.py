"""Meetings that rounds collect input for."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.domain import Meeting, MeetingData
from storage.models import MeetingRow


def to_meeting(row: MeetingRow) -> Meeting:
    return Meeting(
        id=row.id,
        title=row.title,
        starts_at=row.starts_at,
        pillar_id=row.pillar_id,
        place=row.place,
    )


class SqlMeetingRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, meeting_id: int) -> Meeting | None:
        row = self._session.get(MeetingRow, meeting_id)
        return None if row is None else to_meeting(row)

    def add(self, data: MeetingData) -> Meeting:
        row = MeetingRow(
            title=data.title, starts_at=data.starts_at, pillar_id=data.pillar_id, place=data.place
        )
        self._session.add(row)
        self._session.flush()
        return to_meeting(row)
