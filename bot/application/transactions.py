"""One use case, one transaction.

`Transactions` is the unit-of-work factory the services get. Outside a use case it opens
a unit of work of its own, as the database's factory does. Inside `use_case()`, every unit
of work a service opens joins the use case's one: its `commit()` only flushes, so later
reads see the writes, and the use case commits them all together when it ends, or rolls
them all back when it fails. A turn of the conversation, a delivery being prepared or a
screen being built is thus one transaction, however many services it asks.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import TracebackType
from typing import Self

from bot.ports import (
    AuditLog,
    DeliveryRepository,
    IdentityRepository,
    InstallationRepository,
    MeetingRepository,
    MemberRepository,
    NetworkRepository,
    OrganisationRepository,
    PillarRepository,
    ProcessedEventRepository,
    ResponseRepository,
    RoundRepository,
    SummaryRepository,
    TombstoneRepository,
    UnitOfWork,
    UnitOfWorkFactory,
)


class Transactions:
    def __init__(self, factory: UnitOfWorkFactory) -> None:
        self._factory = factory
        # Per thread and per task (a context variable): each request's use case is its own.
        self._current: ContextVar[UnitOfWork | None] = ContextVar("use_case", default=None)

    def __call__(self) -> UnitOfWork:
        current = self._current.get()
        return self._factory() if current is None else _Joined(current)

    @contextmanager
    def use_case(self) -> Iterator[UnitOfWork]:
        """The unit of work of one use case, committed when the block ends without an
        exception. A use case started inside another is part of it."""
        current = self._current.get()
        if current is not None:
            yield current
            return
        with self._factory() as uow:
            token = self._current.set(uow)
            try:
                yield uow
                uow.commit()
            finally:
                self._current.reset(token)

    @property
    def in_use_case(self) -> bool:
        return self._current.get() is not None


class _Joined:
    """A service's unit of work inside a use case: the use case's own, which only the use
    case commits or rolls back."""

    network: NetworkRepository
    organisations: OrganisationRepository
    members: MemberRepository
    identities: IdentityRepository
    installations: InstallationRepository
    pillars: PillarRepository
    meetings: MeetingRepository
    rounds: RoundRepository
    responses: ResponseRepository
    deliveries: DeliveryRepository
    summaries: SummaryRepository
    processed_events: ProcessedEventRepository
    tombstones: TombstoneRepository
    audit: AuditLog

    def __init__(self, outer: UnitOfWork) -> None:
        self._outer = outer

    def __enter__(self) -> Self:
        outer = self._outer
        self.network = outer.network
        self.organisations = outer.organisations
        self.members = outer.members
        self.identities = outer.identities
        self.installations = outer.installations
        self.pillars = outer.pillars
        self.meetings = outer.meetings
        self.rounds = outer.rounds
        self.responses = outer.responses
        self.deliveries = outer.deliveries
        self.summaries = outer.summaries
        self.processed_events = outer.processed_events
        self.tombstones = outer.tombstones
        self.audit = outer.audit
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """An exception goes on to the use case, which rolls everything back."""

    def commit(self) -> None:
        self._outer.flush()

    def flush(self) -> None:
        self._outer.flush()

    def rollback(self) -> None:
        raise RuntimeError("a service cannot roll back part of a use case; raise instead")
