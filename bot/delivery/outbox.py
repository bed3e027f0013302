"""The outbox: sends due deliveries through the platforms' messengers.

Deliveries are claimed in the database before they are sent, so several bot instances
can share the work; a claim that runs out (its instance died) is taken up again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.conversation.core import Core
from bot.delivery import compose
from bot.delivery.messenger import DeliveryError, Messenger, Sent
from bot.domain import Delivery, Identity, Member, Platform

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


class UnreachableError(Exception):
    """The member has no account on any platform the bot is connected to."""


class Outbox:
    def __init__(
        self,
        *,
        core: Core,
        messengers: Mapping[Platform, Messenger],
        worker: str,
        batch: int = 50,
        concurrency: int = 8,
        claim_for: timedelta = timedelta(minutes=5),
    ) -> None:
        self._core = core
        self._messengers = dict(messengers)
        self._worker = worker
        self._batch = batch
        self._concurrency = concurrency
        self._claim_for = claim_for

    async def send_due(self) -> Counter[str]:
        """Send everything that is due now; returns counts by outcome."""
        outcomes: Counter[str] = Counter()
        deliveries = self._core.deliveries
        gate = asyncio.Semaphore(self._concurrency)

        async def one(delivery: Delivery) -> None:
            async with gate:
                outcomes[await self._send(delivery)] += 1

        while True:
            claimed = await asyncio.to_thread(
                deliveries.claim, worker=self._worker, limit=self._batch, claim_for=self._claim_for
            )
            if not claimed:
                return outcomes
            await asyncio.gather(*(one(d) for d in claimed))

    async def _send(self, delivery: Delivery) -> str:
        deliveries = self._core.deliveries
        try:
            sent = await self._attempt(delivery)
        except DeliveryError as failure:
            retry_at = self._retry_at(delivery, failure)
            await asyncio.to_thread(
                deliveries.failed, delivery.id, error=failure.reason, retry_at=retry_at
            )
            logger.warning(
                "delivery %s failed (attempt %s): %s",
                delivery.id,
                delivery.attempts + 1,
                failure.reason,
            )
            return "retry" if retry_at is not None else "dead"
        except UnreachableError as unreachable:
            await asyncio.to_thread(
                deliveries.failed, delivery.id, error=str(unreachable), retry_at=None
            )
            return "dead"
        if sent is None:
            await asyncio.to_thread(deliveries.drop, delivery.id)
            return "dropped"
        if sent.identity is not None:
            await asyncio.to_thread(deliveries.link, sent.identity)
        await asyncio.to_thread(deliveries.sent, delivery.id, message_id=sent.message_id)
        return "sent"

    async def _attempt(self, delivery: Delivery) -> Sent | None:
        """Send one delivery; None when it is no longer needed."""
        if delivery.channel is not None:
            platform, _, channel_id = delivery.channel.partition(":")
            messenger = self._messengers.get(Platform(platform))
            if messenger is None:
                raise DeliveryError(f"{platform} is not connected", permanent=True)
            message = await asyncio.to_thread(compose.for_channel, self._core, delivery)
            if message is None:
                return None
            return Sent(message_id=await messenger.post(channel_id, message))
        assert delivery.member_id is not None  # the database requires member or channel
        member = await asyncio.to_thread(self._core.deliveries.member, delivery.member_id)
        if member is None:
            return None
        message = await asyncio.to_thread(compose.for_member, self._core, delivery, member)
        if message is None:
            return None
        identity, found = await self._reach(member)
        sent = await self._messengers[identity.platform].send_direct(identity, message)
        if found and sent.identity is None:
            return Sent(message_id=sent.message_id, identity=identity)
        return sent

    async def _reach(self, member: Member) -> tuple[Identity, bool]:
        """The identity to message the member on, and whether it was just found."""
        identities = await asyncio.to_thread(self._core.deliveries.identities, member.id)
        for identity in identities:
            if identity.platform in self._messengers:
                return identity, False
        for messenger in self._messengers.values():
            found = await messenger.find(member)
            if found is not None:
                return found, True
        raise UnreachableError("member not found on any connected platform")

    def _retry_at(self, delivery: Delivery, failure: DeliveryError) -> datetime | None:
        if failure.permanent or delivery.attempts + 1 >= MAX_ATTEMPTS:
            return None
        backoff = min(FIRST_RETRY * (1 << delivery.attempts), LONGEST_RETRY)
        if failure.retry_after is not None:
            backoff = max(backoff, timedelta(seconds=failure.retry_after))
        return self._core.clock.now() + backoff
