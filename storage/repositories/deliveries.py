"""Deliveries: the messages that must reach a member or a channel."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain import Delivery, DeliveryData, DeliveryKind, DeliveryStatus
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
        channel=row.channel,
        attempts=row.attempts,
        last_error=row.last_error,
        platform_message_id=row.platform_message_id,
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
            channel=data.channel,
            attempts=0,
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

    def delete_for_member(self, member_id: int) -> int:
        statement = delete(DeliveryRow).where(DeliveryRow.member_id == member_id)
        return affected(self._session.execute(statement))
