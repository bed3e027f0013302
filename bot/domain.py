"""The domain of DESIGN.md as plain, immutable records.

Repositories return these; nothing here knows how they are stored. `...Data` records are
what callers hand to a repository to add or change something (no id yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

# The longest answer (its text, and what the network could do) a member may give: what
# every surface holds in one input, Slack's plain_text_input (3,000) being the smallest.
# Answers stored longer (imported, or given before) keep their length when edited.
ANSWER_MAX_CHARS = 3000


class Role(StrEnum):
    MEMBER = "member"
    LEAD = "lead"
    SECRETARIAT = "secretariat"
    ADMIN = "admin"


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    CONSOLE = "console"


class RoundStatus(StrEnum):
    """Where a round is in its lifecycle; `bot.round_lifecycle` says how it moves."""

    DRAFT = "draft"  # being prepared; members are not asked yet
    SCHEDULED = "scheduled"  # will open at `opens_at`
    OPEN = "open"  # members are asked and may answer
    CLOSED = "closed"  # answers are final; the summary is not stored yet
    SUMMARISED = "summarised"  # the summary is stored
    CANCELLED = "cancelled"  # called off before it closed


class Audience(StrEnum):
    PILLAR = "pillar"  # members who follow the round's pillar(s)
    ALL = "all"  # every active member


class Attribution(StrEnum):
    NAME = "name"
    ORGANISATION = "organisation"
    ANONYMOUS = "anonymous"


class DeliveryKind(StrEnum):
    INVITATION = "invitation"
    REMINDER = "reminder"
    CONFIRMATION = "confirmation"
    SUMMARY = "summary"  # the round's themes, to a channel
    STATUS = "status"  # the round's response per municipality, to a channel


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    DEAD = "dead"
    DROPPED = "dropped"


class SummaryStatus(StrEnum):
    """Where a summary is in its review; `bot.summary.lifecycle` says how it moves."""

    DRAFT = "draft"
    APPROVED = "approved"
    POSTED = "posted"


# The tenant of an identity given in the network file: valid in any Slack team or Teams tenant.
ANY_TENANT = ""


@dataclass(frozen=True, kw_only=True)
class NetworkInfo:
    name: str
    language: str
    timezone: str
    # Whose word on a person's e-mail the network believes (see `bot.trust`): Slack team or
    # enterprise ids, and the Entra ID tenants of organisations without one of their own.
    slack_workspaces: tuple[str, ...] = ()
    teams_tenants: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class OrganisationData:
    slug: str
    name: str
    code: str | None = None
    province: str | None = None
    teams_tenant: str | None = None  # its own Entra ID tenant; None: the network's defaults


@dataclass(frozen=True, kw_only=True)
class Organisation(OrganisationData):
    id: int
    active: bool = True

    def data(self) -> OrganisationData:
        return OrganisationData(
            slug=self.slug,
            name=self.name,
            code=self.code,
            province=self.province,
            teams_tenant=self.teams_tenant,
        )


@dataclass(frozen=True, kw_only=True)
class MemberData:
    email: str
    name: str
    organisation_id: int
    roles: frozenset[Role] = frozenset({Role.MEMBER})
    lead_of: frozenset[str] = frozenset()
    pillars: frozenset[str] = frozenset()  # empty: follows every pillar
    language: str = "nl"


@dataclass(frozen=True, kw_only=True)
class Member(MemberData):
    id: int
    active: bool = True
    out_of_office_until: date | None = None

    def data(self) -> MemberData:
        return MemberData(
            email=self.email,
            name=self.name,
            organisation_id=self.organisation_id,
            roles=self.roles,
            lead_of=self.lead_of,
            pillars=self.pillars,
            language=self.language,
        )

    @property
    def is_secretariat(self) -> bool:
        return bool(self.roles & {Role.SECRETARIAT, Role.ADMIN})

    def leads(self, pillar_slug: str) -> bool:
        return Role.LEAD in self.roles and pillar_slug in self.lead_of

    def follows(self, pillar_slug: str) -> bool:
        return not self.pillars or pillar_slug in self.pillars


@dataclass(frozen=True, kw_only=True)
class Identity:
    member_id: int
    platform: Platform
    tenant: str
    user_id: str
    address: str | None = None  # what the platform needs to message proactively
    enterprise: str = ""  # Slack: the Enterprise Grid organisation of the tenant, if any


@dataclass(frozen=True, kw_only=True)
class Installation:
    """A team the bot was added to on a platform (Teams), remembered so that the bot can
    look for members there and post to its channels."""

    platform: Platform
    tenant: str
    conversation_id: str  # the team's id
    name: str = ""
    address: str  # serialised reference: how to reach the team's service


@dataclass(frozen=True, kw_only=True)
class TopicData:
    slug: str
    name: str
    description: str


@dataclass(frozen=True, kw_only=True)
class Topic(TopicData):
    id: int
    pillar_id: int
    active: bool = True

    def data(self) -> TopicData:
        return TopicData(slug=self.slug, name=self.name, description=self.description)


@dataclass(frozen=True, kw_only=True)
class PillarData:
    slug: str
    name: str


@dataclass(frozen=True, kw_only=True)
class Pillar(PillarData):
    id: int
    topics: tuple[Topic, ...] = ()  # active topics only
    channels: dict[str, str] = field(default_factory=dict)  # platform -> channel id

    def topic(self, slug: str) -> Topic | None:
        return next((t for t in self.topics if t.slug == slug), None)


@dataclass(frozen=True, kw_only=True)
class MeetingData:
    title: str
    starts_at: datetime
    pillar_id: int | None = None
    place: str | None = None


@dataclass(frozen=True, kw_only=True)
class Meeting(MeetingData):
    id: int


@dataclass(frozen=True, kw_only=True)
class RoundData:
    meeting_id: int
    pillar_ids: tuple[int, ...]
    question: str
    audience: Audience
    opens_at: datetime
    closes_at: datetime
    reminders: tuple[timedelta, ...] = ()  # before closing
    remind_last_morning: bool = False  # also at the start of the working day it closes
    remind_per_organisation: bool = False  # stop once a colleague of the organisation answered
    post_summary_directly: bool = False
    created_by: int | None = None


@dataclass(frozen=True, kw_only=True)
class Round(RoundData):
    id: int
    meeting: Meeting
    status: RoundStatus
    pillars: tuple[Pillar, ...]  # those of `pillar_ids`, with their topics and channels
    reminders_done: int = 0  # reminder moments handled so far, in time order

    def is_open_at(self, moment: datetime) -> bool:
        return self.status == RoundStatus.OPEN and moment < self.closes_at


@dataclass(frozen=True, kw_only=True)
class ResponseData:
    round_id: int
    member_id: int
    organisation_id: int
    topic_id: int | None  # None: "anders / other"
    text: str
    network_help: str
    attribution: Attribution


@dataclass(frozen=True, kw_only=True)
class Response:
    id: int
    round_id: int
    member_id: int | None  # None once anonymised on erasure
    organisation_id: int
    topic_id: int | None
    text: str
    network_help: str
    attribution: Attribution
    created_at: datetime
    edited_at: datetime | None = None
    withdrawn_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ResponseRevision:
    """A version of a response as it was before an edit."""

    response_id: int
    topic_id: int | None
    text: str
    network_help: str
    attribution: Attribution
    replaced_at: datetime


@dataclass(frozen=True)
class Channel:
    """A channel on a platform, where posts go."""

    platform: Platform
    id: str

    def __str__(self) -> str:
        """As the audit log and the messages name it: `slack:C0123`."""
        return f"{self.platform.value}:{self.id}"


@dataclass(frozen=True, kw_only=True)
class DeliveryData:
    kind: DeliveryKind
    due_at: datetime
    round_id: int | None = None
    member_id: int | None = None
    channel: Channel | None = None  # for posts to a channel


@dataclass(frozen=True, kw_only=True)
class Delivery(DeliveryData):
    id: int
    status: DeliveryStatus
    attempts: int = 0
    last_error: str | None = None
    platform_message_id: str | None = None
    uncertain: bool = False  # the last attempt may have reached the platform


@dataclass(frozen=True, kw_only=True)
class DeliveryBacklog:
    """All deliveries counted by status; of the pending ones, how many are due by a given
    moment and when the earliest of those was due (None: none is due); of the claimed ones,
    how many claims ran out by then (their instance stopped without giving them back)."""

    by_status: dict[DeliveryStatus, int]
    due: int
    oldest_due_at: datetime | None
    expired_claims: int = 0


@dataclass(frozen=True, kw_only=True)
class Summary:
    id: int
    round_id: int
    status: SummaryStatus
    created_at: datetime
    body: dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One change. `details` holds ids and settings, never a member's text."""

    action: str
    subject_type: str
    subject_id: int | None
    actor_member_id: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None  # filled in by the audit log when left out
