"""Deliveries: the messages that must reach a member or a channel."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.domain import (
    Channel,
    Delivery,
    DeliveryBacklog,
    DeliveryData,
    DeliveryKind,
    DeliveryStatus,
    Platform,
)
from storage.models import DeliveryRow
from storage.repositories._common import affected, require


def to_delivery(row: DeliveryRow) -> Delivery:
    return Delivery(
        id=row.id,
        kind=DeliveryKind(row.kind),
        status=DeliveryStatus(row.status),
        due_at=row.due_at,
        round_id=row.round_id,
        member_id=row.member_id,
        channel=None if row.channel is None else _channel(row.channel),
        attempts=row.attempts,
        last_error=row.last_error,
        platform_message_id=row.platform_message_id,
        uncertain=row.uncertain,
    )


def _channel(stored: str) -> Channel:
    """The column holds `platform:channel-id` (`str(Channel)`)."""
    platform, _, channel_id = stored.partition(":")
    return Channel(Platform(platform), channel_id)


def takeable(now: datetime) -> ColumnElement[bool]:
    """Pending, or claimed by an instance whose claim ran out."""
    return or_(
        DeliveryRow.status == DeliveryStatus.PENDING.value,
        and_(
            DeliveryRow.status == DeliveryStatus.CLAIMED.value,
            DeliveryRow.claimed_until < now,
        ),
    )


class SqlDeliveryRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, data: DeliveryData) -> Delivery:
        """A new pending delivery; it needs a member or a channel to go to."""
        if data.member_id is None and data.channel is None:
            raise ValueError("a delivery needs a member or a channel")
        row = DeliveryRow(
            kind=DeliveryKind(data.kind).value,
            status=DeliveryStatus.PENDING.value,
            due_at=data.due_at,
            round_id=data.round_id,
            member_id=data.member_id,
            channel=None if data.channel is None else str(data.channel),
            attempts=0,
            uncertain=False,
        )
        self._session.add(row)
        self._session.flush()
        return to_delivery(row)

    def for_round(self, round_id: int) -> list[Delivery]:
        """By due time."""
        query = (
            select(DeliveryRow)
            .where(DeliveryRow.round_id == round_id)
            .order_by(DeliveryRow.due_at, DeliveryRow.id)
        )
        return [to_delivery(row) for row in self._session.scalars(query)]

    def set_status(self, delivery_id: int, status: DeliveryStatus) -> None:
        require(self._session, DeliveryRow, delivery_id).status = DeliveryStatus(status).value
        self._session.flush()

    def claim_due(
        self, now: datetime, *, worker: str, until: datetime, limit: int, direct: bool = True
    ) -> list[Delivery]:
        """Take up to `limit` due deliveries for `worker` until `until`; with `direct`
        False only posts to channels (direct messages wait for working hours).

        Pending ones, and claimed ones whose claim ran out (their worker died, perhaps after
        sending: those become `uncertain`); uncertain ones first, then by due time. SKIP
        LOCKED lets instances claim side by side on PostgreSQL; SQLite has one writer.
        """
        query = (
            select(DeliveryRow.id)
            .where(DeliveryRow.due_at <= now, takeable(now))
            # Uncertain ones first: before sending again they look for the message in
            # the platform's slower lanes (Slack's Tier 3), which then run beside the
            # bulk rather than after it.
            .order_by(DeliveryRow.uncertain.desc(), DeliveryRow.due_at, DeliveryRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        if not direct:
            query = query.where(DeliveryRow.channel.is_not(None))
        # Twice at most: on SQLite the SELECT holds no lock, so another instance may take
        # the rows it chose first; the UPDATE then takes none, and holds the one writer's
        # lock from then on, so the second SELECT sees what is left.
        for _ in range(2):
            ids = list(self._session.scalars(query))
            if not ids:
                return []
            taken = self._take(ids, now=now, worker=worker, until=until)
            if taken:
                return taken
        return []

    def _take(
        self, ids: list[int], *, now: datetime, worker: str, until: datetime
    ) -> list[Delivery]:
        """Claim those of `ids` that may still be taken, in one UPDATE that asks again."""
        claimed = DeliveryStatus.CLAIMED.value
        self._session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.id.in_(ids), DeliveryRow.due_at <= now, takeable(now))
            .values(
                uncertain=case((DeliveryRow.status == claimed, True), else_=DeliveryRow.uncertain),
                status=claimed,
                claimed_by=worker,
                claimed_until=until,
            )
            .execution_options(synchronize_session=False)
        )
        taken = self._session.scalars(
            select(DeliveryRow)
            .where(
                DeliveryRow.id.in_(ids),
                DeliveryRow.status == claimed,
                DeliveryRow.claimed_by == worker,
            )
            .execution_options(populate_existing=True)
        )
        by_id = {row.id: row for row in taken}
        return [to_delivery(by_id[i]) for i in ids if i in by_id]

    def mark_sent(self, delivery_id: int, *, message_id: str | None) -> None:
        row = require(self._session, DeliveryRow, delivery_id)
        row.status = DeliveryStatus.SENT.value
        row.attempts += 1
        row.platform_message_id = message_id
        row.last_error = None
        row.uncertain = False
        row.claimed_by = row.claimed_until = None
        self._session.flush()

    def mark_failed(
        self, delivery_id: int, *, error: str, retry_at: datetime | None, uncertain: bool = False
    ) -> None:
        """Count a failed attempt: try again at `retry_at`, or give up (dead) without one.
        `uncertain`: the platform may have received it all the same (a 5xx, a timeout)."""
        row = require(self._session, DeliveryRow, delivery_id)
        row.attempts += 1
        row.last_error = error
        row.uncertain = uncertain
        row.claimed_by = row.claimed_until = None
        if retry_at is None:
            row.status = DeliveryStatus.DEAD.value
        else:
            row.status = DeliveryStatus.PENDING.value
            row.due_at = retry_at
        self._session.flush()

    def defer(self, delivery_id: int, *, until: datetime, note: str | None = None) -> None:
        """Send later without counting an attempt (rate limited, member out of office)."""
        row = require(self._session, DeliveryRow, delivery_id)
        row.status = DeliveryStatus.PENDING.value
        row.due_at = until
        row.claimed_by = row.claimed_until = None
        if note is not None:
            row.last_error = note
        self._session.flush()

    def release(
        self, delivery_ids: Collection[int], *, worker: str, uncertain: bool = False
    ) -> int:
        # Only rows this worker still holds: one it already sent or failed is left alone.
        statement = (
            update(DeliveryRow)
            .where(
                DeliveryRow.id.in_(list(delivery_ids)),
                DeliveryRow.status == DeliveryStatus.CLAIMED.value,
                DeliveryRow.claimed_by == worker,
            )
            .values(status=DeliveryStatus.PENDING.value, claimed_by=None, claimed_until=None)
        )
        if uncertain:
            statement = statement.values(uncertain=True)
        return affected(self._session.execute(statement))

    def extend_claims(
        self, delivery_ids: Collection[int], *, worker: str, until: datetime
    ) -> set[int]:
        held = (
            DeliveryRow.id.in_(list(delivery_ids)),
            DeliveryRow.status == DeliveryStatus.CLAIMED.value,
            DeliveryRow.claimed_by == worker,
        )
        self._session.execute(update(DeliveryRow).where(*held).values(claimed_until=until))
        return set(self._session.scalars(select(DeliveryRow.id).where(*held)))

    def get(self, delivery_id: int) -> Delivery | None:
        row = self._session.get(DeliveryRow, delivery_id)
        return None if row is None else to_delivery(row)

    def delete_for_member(self, member_id: int) -> int:
        statement = delete(DeliveryRow).where(DeliveryRow.member_id == member_id)
        return affected(self._session.execute(statement))

    def backlog(self, now: datetime) -> DeliveryBacklog:
        # One pass over the (status, due_at) index: per status, the rows, of the rows due
        # by `now` how many and the earliest due time, and the claims that ran out.
        due_at = case((DeliveryRow.due_at <= now, DeliveryRow.due_at))
        ran_out = case((DeliveryRow.claimed_until < now, DeliveryRow.id))
        query = select(
            DeliveryRow.status,
            func.count(),
            func.count(due_at),
            func.min(due_at).label("oldest_due_at"),
            func.count(ran_out),
        ).group_by(DeliveryRow.status)
        by_status = dict.fromkeys(DeliveryStatus, 0)
        due, oldest_due_at, expired_claims = 0, None, 0
        for status, count, due_count, oldest, expired in self._session.execute(query):
            by_status[DeliveryStatus(status)] = count
            if status == DeliveryStatus.PENDING.value:
                due, oldest_due_at = due_count, oldest
            elif status == DeliveryStatus.CLAIMED.value:
                expired_claims = expired
        return DeliveryBacklog(
            by_status=by_status, due=due, oldest_due_at=oldest_due_at, expired_claims=expired_claims
        )
