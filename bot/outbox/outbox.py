"""The outbox: sends due deliveries through the platforms' messengers.

Deliveries are claimed in the database before they are sent, so several bot instances
can share the work; a claim that runs out (its instance died) is taken up again, after
looking on the platform for the message that instance may have sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from bot.application.core import Core
from bot.domain import Delivery, Identity, Member, Platform
from bot.fault_log import FaultLog
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
        # What a database fault left claimed, to record or give back when it answers again.
        self._left: dict[int, _Left] = {}
        self._given_back: set[int] = set()  # of those, what has been since the fault began
        self._fault = FaultLog("outbox", logger)

    def stop(self) -> None:
        """The instance is stopping: claim nothing more, finish the sends under way and
        give back the claims on deliveries not yet started, for another instance."""
        self._stopping = True

    async def send_due(self) -> Counter[str]:
        """Send everything that is due now; returns counts by outcome. Direct messages
        wait outside the network's working hours; channel posts go at any time.

        The next batch is claimed as soon as the last send of the one before has started,
        so that a slow send (one waiting for a slower rate-limit lane) leaves no sender
        idle; at most `concurrency` sends run at once, across batches. The claims are held
        while their sends are under way, however long that takes.

        When the database fails around a send, no further send starts: what was not
        started is given back at once, what was sent is recorded as soon as the database
        answers again (see `_settle_left`), and the fault is logged when it starts, with a
        count while it lasts and when it ends, not at every send or run."""
        outcomes: Counter[str] = Counter()
        left_over = _Run()
        await self._settle_left(left_over)
        run = _Run()
        # On, even if some are still left: one that cannot be recorded holds up nothing.
        await self._send_all(run, outcomes)
        errors = left_over.errors + run.errors
        last_error = run.error or left_over.error
        if last_error is not None:
            # Given back at once, if the database is back already.
            await self._settle_left(_Run())
            self._fault.failed(last_error, count=errors, left_claimed=self._left)
        else:
            self._fault.recovered(given_back=self._given_back)
            self._given_back.clear()
        return outcomes

    async def _send_all(self, run: _Run, outcomes: Counter[str]) -> None:
        gate = asyncio.Semaphore(self._concurrency)
        batches: list[asyncio.Task[Counter[str]]] = []
        heartbeat = asyncio.create_task(self._heartbeat(run))
        try:
            while not self._stopping and run.error is None:
                claimed = await self._claim_batch(run)
                if not claimed:
                    break
                underway = asyncio.Event()
                batch = asyncio.create_task(self._send_batch(claimed, gate, underway, run))
                batches.append(batch)
                all_started = asyncio.create_task(underway.wait())
                await asyncio.wait({batch, all_started}, return_when=asyncio.FIRST_COMPLETED)
                all_started.cancel()
            results = await asyncio.gather(*batches, return_exceptions=True)
        except BaseException:
            for batch in batches:
                batch.cancel()  # each gives back what it holds
            await asyncio.shield(asyncio.gather(*batches, return_exceptions=True))
            raise
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
            outcomes += result

    async def _claim_batch(self, run: _Run) -> list[_Prepared]:
        """The next batch, claimed and composed; none when nothing is due, or when the
        database failed (`run.error`)."""
        asked = self._core.clock.now()
        direct = self._core.window.allows(asked)
        try:
            claimed = await asyncio.to_thread(self._claim, direct)
        except Exception as error:
            run.failed(error)
            return []
        run.held.update(delivery.id for delivery in claimed)
        run.hold(claimed_at=asked, ids=[delivery.id for delivery in claimed], span=self._claim_for)
        if not claimed:
            return []
        try:
            return await asyncio.to_thread(self._prepare_all, claimed)
        except Exception as error:
            run.failed(error)
            self._leave({delivery.id for delivery in claimed}, run)
            return []

    def _claim(self, direct: bool) -> list[Delivery]:
        """Claim a batch. The claim commits at once: composing (a summary's charts) can
        take seconds, in which SQLite's one writer must stay free to record sends."""
        return self._core.deliveries.claim(
            worker=self._worker, limit=self._batch, claim_for=self._claim_for, direct=direct
        )

    def _prepare_all(self, claimed: list[Delivery]) -> list[_Prepared]:
        """What each delivery says, in one unit of work for the whole batch. What a
        message says is thus decided when its batch is claimed, seconds before it is
        sent, not when it was queued."""
        with self._core.transactions.use_case():
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
        self,
        claimed: list[_Prepared],
        gate: asyncio.Semaphore,
        underway: asyncio.Event,
        run: _Run,
    ) -> Counter[str]:
        """Send a claimed batch through `gate`; `underway` is set once every send of it
        has started, or will not start."""
        outcomes: Counter[str] = Counter()
        started: set[int] = set()
        finished: set[int] = set()
        every = {p.delivery.id for p in claimed}

        through_gate = 0

        async def one(prepared: _Prepared) -> None:
            nonlocal through_gate
            async with gate:
                through_gate += 1
                if through_gate == len(claimed):
                    underway.set()
                delivery_id = prepared.delivery.id
                # Stopping, or the database failing: what has not started is given back.
                # A claim that ran out meanwhile may be another instance's now.
                if (
                    self._stopping
                    or run.error is not None
                    or not run.holds(delivery_id, now=self._core.clock.now())
                ):
                    return
                started.add(delivery_id)
                outcomes[await self._send(prepared, run)] += 1
                finished.add(delivery_id)

        try:
            await asyncio.gather(*(one(p) for p in claimed))
        except BaseException:
            # Cut short while sending (a stop, or an error outside any one delivery): what
            # was under way may have arrived, so whoever sends it next looks on the
            # platform first; what had not started is given back at once.
            cut = started - finished - run.settled
            await asyncio.shield(self._release(cut, run, uncertain=True))
            await asyncio.shield(self._release(every - started - run.lost, run))
            raise
        released = await self._release(every - started - run.lost, run)
        if released:
            outcomes["released"] += released
        return outcomes

    async def _release(self, delivery_ids: set[int], run: _Run, *, uncertain: bool = False) -> int:
        """Give back claims; if the database fails, as soon as it answers again."""
        if not delivery_ids:
            return 0
        try:
            released = await asyncio.to_thread(
                self._core.deliveries.release,
                delivery_ids,
                worker=self._worker,
                uncertain=uncertain,
            )
        except Exception as error:
            run.failed(error)
            self._leave(delivery_ids, run, uncertain=uncertain)
            return 0
        run.held -= delivery_ids
        return released

    async def _heartbeat(self, run: _Run) -> None:
        """Hold the claims of this run while their sends are under way, so that no other
        instance takes one up and sends it again, however long the run takes."""
        every = self._claim_for.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            held = set(run.held)
            if not held:
                continue
            asked = self._core.clock.now()
            try:
                still = await asyncio.to_thread(
                    self._core.deliveries.extend,
                    held,
                    worker=self._worker,
                    claim_for=self._claim_for,
                )
            except Exception as error:
                # The claims may run out: send nothing more in this run.
                run.failed(error)
                continue
            # Sent or given back meanwhile, or (a claim that ran out before it could be
            # held) taken up by another instance: not to be started here.
            run.lost |= held - still - run.settled
            run.held -= held - still
            run.hold(claimed_at=asked, ids=still, span=self._claim_for)

    async def _settle_left(self, run: _Run) -> None:
        """Record what a database fault left unrecorded: the sends that reached the
        platform as sent, the rest given back (those that may have arrived as uncertain,
        so that whoever sends them next looks on the platform first).

        The first failure ends the pass: the database is likely still away, and each try
        may wait out a lock. The ones that failed most go last, so that one that cannot
        be recorded holds up no other; once its claim has run out it is anyone's again,
        and is left to the claims' own way of taking it up."""
        try:
            await self._settle_each()
        except _LeftError as failure:
            run.failed(failure.error)
            for delivery_id in failure.delivery_ids:
                left = self._left[delivery_id]
                self._left[delivery_id] = replace(left, failures=left.failures + 1)
        now = self._core.clock.now()
        for delivery_id, left in list(self._left.items()):
            if left.claimed_until <= now:
                del self._left[delivery_id]

    async def _settle_each(self) -> None:
        order = sorted(self._left.items(), key=lambda item: item[1].failures)
        for delivery_id, left in order:
            if left.sent is None:
                continue
            try:
                await asyncio.to_thread(self._record, delivery_id, left.sent)
            except Exception as error:
                raise _LeftError(error, {delivery_id}) from error
            del self._left[delivery_id]
            self._given_back.add(delivery_id)
        for uncertain in (True, False):
            ids = {i for i, left in self._left.items() if left.uncertain is uncertain}
            if not ids:
                continue
            try:
                await asyncio.to_thread(
                    self._core.deliveries.release, ids, worker=self._worker, uncertain=uncertain
                )
            except Exception as error:
                raise _LeftError(error, ids) from error
            for delivery_id in ids:
                del self._left[delivery_id]
            self._given_back |= ids

    def _leave(
        self,
        delivery_ids: set[int],
        run: _Run,
        *,
        sent: Sent | None = None,
        uncertain: bool = False,
    ) -> None:
        """The database failed before these deliveries were recorded or given back."""
        # At the latest: the claim was held (or made) at most `claim_for` ago.
        until = self._core.clock.now() + self._claim_for
        for delivery_id in delivery_ids:
            self._left[delivery_id] = _Left(
                sent=sent, uncertain=uncertain or sent is not None, claimed_until=until
            )
        run.held -= delivery_ids

    async def _send(self, prepared: _Prepared, run: _Run) -> str:
        delivery = prepared.delivery
        settlement = await self._settlement(prepared)
        recording = asyncio.ensure_future(asyncio.to_thread(settlement.record))
        try:
            await asyncio.shield(recording)
        except asyncio.CancelledError:
            # Cut short while recording: the record goes on in its thread, so wait for it,
            # lest the delivery be given back (uncertain) while it is being marked sent.
            await asyncio.wait({recording})
            if not recording.cancelled() and recording.exception() is None:
                run.held.discard(delivery.id)
                run.settled.add(delivery.id)
            raise
        except Exception as error:
            # The database failed around this delivery: it is recorded (sent) or given
            # back as soon as the database answers again, and nothing more is started.
            run.failed(error)
            self._leave({delivery.id}, run, sent=settlement.sent, uncertain=settlement.uncertain)
            return "unrecorded"
        run.held.discard(delivery.id)
        run.settled.add(delivery.id)
        if settlement.log is not None:
            logger.warning(*settlement.log)
        return settlement.outcome

    async def _settlement(self, prepared: _Prepared) -> _Settlement:
        """Send one delivery through its platform; what is to be recorded of it."""
        deliveries = self._core.deliveries
        delivery = prepared.delivery
        try:
            if prepared.failure is not None:
                raise prepared.failure
            sent = await self._attempt(prepared)
        except _NotYetError as later:
            return _Settlement(
                "deferred", partial(deliveries.defer, delivery.id, until=later.until)
            )
        except DeliveryError as failure:
            return self._failed(delivery, failure)
        except UnreachableError as unreachable:
            return _Settlement(
                "dead",
                partial(deliveries.failed, delivery.id, error=str(unreachable), retry_at=None),
            )
        except Exception as error:
            # Whatever else goes wrong (a platform's malformed answer, a bug) stays with this
            # delivery: retried, in doubt whether it arrived, like after a server error; the
            # rest of the batch goes on. The log names the error's type: its message may
            # hold member text, so the traceback is for DEBUG only.
            logger.debug("delivery %s: unexpected error", delivery.id, exc_info=True)
            unexpected = DeliveryError(f"unexpected {type(error).__name__}", uncertain=True)
            return self._failed(delivery, unexpected)
        if sent is None:
            return _Settlement("dropped", partial(deliveries.drop, delivery.id))
        return _Settlement("sent", partial(self._record, delivery.id, sent), sent=sent)

    def _record(self, delivery_id: int, sent: Sent) -> None:
        """The platform took it: where the member was found, and that it was sent."""
        deliveries = self._core.deliveries
        with self._core.transactions.use_case():
            if sent.identity is not None:
                deliveries.link(sent.identity)
            deliveries.sent(delivery_id, message_id=sent.message_id)

    def _failed(self, delivery: Delivery, failure: DeliveryError) -> _Settlement:
        deliveries = self._core.deliveries
        now = self._core.clock.now()
        if failure.retry_after is not None and not failure.permanent:
            # Rate limited: the platform refused it, so this was no attempt.
            until = now + timedelta(seconds=failure.retry_after)
            return _Settlement(
                "throttled",
                partial(deliveries.defer, delivery.id, until=until, note=failure.reason),
            )
        retry_at = self._retry_at(delivery, failure, now)
        record = partial(
            deliveries.failed,
            delivery.id,
            error=failure.reason,
            retry_at=retry_at,
            uncertain=failure.uncertain,
        )
        log = (
            "delivery %s failed (attempt %s): %s",
            delivery.id,
            delivery.attempts + 1,
            failure.reason,
        )
        outcome = "retry" if retry_at is not None else "dead"
        return _Settlement(outcome, record, uncertain=failure.uncertain, log=log)

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


@dataclass(frozen=True)
class _Settlement:
    """How a send went, and the database call that records it."""

    outcome: str
    record: Callable[[], None]
    sent: Sent | None = None  # the platform took it
    uncertain: bool = False  # the platform may have taken it
    log: tuple[object, ...] | None = None  # a warning to log once it is recorded


@dataclass(frozen=True)
class _Left:
    """A delivery a database fault left claimed: sent (to be recorded), or to be given
    back, `uncertain` when the platform may have taken it."""

    sent: Sent | None
    uncertain: bool
    claimed_until: datetime  # after that, the claims' own way takes it up
    failures: int = 0  # tries to settle it that failed


@dataclass
class _Run:
    """One run of `send_due`: the claims it holds, and whether the database failed."""

    held: set[int] = field(default_factory=set)  # claimed, not yet recorded or given back
    settled: set[int] = field(default_factory=set)  # recorded
    lost: set[int] = field(default_factory=set)  # claims that ran out before they were held
    # Until when each claim holds at least: a send whose claim may have run out (the
    # database slow to extend it) does not start, as another instance may take it up.
    held_until: dict[int, datetime] = field(default_factory=dict)
    error: Exception | None = None  # the database's last error in this run
    errors: int = 0

    def failed(self, error: Exception) -> None:
        self.error = error
        self.errors += 1

    def hold(self, *, claimed_at: datetime, ids: Iterable[int], span: timedelta) -> None:
        """These claims were made or extended, asked at `claimed_at`, for `span`."""
        for delivery_id in ids:
            self.held_until[delivery_id] = claimed_at + span

    def holds(self, delivery_id: int, *, now: datetime) -> bool:
        until = self.held_until.get(delivery_id)
        return delivery_id not in self.lost and until is not None and now < until


class _LeftError(Exception):
    """Settling what a fault left failed on `error`, for `delivery_ids`."""

    def __init__(self, error: Exception, delivery_ids: set[int]) -> None:
        super().__init__(str(error))
        self.error = error
        self.delivery_ids = delivery_ids


class _NotYetError(Exception):
    """Not now: the delivery waits until `until` (no attempt is counted)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until
