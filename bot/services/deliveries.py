"""Deliveries as stored work: claim what is due, record how sending went."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain import (
    AuditEntry,
    Delivery,
    DeliveryData,
    DeliveryKind,
    DeliveryStatus,
    Identity,
    Member,
    Platform,
    Round,
)
from bot.errors import InbrengError
from bot.ports import Clock, UnitOfWorkFactory
from bot.texts import DEFAULT_LANGUAGE


class DeliveryService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def claim(self, *, worker: str, limit: int, claim_for: timedelta) -> list[Delivery]:
        """Due deliveries, now owned by `worker` until the claim runs out."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            claimed = uow.deliveries.claim_due(
                now, worker=worker, until=now + claim_for, limit=limit
            )
            uow.commit()
        return claimed

    def sent(self, delivery_id: int, *, message_id: str | None) -> None:
        with self._uow_factory() as uow:
            uow.deliveries.mark_sent(delivery_id, message_id=message_id)
            uow.commit()

    def failed(self, delivery_id: int, *, error: str, retry_at: datetime | None) -> None:
        with self._uow_factory() as uow:
            uow.deliveries.mark_failed(delivery_id, error=error[:500], retry_at=retry_at)
            uow.commit()

    def drop(self, delivery_id: int) -> None:
        """No longer needed (the member answered, the round closed, the member left)."""
        with self._uow_factory() as uow:
            uow.deliveries.set_status(delivery_id, DeliveryStatus.DROPPED)
            uow.commit()

    def for_round(self, round_id: int) -> list[Delivery]:
        with self._uow_factory() as uow:
            return uow.deliveries.for_round(round_id)

    def get(self, delivery_id: int) -> Delivery | None:
        with self._uow_factory() as uow:
            return uow.deliveries.get(delivery_id)

    def member(self, member_id: int) -> Member | None:
        with self._uow_factory() as uow:
            return uow.members.get(member_id)

    def identities(self, member_id: int) -> list[Identity]:
        with self._uow_factory() as uow:
            return uow.identities.for_member(member_id)

    def link(self, identity: Identity) -> None:
        """Remember where a member was found (or their address there) for next time."""
        with self._uow_factory() as uow:
            uow.identities.save(identity)
            uow.audit.record(
                AuditEntry(
                    action="identity.linked",
                    subject_type="member",
                    subject_id=identity.member_id,
                    details={"platform": Platform(identity.platform).value},
                )
            )
            uow.commit()

    def has_responded(self, member_id: int, round_id: int) -> bool:
        """Answered (not withdrawn) or declined: such members get no reminder."""
        with self._uow_factory() as uow:
            if member_id in uow.rounds.declined_member_ids(round_id):
                return True
            return any(r.round_id == round_id for r in uow.responses.for_member(member_id))

    def network_language(self) -> str:
        with self._uow_factory() as uow:
            network = uow.network.get()
        return network.language if network is not None else DEFAULT_LANGUAGE

    def post_to_channels(self, round_: Round, kind: DeliveryKind, *, actor_id: int) -> list[str]:
        """Queue a channel post of the round's status or summary in every channel of its
        pillars; returns the channels ("platform:id")."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            channels = [
                f"{Platform(platform).value}:{channel_id}"
                for pillar in uow.pillars.list()
                if pillar.id in round_.pillar_ids
                for platform, channel_id in sorted(pillar.channels.items())
            ]
            if not channels:
                raise InbrengError("no_channel")
            for channel in channels:
                uow.deliveries.add(
                    DeliveryData(kind=kind, due_at=now, round_id=round_.id, channel=channel)
                )
            uow.audit.record(
                AuditEntry(
                    action=f"{kind.value}.posted",
                    subject_type="round",
                    subject_id=round_.id,
                    actor_member_id=actor_id,
                    details={"channels": channels},
                )
            )
            uow.commit()
        return channels
