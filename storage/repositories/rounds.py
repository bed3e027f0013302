"""Input rounds, with the pillars they ask about and who declined them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, selectinload

from bot.domain import Audience, Pillar, Round, RoundData, RoundStatus
from bot.lifecycle import StatusChanged
from bot.round_lifecycle import RoundTransition
from storage.errors import NotFoundError
from storage.models import MeetingRow, RoundDeclineRow, RoundPillarRow, RoundRow
from storage.repositories._common import affected, insert_ignoring_duplicate, require
from storage.repositories.meetings import to_meeting
from storage.repositories.pillars import SqlPillarRepository


def to_seconds(reminder: timedelta) -> float:
    seconds = reminder.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def to_round(row: RoundRow, pillars: Mapping[int, Pillar]) -> Round:
    """`pillars`: by id, at least those of the round."""
    pillar_ids = tuple(sorted(link.pillar_id for link in row.pillar_links))
    return Round(
        id=row.id,
        meeting_id=row.meeting_id,
        meeting=to_meeting(row.meeting),
        status=RoundStatus(row.status),
        pillar_ids=pillar_ids,
        pillars=tuple(pillars[pillar_id] for pillar_id in pillar_ids),
        question=row.question,
        audience=Audience(row.audience),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        reminders=tuple(timedelta(seconds=seconds) for seconds in row.reminders),
        remind_last_morning=row.remind_last_morning,
        remind_per_organisation=row.remind_per_organisation,
        post_summary_directly=row.post_summary_directly,
        created_by=row.created_by,
        reminders_done=row.reminders_done,
    )


class SqlRoundRepository:
    def __init__(self, session: Session, *, pillars: SqlPillarRepository | None = None) -> None:
        """`pillars`: the unit of work's, whose reads come from the process's cache."""
        self._session = session
        self._pillars = pillars if pillars is not None else SqlPillarRepository(session)

    def get(self, round_id: int, *, lock: bool = False) -> Round | None:
        """`lock`: hold the row until the transaction ends, so that two instances cannot
        close (or open) the same round at once."""
        query = (
            select(RoundRow)
            .where(RoundRow.id == round_id)
            .options(selectinload(RoundRow.meeting), selectinload(RoundRow.pillar_links))
        )
        if lock:
            query = query.with_for_update(of=RoundRow)
        row = self._session.scalar(query)
        return None if row is None else self._rounds([row])[0]

    def take(self, *, statuses: Collection[RoundStatus]) -> list[Round]:
        """Rounds in `statuses`, locked for this transaction; rows another instance holds
        are skipped (it is working on them). SQLite has one writer anyway."""
        query = (
            select(RoundRow)
            .where(RoundRow.status.in_([RoundStatus(s).value for s in statuses]))
            .order_by(RoundRow.id)
            .options(selectinload(RoundRow.meeting), selectinload(RoundRow.pillar_links))
            .with_for_update(skip_locked=True, of=RoundRow)
        )
        return self._rounds(self._session.scalars(query).all())

    def _rounds(self, rows: Sequence[RoundRow]) -> list[Round]:
        """Rounds with their pillars, whose topics and channels come in three queries."""
        wanted = {link.pillar_id for row in rows for link in row.pillar_links}
        pillars = self._pillars.by_ids(wanted) if wanted else {}
        return [to_round(row, pillars) for row in rows]

    def set_reminders_done(self, round_id: int, done: int) -> None:
        require(self._session, RoundRow, round_id).reminders_done = done
        self._session.flush()

    def add(self, data: RoundData, *, status: RoundStatus) -> Round:
        require(self._session, MeetingRow, data.meeting_id)
        row = RoundRow(
            meeting_id=data.meeting_id,
            status=RoundStatus(status).value,
            question=data.question,
            audience=Audience(data.audience).value,
            opens_at=data.opens_at,
            closes_at=data.closes_at,
            reminders=[to_seconds(reminder) for reminder in data.reminders],
            remind_last_morning=data.remind_last_morning,
            remind_per_organisation=data.remind_per_organisation,
            post_summary_directly=data.post_summary_directly,
            created_by=data.created_by,
            reminders_done=0,
            pillar_links=[
                RoundPillarRow(pillar_id=pillar_id) for pillar_id in sorted(set(data.pillar_ids))
            ],
        )
        self._session.add(row)
        self._session.flush()
        return self._rounds([row])[0]

    def set_status(self, round_id: int, transition: RoundTransition) -> None:
        """One UPDATE guarded by the source state: of two instances that read the round
        open, only the first to write closes it; the second finds no row to change."""
        statement = (
            update(RoundRow)
            .where(RoundRow.id == round_id, RoundRow.status == transition.source.value)
            .values(status=transition.target.value)
        )
        if affected(self._session.execute(statement)) == 1:
            return
        found = self._session.scalar(select(RoundRow.status).where(RoundRow.id == round_id))
        if found is None:
            raise NotFoundError(f"rounds {round_id} does not exist")
        raise StatusChanged(round_id=round_id, expected=transition.source, found=found)

    def add_decline(self, round_id: int, member_id: int, *, at: datetime) -> None:
        """Record that the member wants no reminders; declining again changes nothing."""
        insert_ignoring_duplicate(
            self._session,
            RoundDeclineRow,
            {"round_id": round_id, "member_id": member_id, "at": at},
        )

    def remove_decline(self, round_id: int, member_id: int) -> None:
        self._session.execute(
            delete(RoundDeclineRow).where(
                RoundDeclineRow.round_id == round_id, RoundDeclineRow.member_id == member_id
            )
        )

    def declined_member_ids(self, round_id: int) -> set[int]:
        query = select(RoundDeclineRow.member_id).where(RoundDeclineRow.round_id == round_id)
        return set(self._session.scalars(query))

    def delete_declines_of(self, member_id: int) -> int:
        statement = delete(RoundDeclineRow).where(RoundDeclineRow.member_id == member_id)
        return affected(self._session.execute(statement))

    def count_by_status(self) -> dict[RoundStatus, int]:
        query = select(RoundRow.status, func.count()).group_by(RoundRow.status)
        counts = dict.fromkeys(RoundStatus, 0)
        for status, count in self._session.execute(query):
            counts[RoundStatus(status)] = count
        return counts

    def list(self, *, statuses: Collection[RoundStatus] | None = None) -> list[Round]:
        """In the order they were added; all of them unless `statuses` is given."""
        query = (
            select(RoundRow)
            .order_by(RoundRow.id)
            .options(selectinload(RoundRow.meeting), selectinload(RoundRow.pillar_links))
        )
        if statuses is not None:
            query = query.where(RoundRow.status.in_([RoundStatus(s).value for s in statuses]))
        return self._rounds(self._session.scalars(query).all())
