"""Theme summaries of rounds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain import Summary, SummaryStatus
from bot.lifecycle import StatusChanged
from bot.summary.lifecycle import SummaryTransition
from storage.errors import NotFoundError
from storage.models import SummaryRow
from storage.repositories._common import affected


def to_summary(row: SummaryRow) -> Summary:
    return Summary(
        id=row.id,
        round_id=row.round_id,
        status=SummaryStatus(row.status),
        created_at=row.created_at,
        body=row.body,
    )


class SqlSummaryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self, round_id: int, *, status: SummaryStatus, body: dict[str, object], at: datetime
    ) -> Summary:
        """`body` must be JSON-serialisable."""
        row = SummaryRow(
            round_id=round_id,
            status=SummaryStatus(status).value,
            created_at=at,
            body=dict(body),
        )
        self._session.add(row)
        self._session.flush()
        return to_summary(row)

    def latest_for_round(self, round_id: int) -> Summary | None:
        query = (
            select(SummaryRow)
            .where(SummaryRow.round_id == round_id)
            .order_by(SummaryRow.created_at.desc(), SummaryRow.id.desc())
            .limit(1)
        )
        row = self._session.scalar(query)
        return None if row is None else to_summary(row)

    def rewrite_for_round(self, round_id: int, *, body: dict[str, object]) -> int:
        """Replace the body of every stored summary of the round (their status stays)."""
        statement = (
            update(SummaryRow).where(SummaryRow.round_id == round_id).values(body=dict(body))
        )
        return affected(self._session.execute(statement))

    def update(self, summary_id: int, *, body: dict[str, object]) -> None:
        statement = update(SummaryRow).where(SummaryRow.id == summary_id).values(body=dict(body))
        if not affected(self._session.execute(statement)):
            raise NotFoundError(f"summaries {summary_id} does not exist")

    def set_status(self, summary_id: int, transition: SummaryTransition) -> None:
        """One UPDATE guarded by the source state (see `SqlRoundRepository.set_status`)."""
        statement = (
            update(SummaryRow)
            .where(SummaryRow.id == summary_id, SummaryRow.status == transition.source.value)
            .values(status=transition.target.value)
        )
        if affected(self._session.execute(statement)) == 1:
            return
        found = self._session.execute(
            select(SummaryRow.round_id, SummaryRow.status).where(SummaryRow.id == summary_id)
        ).first()
        if found is None:
            raise NotFoundError(f"summaries {summary_id} does not exist")
        raise StatusChanged(round_id=found.round_id, expected=transition.source, found=found.status)
