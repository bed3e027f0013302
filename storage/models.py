"""The tables, as SQLAlchemy declarative models.

Rows are named `...Row` so they never mix with the domain records of `bot.domain`.
Enum-like columns are short strings rather than native enums, so a new status is a code
change, not a migration. Every moment is a `UTCDateTime`.

ON DELETE rules: what a parent owns goes with it (CASCADE: a pillar's topics, a round's
responses); what history points at cannot be deleted underneath it (RESTRICT: an
organisation, a topic); a pointer to who did something is cleared (SET NULL).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.columns import UTCDateTime

# Named constraints, so that later batch migrations on SQLite can find and drop them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SLUG = 100
NAME = 200
TITLE = 300
STATUS = 16  # statuses, platforms, kinds, audiences, attributions
EXTERNAL_ID = 255  # ids that Slack or Teams hand out
LANGUAGE = 8
REVISION_TOKEN = 32  # a uuid4 in hex
PACING_KEY = 512  # a platform's prefix and a conversation id, which Teams makes long


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class NetworkRow(Base):
    """The one network this installation serves."""

    __tablename__ = "network"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME))
    language: Mapped[str] = mapped_column(String(LANGUAGE))
    timezone: Mapped[str] = mapped_column(String(64))
    # Slack team or enterprise ids, and the default Entra ID tenants, the network trusts.
    slack_workspaces: Mapped[list[str]] = mapped_column(JSON, default=list)
    teams_tenants: Mapped[list[str]] = mapped_column(JSON, default=list)


class NetworkRevisionRow(Base):
    """A new random token whenever a pillar, topic or pillar channel changes, so each
    process can tell whether the pillars it keeps are current
    (see `storage.repositories.pillar_cache`)."""

    __tablename__ = "network_revision"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(REVISION_TOKEN))


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG), unique=True)
    name: Mapped[str] = mapped_column(String(NAME))
    code: Mapped[str | None] = mapped_column(String(16))
    province: Mapped[str | None] = mapped_column(String(NAME))
    teams_tenant: Mapped[str | None] = mapped_column(String(EXTERNAL_ID))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class MemberRow(Base):
    """A person. `email` is stored lowercased, which makes it unique case-insensitively.

    Roles and pillar slugs are short JSON lists: they are read with the member, never
    queried on their own.
    """

    __tablename__ = "members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(NAME))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    roles: Mapped[list[str]] = mapped_column(JSON)
    lead_of: Mapped[list[str]] = mapped_column(JSON)
    pillars: Mapped[list[str]] = mapped_column(JSON)
    language: Mapped[str] = mapped_column(String(LANGUAGE))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    out_of_office_until: Mapped[date | None] = mapped_column(Date)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IdentityRow(Base):
    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("platform", "tenant", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(STATUS))
    tenant: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    user_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    # A Slack DM channel id or a serialised Teams ConversationReference.
    address: Mapped[str | None] = mapped_column(Text)
    # Slack: the Enterprise Grid organisation the tenant (team) belongs to; "" for none.
    enterprise: Mapped[str] = mapped_column(String(EXTERNAL_ID), default="", server_default="")


class InstallationRow(Base):
    """A team the bot was added to (Teams), with the reference to reach its service."""

    __tablename__ = "installations"
    __table_args__ = (UniqueConstraint("platform", "conversation_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(STATUS))
    tenant: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    conversation_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    name: Mapped[str] = mapped_column(String(NAME))
    address: Mapped[str] = mapped_column(Text)


class PillarRow(Base):
    __tablename__ = "pillars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(SLUG), unique=True)
    name: Mapped[str] = mapped_column(String(NAME))


class TopicRow(Base):
    __tablename__ = "topics"
    __table_args__ = (UniqueConstraint("pillar_id", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillars.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(SLUG))
    name: Mapped[str] = mapped_column(String(NAME))
    description: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PillarChannelRow(Base):
    """Where a pillar's summaries go on one platform."""

    __tablename__ = "pillar_channels"
    __table_args__ = (Index("ix_pillar_channels_platform_channel_id", "platform", "channel_id"),)

    pillar_id: Mapped[int] = mapped_column(
        ForeignKey("pillars.id", ondelete="CASCADE"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(STATUS), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))


class MeetingRow(Base):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    pillar_id: Mapped[int | None] = mapped_column(
        ForeignKey("pillars.id", ondelete="RESTRICT"), index=True
    )
    place: Mapped[str | None] = mapped_column(String(TITLE))


class RoundRow(Base):
    __tablename__ = "rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[str] = mapped_column(String(STATUS), index=True)
    question: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(String(STATUS))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Seconds before closing, e.g. [604800, 172800] for "7d,2d".
    reminders: Mapped[list[float]] = mapped_column(JSON)
    remind_per_organisation: Mapped[bool] = mapped_column(Boolean, default=False)
    # Also remind at the start of the working day on which the round closes.
    remind_last_morning: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # How many of the round's reminder moments (in time order) have been handled.
    reminders_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    post_summary_directly: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )

    meeting: Mapped[MeetingRow] = relationship(viewonly=True)
    pillar_links: Mapped[list[RoundPillarRow]] = relationship(
        order_by="RoundPillarRow.pillar_id", cascade="all, delete-orphan", passive_deletes=True
    )


class RoundPillarRow(Base):
    __tablename__ = "round_pillars"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    pillar_id: Mapped[int] = mapped_column(
        ForeignKey("pillars.id", ondelete="RESTRICT"), primary_key=True, index=True
    )


class RoundDeclineRow(Base):
    """A member said "nothing this time" for a round: no more reminders."""

    __tablename__ = "round_declines"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class ResponseRow(Base):
    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    # NULL once the member is erased and the response kept anonymously.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="RESTRICT"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    network_help: Mapped[str] = mapped_column(Text)
    attribution: Mapped[str] = mapped_column(String(STATUS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ResponseRevisionRow(Base):
    """A response as it was before one edit."""

    __tablename__ = "response_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="RESTRICT"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    network_help: Mapped[str] = mapped_column(Text)
    attribution: Mapped[str] = mapped_column(String(STATUS))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DeliveryRow(Base):
    """One message to send; `claimed_until`/`claimed_by` let bot instances share the work."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_due_at", "status", "due_at"),
        CheckConstraint("member_id IS NOT NULL OR channel IS NOT NULL", name="has_recipient"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(STATUS))
    status: Mapped[str] = mapped_column(String(STATUS))
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(TITLE))  # "platform:channel-id"
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    platform_message_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(EXTERNAL_ID))
    # The last attempt may have reached the platform (its claim ran out, or the answer was
    # a 5xx or a timeout): look for the message there before sending it again.
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class SummaryRow(Base):
    __tablename__ = "summaries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(STATUS))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class AuditEventRow(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(SLUG))
    subject_type: Mapped[str] = mapped_column(String(50))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class TombstoneRow(Base):
    """An erased member's e-mail, as a keyed hash (HMAC-SHA-256 with the key below): enough
    to recognise the address when a network file or import brings it back, not to read it."""

    __tablename__ = "tombstones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), unique=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TombstoneKeyRow(Base):
    """The key of the tombstones' hashes, made at the first erasure. It travels with the
    network (export and import), so tombstones keep working on another server."""

    __tablename__ = "tombstone_key"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))  # 32 random bytes, hex


class ProcessedEventRow(Base):
    """A platform event already handled, so a retried delivery of it is ignored."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(STATUS))
    event_id: Mapped[str] = mapped_column(String(EXTERNAL_ID))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SendPacingRow(Base):
    """When a pacing lane (a platform limit, see `bot.outbox.pacing`) is free again:
    one row per lane, shared by every instance that sends through the platform account."""

    __tablename__ = "send_pacing"

    key: Mapped[str] = mapped_column(String(PACING_KEY), primary_key=True)
    next_at: Mapped[float] = mapped_column(Double)  # seconds since the Unix epoch
