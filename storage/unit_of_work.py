"""The SQLAlchemy unit of work: one session, one transaction."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session, sessionmaker

from bot.clock import SystemClock
from bot.ports import (
    AuditLog,
    Clock,
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
)
from storage.repositories.audit import SqlAuditLog
from storage.repositories.deliveries import SqlDeliveryRepository
from storage.repositories.identities import SqlIdentityRepository
from storage.repositories.installations import SqlInstallationRepository
from storage.repositories.meetings import SqlMeetingRepository
from storage.repositories.members import SqlMemberRepository
from storage.repositories.network import SqlNetworkRepository
from storage.repositories.organisations import SqlOrganisationRepository
from storage.repositories.pillar_cache import PillarCache
from storage.repositories.pillars import SqlPillarRepository
from storage.repositories.processed_events import SqlProcessedEventRepository
from storage.repositories.responses import SqlResponseRepository
from storage.repositories.rounds import SqlRoundRepository
from storage.repositories.summaries import SqlSummaryRepository
from storage.repositories.tombstones import SqlTombstoneRepository


class SqlUnitOfWork:
    """Implements `bot.ports.UnitOfWork`.

    The session opens on `__enter__`; leaving the block rolls back whatever was not
    committed and closes the session. The repositories exist inside the block only.
    """

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

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        clock: Clock | None = None,
        pillar_cache: PillarCache | None = None,
    ) -> None:
        """`pillar_cache`: the process's pillars, shared by every unit of work of one
        database (see `storage.repositories.pillar_cache`)."""
        self._sessions = sessions
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._pillar_cache = pillar_cache if pillar_cache is not None else PillarCache()
        self._session: Session | None = None

    def __enter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("this unit of work is already in use")
        session = self._sessions()
        self._session = session
        self.network = SqlNetworkRepository(session)
        self.organisations = SqlOrganisationRepository(session)
        self.members = SqlMemberRepository(session)
        self.identities = SqlIdentityRepository(session)
        self.installations = SqlInstallationRepository(session)
        pillars = SqlPillarRepository(session, cache=self._pillar_cache)
        self.pillars = pillars
        self.meetings = SqlMeetingRepository(session)
        self.rounds = SqlRoundRepository(session, pillars=pillars)
        self.responses = SqlResponseRepository(session)
        self.deliveries = SqlDeliveryRepository(session)
        self.summaries = SqlSummaryRepository(session)
        self.processed_events = SqlProcessedEventRepository(session)
        self.tombstones = SqlTombstoneRepository(session)
        self.audit = SqlAuditLog(session, clock=self._clock)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self._active_session()
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None

    @property
    def session(self) -> Session:
        """The open session, for storage code (and tests) beyond the repositories."""
        return self._active_session()

    def commit(self) -> None:
        self._active_session().commit()

    def flush(self) -> None:
        self._active_session().flush()

    def rollback(self) -> None:
        self._active_session().rollback()

    def _active_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work in a `with` block")
        return self._session
