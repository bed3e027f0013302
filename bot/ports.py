"""The storage interfaces the core needs; `storage/` implements them.

Every method works inside one unit of work; nothing is written until `commit()`.
Datetimes going in and coming out are timezone-aware UTC.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self

from bot.domain import (
    AuditEntry,
    Delivery,
    DeliveryBacklog,
    DeliveryData,
    DeliveryStatus,
    Identity,
    Installation,
    Meeting,
    MeetingData,
    Member,
    MemberData,
    NetworkInfo,
    Organisation,
    OrganisationData,
    Pillar,
    PillarData,
    Platform,
    Response,
    ResponseData,
    ResponseRevision,
    Round,
    RoundData,
    RoundStatus,
    Summary,
    SummaryStatus,
    Topic,
    TopicData,
)
from bot.round_lifecycle import RoundTransition
from bot.summary.lifecycle import SummaryTransition


class NetworkRepository(Protocol):
    def get(self) -> NetworkInfo | None: ...
    def save(self, info: NetworkInfo) -> None: ...


class OrganisationRepository(Protocol):
    def get(self, organisation_id: int) -> Organisation | None: ...
    def by_slug(self, slug: str) -> Organisation | None: ...
    def list(self, *, include_inactive: bool = False) -> builtins.list[Organisation]: ...
    def add(self, data: OrganisationData) -> Organisation: ...
    def update(self, organisation_id: int, data: OrganisationData) -> None: ...
    def set_active(self, organisation_id: int, active: bool) -> None: ...


class MemberRepository(Protocol):
    def get(self, member_id: int) -> Member | None: ...
    def by_email(self, email: str) -> Member | None:
        """Case-insensitive; finds inactive members too."""
        ...

    def list(self, *, include_inactive: bool = False) -> builtins.list[Member]: ...
    def add(self, data: MemberData) -> Member: ...
    def update(self, member_id: int, data: MemberData) -> None: ...
    def set_active(self, member_id: int, active: bool) -> None: ...
    def set_language(self, member_id: int, language: str) -> None: ...
    def set_out_of_office(self, member_id: int, until: date | None) -> None: ...
    def erase(self, member_id: int, *, at: datetime) -> None:
        """Scrub name and e-mail and deactivate; the row stays for the audit trail."""
        ...


class IdentityRepository(Protocol):
    def find(self, platform: Platform, tenant: str, user_id: str) -> Identity | None: ...
    def for_member(self, member_id: int) -> builtins.list[Identity]: ...
    def save(self, identity: Identity) -> None:
        """Add, or replace the one with the same platform, tenant and user id."""
        ...

    def delete_for_member(self, member_id: int) -> int: ...


class PillarRepository(Protocol):
    def get(self, pillar_id: int) -> Pillar | None: ...
    def by_slug(self, slug: str) -> Pillar | None: ...
    def list(self) -> builtins.list[Pillar]: ...
    def add(self, data: PillarData) -> Pillar: ...
    def update(self, pillar_id: int, data: PillarData) -> None: ...
    def all_topics(self, pillar_id: int) -> builtins.list[Topic]:
        """Active and inactive topics of a pillar."""
        ...

    def add_topic(self, pillar_id: int, data: TopicData) -> Topic: ...
    def update_topic(self, topic_id: int, data: TopicData) -> None: ...
    def set_topic_active(self, topic_id: int, active: bool) -> None: ...
    def get_topic(self, topic_id: int) -> Topic | None: ...
    def set_channel(self, pillar_id: int, platform: Platform, channel_id: str | None) -> None: ...


class MeetingRepository(Protocol):
    def get(self, meeting_id: int) -> Meeting | None: ...
    def add(self, data: MeetingData) -> Meeting: ...


class RoundRepository(Protocol):
    def get(self, round_id: int, *, lock: bool = False) -> Round | None: ...
    def take(self, *, statuses: Collection[RoundStatus]) -> builtins.list[Round]:
        """Rounds in `statuses`, locked until commit; those locked elsewhere are skipped."""
        ...

    def set_reminders_done(self, round_id: int, done: int) -> None: ...
    def list(self, *, statuses: Collection[RoundStatus] | None = None) -> builtins.list[Round]: ...
    def add(self, data: RoundData, *, status: RoundStatus) -> Round: ...
    def set_status(self, round_id: int, transition: RoundTransition) -> None:
        """Move the round along `transition`, in one statement and only while it is in the
        transition's source state: otherwise StatusChanged, and nothing changes."""
        ...

    def add_decline(self, round_id: int, member_id: int, *, at: datetime) -> None: ...
    def remove_decline(self, round_id: int, member_id: int) -> None: ...
    def declined_member_ids(self, round_id: int) -> set[int]: ...
    def delete_declines_of(self, member_id: int) -> int: ...
    def count_by_status(self) -> dict[RoundStatus, int]:
        """Every status, with 0 for those no round has."""
        ...


class ResponseRepository(Protocol):
    def get(self, response_id: int) -> Response | None: ...
    def for_round(
        self, round_id: int, *, include_withdrawn: bool = False
    ) -> builtins.list[Response]: ...
    def for_member(
        self, member_id: int, *, include_withdrawn: bool = False
    ) -> builtins.list[Response]: ...
    def add(self, data: ResponseData, *, at: datetime) -> Response: ...
    def update(self, response_id: int, data: ResponseData, *, at: datetime) -> None:
        """Change a response; the version it replaces is kept as a revision."""
        ...

    def withdraw(self, response_id: int, *, at: datetime) -> None: ...
    def revisions(self, response_id: int) -> builtins.list[ResponseRevision]: ...
    def delete_for_member(self, member_id: int) -> int:
        """Delete a member's responses with their revisions; returns how many."""
        ...

    def anonymise_for_member(self, member_id: int) -> int:
        """Unlink a member's responses, make them anonymous, drop their revisions."""
        ...

    def anonymise_for_round(self, round_id: int) -> int:
        """Make a round's responses anonymous (unlinked, no revisions); returns how many
        changed."""
        ...

    def delete_for_round(self, round_id: int) -> int: ...


class DeliveryRepository(Protocol):
    def add(self, data: DeliveryData) -> Delivery: ...
    def for_round(self, round_id: int) -> builtins.list[Delivery]: ...
    def set_status(self, delivery_id: int, status: DeliveryStatus) -> None: ...
    def claim_due(
        self, now: datetime, *, worker: str, until: datetime, limit: int, direct: bool = True
    ) -> builtins.list[Delivery]:
        """Due deliveries, now owned by `worker` until `until`; `direct` False leaves the
        direct messages (outside working hours). A claim that ran out is taken over and the
        delivery marked `uncertain`."""
        ...

    def mark_sent(self, delivery_id: int, *, message_id: str | None) -> None: ...
    def mark_failed(
        self, delivery_id: int, *, error: str, retry_at: datetime | None, uncertain: bool = False
    ) -> None: ...
    def defer(self, delivery_id: int, *, until: datetime, note: str | None = None) -> None:
        """Pending again from `until`, without counting an attempt."""
        ...

    def release(
        self, delivery_ids: Collection[int], *, worker: str, uncertain: bool = False
    ) -> int:
        """Give back the claims `worker` still holds on these deliveries: pending again at
        their due time. `uncertain`: a send was under way and may have arrived."""
        ...

    def extend_claims(
        self, delivery_ids: Collection[int], *, worker: str, until: datetime
    ) -> set[int]:
        """Hold the claims `worker` still has on these deliveries until `until`; returns
        the ids it still holds (a claim that ran out may have been taken up elsewhere)."""
        ...

    def get(self, delivery_id: int) -> Delivery | None: ...
    def delete_for_member(self, member_id: int) -> int: ...
    def backlog(self, now: datetime) -> DeliveryBacklog:
        """Counts only (one grouped query): by status, every status present with 0 for
        none; and the pending deliveries due by `now`."""
        ...


class ProcessedEventRepository(Protocol):
    def first_time(self, platform: Platform, event_id: str, *, at: datetime) -> bool: ...
    def forget_before(self, moment: datetime) -> int: ...


class SummaryRepository(Protocol):
    def add(
        self, round_id: int, *, status: SummaryStatus, body: dict[str, object], at: datetime
    ) -> Summary: ...
    def latest_for_round(self, round_id: int) -> Summary | None: ...
    def rewrite_for_round(self, round_id: int, *, body: dict[str, object]) -> int:
        """Replace the body of every stored summary of the round; returns how many."""
        ...

    def update(self, summary_id: int, *, body: dict[str, object]) -> None:
        """Replace the body; the status stays."""
        ...

    def set_status(self, summary_id: int, transition: SummaryTransition) -> None:
        """Like `RoundRepository.set_status`, for a summary."""
        ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    def list(
        self, *, subject_type: str | None = None, subject_id: int | None = None
    ) -> builtins.list[AuditEntry]: ...


class InstallationRepository(Protocol):
    def save(self, installation: Installation) -> None:
        """Add, or replace the one with the same platform and conversation id."""
        ...

    def remove(self, platform: Platform, conversation_id: str) -> int: ...
    def list(self, platform: Platform) -> builtins.list[Installation]: ...


class TombstoneRepository(Protocol):
    """Erased members' e-mail addresses as keyed hashes (see `bot.tombstones`)."""

    def key(self) -> bytes | None:
        """The key of the hashes; None until the first erasure."""
        ...

    def make_key(self) -> bytes: ...
    def add(self, email_hash: str, *, at: datetime) -> None: ...
    def contains(self, email_hash: str) -> bool: ...
    def present(self, email_hashes: Collection[str]) -> set[str]:
        """Those of `email_hashes` that have a tombstone."""
        ...

    def remove(self, email_hash: str) -> bool: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the `with` block without `commit()` rolls back."""

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

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def flush(self) -> None:
        """Send the writes so far to the database, without committing them."""
        ...

    def rollback(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class PacingLedger(Protocol):
    """When each pacing lane is free again (see `bot.outbox.pacing`), kept where every
    instance that sends through the same platform account can book from it."""

    blocking: bool  # True: `reserve` waits for I/O, so call it from a thread

    def reserve(self, key: str, *, at: float, interval: float, tolerance: float) -> float:
        """Book the first slot from `at` on in lane `key`, whose calls are `interval`
        seconds apart with bursts of `tolerance` seconds ahead; returns the slot. Times
        are seconds since the Unix epoch."""
        ...

    def give_back(self, key: str, *, interval: float) -> None:
        """Undo one booking in lane `key`: the call was refused and did not count."""
        ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...
