"""The audit trail: who changed what, when."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain import AuditEntry
from bot.ports import Clock
from storage.models import AuditEventRow


def to_entry(row: AuditEventRow) -> AuditEntry:
    return AuditEntry(
        at=row.at,
        actor_member_id=row.actor_member_id,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        details=row.details,
    )


class SqlAuditLog:
    def __init__(self, session: Session, *, clock: Clock) -> None:
        self._session = session
        self._clock = clock

    def record(self, entry: AuditEntry) -> None:
        """Store the entry; `at` defaults to now. `details` must be JSON-serialisable."""
        self._session.add(
            AuditEventRow(
                at=entry.at if entry.at is not None else self._clock.now(),
                actor_member_id=entry.actor_member_id,
                action=entry.action,
                subject_type=entry.subject_type,
                subject_id=entry.subject_id,
                details=dict(entry.details),
            )
        )
        self._session.flush()

    def list(
        self, *, subject_type: str | None = None, subject_id: int | None = None
    ) -> list[AuditEntry]:
        """Oldest first, narrowed to a subject type and id when given."""
        query = select(AuditEventRow).order_by(AuditEventRow.at, AuditEventRow.id)
        if subject_type is not None:
            query = query.where(AuditEventRow.subject_type == subject_type)
        if subject_id is not None:
            query = query.where(AuditEventRow.subject_id == subject_id)
        return [to_entry(row) for row in self._session.scalars(query)]
