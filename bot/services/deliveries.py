"""Deliveries as stored work: claim what is due, record how sending went."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.audit import shows_names
from bot.domain import (
    ANY_TENANT,
    AuditEntry,
    Channel,
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
from bot.permissions import Actor, Permission, member_id_of, require
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.services.lookup import round_or_refuse
from bot.services.reminders import still_to_remind
from bot.summary.model import RoundSummary
from bot.texts import DEFAULT_LANGUAGE
from bot.trust import TrustedTenants, trusted_tenants


@dataclass(frozen=True, kw_only=True)
class Reach:
    identities: list[Identity]
    trusted: TrustedTenants


def queue_channel_posts(
    uow: UnitOfWork, round_: Round, kind: DeliveryKind, *, now: datetime
) -> list[Channel]:
    """A delivery to every channel of the round's pillars; returns them."""
    channels = [
        Channel(Platform(platform), channel_id)
        for pillar in round_.pillars
        for platform, channel_id in sorted(pillar.channels.items())
    ]
    for channel in channels:
        uow.deliveries.add(DeliveryData(kind=kind, due_at=now, round_id=round_.id, channel=channel))
    return channels


class DeliveryService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def claim(
        self, *, worker: str, limit: int, claim_for: timedelta, direct: bool = True
    ) -> list[Delivery]:
        """Due deliveries, now owned by `worker` until the claim runs out; `direct` False:
        channel posts only."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            claimed = uow.deliveries.claim_due(
                now, worker=worker, until=now + claim_for, limit=limit, direct=direct
            )
            uow.commit()
        return claimed

    def sent(self, delivery_id: int, *, message_id: str | None) -> None:
        """Record that the platform took the message. A summary draft sent to a lead is
        written to the audit log (`summary.sent`) here, once: composing it may happen again
        (a retry, an out-of-office wait) or come to nothing."""
        with self._uow_factory() as uow:
            uow.deliveries.mark_sent(delivery_id, message_id=message_id)
            delivery = uow.deliveries.get(delivery_id)
            if delivery is not None and delivery.kind == DeliveryKind.SUMMARY:
                _record_summary_sent(uow, delivery)
            uow.commit()

    def failed(
        self, delivery_id: int, *, error: str, retry_at: datetime | None, uncertain: bool = False
    ) -> None:
        with self._uow_factory() as uow:
            uow.deliveries.mark_failed(
                delivery_id, error=error[:500], retry_at=retry_at, uncertain=uncertain
            )
            uow.commit()

    def defer(self, delivery_id: int, *, until: datetime, note: str | None = None) -> None:
        with self._uow_factory() as uow:
            uow.deliveries.defer(delivery_id, until=until, note=note)
            uow.commit()

    def release(
        self, delivery_ids: Collection[int], *, worker: str, uncertain: bool = False
    ) -> int:
        """Give back claims (the instance stops, a fault cut a batch short), so any
        instance can send them now."""
        if not delivery_ids:
            return 0
        with self._uow_factory() as uow:
            released = uow.deliveries.release(delivery_ids, worker=worker, uncertain=uncertain)
            uow.commit()
        return released

    def extend(
        self, delivery_ids: Collection[int], *, worker: str, claim_for: timedelta
    ) -> set[int]:
        """Hold `worker`'s claims on these deliveries for `claim_for` from now, while
        they are being sent; returns the ids it still holds."""
        if not delivery_ids:
            return set()
        with self._uow_factory() as uow:
            held = uow.deliveries.extend_claims(
                delivery_ids, worker=worker, until=self._clock.now() + claim_for
            )
            uow.commit()
        return held

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

    def reach(self, member: Member) -> Reach:
        """Where the member can be reached: the identities whose workspace or tenant the
        network trusts for the member's organisation (and those the network file names),
        and which others may vouch for the member when looking them up by e-mail."""
        with self._uow_factory() as uow:
            trusted = trusted_tenants(
                uow.network.get(), uow.organisations.get(member.organisation_id)
            )
            identities = [
                i
                for i in uow.identities.for_member(member.id)
                # An id the network file names (any tenant) is the secretariat's own word.
                if i.tenant == ANY_TENANT or trusted.allow(i.platform, i.tenant, i.enterprise)
            ]
        return Reach(identities=identities, trusted=trusted)

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

    def still_to_remind(self, member: Member, round_: Round) -> bool:
        """Neither answered nor declined (nor, per organisation, a colleague answered)."""
        with self._uow_factory() as uow:
            return bool(still_to_remind(uow, round_, [member]))

    def network_language(self) -> str:
        with self._uow_factory() as uow:
            network = uow.network.get()
        return network.language if network is not None else DEFAULT_LANGUAGE

    def post_to_channels(self, round_: Round, kind: DeliveryKind, *, actor: Actor) -> list[Channel]:
        """Queue a channel post of the round's status or summary in every channel of its
        pillars; returns the channels."""
        with self._uow_factory() as uow:
            stored = round_or_refuse(uow, round_.id)  # its pillars as stored, not as handed in
            pillars = [p.slug for p in stored.pillars]
            require(actor, Permission.POST_TO_CHANNEL, pillars=pillars)
            channels = queue_channel_posts(uow, round_, kind, now=self._clock.now())
            if not channels:
                raise InbrengError("no_channel")
            uow.audit.record(
                AuditEntry(
                    action=f"{kind.value}.posted",
                    subject_type="round",
                    subject_id=round_.id,
                    actor_member_id=member_id_of(actor),
                    details={"channels": [str(channel) for channel in channels]},
                )
            )
            uow.commit()
        return channels


def _record_summary_sent(uow: UnitOfWork, delivery: Delivery) -> None:
    if delivery.member_id is None or delivery.round_id is None:
        return  # a post to a channel: audited as `summary.posted` when it was queued
    stored = uow.summaries.latest_for_round(delivery.round_id)
    names = (
        shows_names(RoundSummary.from_dict(stored.body))
        if stored is not None and "themes" in stored.body
        else None
    )
    uow.audit.record(
        AuditEntry(
            action="summary.sent",
            subject_type="round",
            subject_id=delivery.round_id,
            details={
                "round_id": delivery.round_id,
                "delivery_id": delivery.id,
                "recipient_member_id": delivery.member_id,
                "names": names,
            },
        )
    )
