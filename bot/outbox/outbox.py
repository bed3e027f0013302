"""The outbox: sends due deliveries through the platforms' messengers.

Deliveries are claimed in the database before they are sent, so several bot instances
can share the work; a claim that runs out (its instance died) is taken up again, after
looking on the platform for the message that instance may have sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.application.core import Core
from bot.domain import Delivery, Identity, Member, Platform
from bot.messages import Message
from bot.outbox import compose
from bot.outbox.messenger import DeliveryError, Messenger, Sent
from bot.services.deliveries import Reach

logger = logging.getLogger(__name__)

# A 5xx or a timeout is usually over within seconds; doubling from 5 s still gives a
# platform outage some ten minutes (5 s ... 320 s) before a delivery is given up.
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=5)
LONGEST_RETRY = timedelta(hours=1)
# Claimed deliveries wait for their slot in the platform's rate limits (some ten posts a
# second for a Slack workspace, shared by the instances), and a claim must outlast that
# wait: a small batch is claimed again soon rather than held long.
BATCH = 20


class UnreachableError(Exception):
    """The member has no account on any platform the bot is connected to."""


class Outbox:
    def __init__(
        self,
        *,
        core: Core,
        messengers: Mapping[Platform, Messenger],
        worker: str,
        batch: int = BATCH,
        concurrency: int = 8,
        claim_for: timedelta = timedelta(minutes=5),
    ) -> None:
        self._core = core
        self._messengers = dict(messengers)
        self._worker = worker
        self._batch = batch
        self._concurrency = concurrency
        self._claim_for = claim_for
        self._stopping = False

    def stop(self) -> None:
        """The instance is stopping: claim nothing more, finish the sends under way and
        give back the claims on deliveries not yet started, for another instance."""
        self._stopping = True

    async def send_due(self) -> Counter[str]:
        """Send everything that is due now; returns counts by outcome. Direct messages
        wait outside the network's working hours; channel posts go at any time.

        The next batch is claimed as soon as the last send of the one before has started,
        so that a slow send (one waiting for a slower rate-limit lane) leaves no sender
        idle; at most `concurrency` sends run at once, across batches."""
        outcomes: Counter[str] = Counter()
        gate = asyncio.Semaphore(self._concurrency)
        batches: list[asyncio.Task[Counter[str]]] = []
        try:
            while not self._stopping:
                direct = self._core.window.allows(self._core.clock.now())
                claimed = await asyncio.to_thread(self._claim, direct)
                if not claimed:
                    break
                underway = asyncio.Event()
                batch = asyncio.create_task(self._send_batch(claimed, gate, underway))
                batches.append(batch)
                all_started = asyncio.create_task(underway.wait())
                await asyncio.wait({batch, all_started}, return_when=asyncio.FIRST_COMPLETED)
                all_started.cancel()
        except BaseException:
            for batch in batches:
                batch.cancel()  # each gives back what it holds
            await asyncio.shield(asyncio.gather(*batches, return_exceptions=True))
            raise
        results = await asyncio.gather(*batches, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
            outcomes += result
        return outcomes

    def _claim(self, direct: bool) -> list[_Prepared]:
        """Claim a batch, then work out what each delivery says, in one more unit of work
        for the whole batch. The claim commits at once: composing (a summary's charts)
        can take seconds, in which SQLite's one writer must stay free to record sends.
        What a message says is thus decided when its batch is claimed, seconds before it
        is sent, not when it was queued."""
        core = self._core
        claimed = core.deliveries.claim(
            worker=self._worker, limit=self._batch, claim_for=self._claim_for, direct=direct
        )
        if not claimed:
            return []
        with core.transactions.use_case():
            return [self._prepare(delivery) for delivery in claimed]

    def _prepare(self, delivery: Delivery) -> _Prepared:
        core = self._core
        try:
            if delivery.channel is not None:
                return _Prepared(delivery, compose.for_channel(core, delivery))
            assert delivery.member_id is not None  # the database requires member or channel
            member = core.deliveries.member(delivery.member_id)
            if member is None:
                return _Prepared(delivery, None)
            message = compose.for_member(core, delivery, member)
            if message is None:
                return _Prepared(delivery, None)
            return _Prepared(delivery, message, member=member, reach=core.deliveries.reach(member))
        except Exception as error:
            # What goes wrong in composing one delivery (its round gone, a bug) stays with
            # that delivery, sent as an error below; the rest of the batch goes on.
            return _Prepared(delivery, None, failure=error)

    async def _send_batch(
        self, claimed: list[_Prepared], gate: asyncio.Semaphore, underway: asyncio.Event
    ) -> Counter[str]:
        """Send a claimed batch through `gate`; `underway` is set once every send of it
        has started."""
        outcomes: Counter[str] = Counter()
        started: set[int] = set()
        finished: set[int] = set()

        async def one(prepared: _Prepared) -> None:
            async with gate:
                if self._stopping:
                    return
                started.add(prepared.delivery.id)
                if len(started) == len(claimed):
                    underway.set()
                outcomes[await self._send(prepared)] += 1
                finished.add(prepared.delivery.id)

        every = {p.delivery.id for p in claimed}
        try:
            await asyncio.gather(*(one(p) for p in claimed))
        except BaseException:
            # Cut short while sending (a stop, or an error outside any one delivery): what
            # was under way may have arrived, so whoever sends it next looks on the
            # platform first; what had not started is given back at once.
            await asyncio.shield(self._release(started - finished, uncertain=True))
            await asyncio.shield(self._release(every - started))
            raise
        released = await self._release(every - started)
        if released:
            outcomes["released"] += released
        return outcomes

    async def _release(self, delivery_ids: set[int], *, uncertain: bool = False) -> int:
        if not delivery_ids:
            return 0
        return await asyncio.to_thread(
            self._core.deliveries.release,
            delivery_ids,
            worker=self._worker,
            uncertain=uncertain,
        )

    async def _send(self, prepared: _Prepared) -> str:
        deliveries = self._core.deliveries
        delivery = prepared.delivery
        try:
            if prepared.failure is not None:
                raise prepared.failure
            sent = await self._attempt(prepared)
        except _NotYetError as later:
            await asyncio.to_thread(deliveries.defer, delivery.id, until=later.until)
            return "deferred"
        except DeliveryError as failure:
            return await self._failed(delivery, failure)
        except UnreachableError as unreachable:
            await asyncio.to_thread(
                deliveries.failed, delivery.id, error=str(unreachable), retry_at=None
            )
            return "dead"
        except Exception as error:
            # Whatever else goes wrong (a platform's malformed answer, a bug) stays with this
            # delivery: retried, in doubt whether it arrived, like after a server error; the
            # rest of the batch goes on. The log names the error's type: its message may
            # hold member text, so the traceback is for DEBUG only.
            logger.debug("delivery %s: unexpected error", delivery.id, exc_info=True)
            unexpected = DeliveryError(f"unexpected {type(error).__name__}", uncertain=True)
            return await self._failed(delivery, unexpected)
        if sent is None:
            await asyncio.to_thread(deliveries.drop, delivery.id)
            return "dropped"
        await asyncio.to_thread(self._record, delivery.id, sent)
        return "sent"

    def _record(self, delivery_id: int, sent: Sent) -> None:
        """The platform took it: where the member was found, and that it was sent."""
        deliveries = self._core.deliveries
        with self._core.transactions.use_case():
            if sent.identity is not None:
                deliveries.link(sent.identity)
            deliveries.sent(delivery_id, message_id=sent.message_id)

    async def _failed(self, delivery: Delivery, failure: DeliveryError) -> str:
        deliveries = self._core.deliveries
        now = self._core.clock.now()
        if failure.retry_after is not None and not failure.permanent:
            # Rate limited: the platform refused it, so this was no attempt.
            until = now + timedelta(seconds=failure.retry_after)
            await asyncio.to_thread(deliveries.defer, delivery.id, until=until, note=failure.reason)
            return "throttled"
        retry_at = self._retry_at(delivery, failure, now)
        await asyncio.to_thread(
            deliveries.failed,
            delivery.id,
            error=failure.reason,
            retry_at=retry_at,
            uncertain=failure.uncertain,
        )
        logger.warning(
            "delivery %s failed (attempt %s): %s",
            delivery.id,
            delivery.attempts + 1,
            failure.reason,
        )
        return "retry" if retry_at is not None else "dead"

    async def _attempt(self, prepared: _Prepared) -> Sent | None:
        """Send one delivery; None when it is no longer needed."""
        delivery, message = prepared.delivery, prepared.message
        key = str(delivery.id)
        if delivery.channel is not None:
            platform, channel_id = delivery.channel.platform, delivery.channel.id
            messenger = self._messengers.get(platform)
            if messenger is None:
                raise DeliveryError(f"{platform.value} is not connected", permanent=True)
            if delivery.uncertain and (earlier := await messenger.find_sent(channel_id, key=key)):
                return earlier
            if message is None:
                return None
            return Sent(message_id=await messenger.post(channel_id, message, key=key))
        member, reach = prepared.member, prepared.reach
        if message is None or member is None or reach is None:
            return None
        self._check_present(member)
        identity, found = await self._reach(member, reach)
        messenger = self._messengers[identity.platform]
        sent = None
        if delivery.uncertain:
            sent = await messenger.find_sent(identity, key=key)
        if sent is None:
            sent = await messenger.send_direct(identity, message, key=key)
        if found and sent.identity is None:
            return Sent(message_id=sent.message_id, identity=identity)
        return sent

    def _check_present(self, member: Member) -> None:
        """Out of office: the message waits for the first working moment after it."""
        away_until = member.out_of_office_until
        window = self._core.window
        if away_until is not None and window.local_day(self._core.clock.now()) <= away_until:
            raise _NotYetError(window.start_of_day(away_until + timedelta(days=1)))

    async def _reach(self, member: Member, reach: Reach) -> tuple[Identity, bool]:
        """The identity to message the member on, and whether it was just found. Only a
        workspace or tenant the network trusts for the member can tell who they are."""
        for identity in reach.identities:
            if identity.platform in self._messengers:
                return identity, False
        for messenger in self._messengers.values():
            found = await messenger.find(member, trusted=reach.trusted)
            if found is not None:
                return found, True
        raise UnreachableError("member not found on any connected platform")

    def _retry_at(
        self, delivery: Delivery, failure: DeliveryError, now: datetime
    ) -> datetime | None:
        if failure.permanent or delivery.attempts + 1 >= MAX_ATTEMPTS:
            return None
        return now + min(FIRST_RETRY * (1 << delivery.attempts), LONGEST_RETRY)


@dataclass(frozen=True)
class _Prepared:
    """A claimed delivery and what it says; no message: it is no longer needed."""

    delivery: Delivery
    message: Message | None
    member: Member | None = None
    reach: Reach | None = None  # where the member can be found
    failure: Exception | None = None  # why it could not be composed


class _NotYetError(Exception):
    """Not now: the delivery waits until `until` (no attempt is counted)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until
