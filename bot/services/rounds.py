"""Input rounds (uitvragen): create, open, list and close them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.domain import (
    Audience,
    AuditEntry,
    DeliveryData,
    DeliveryKind,
    DeliveryStatus,
    MeetingData,
    Member,
    Pillar,
    Round,
    RoundData,
    RoundStatus,
)
from bot.errors import InbrengError, raise_if_any
from bot.lifecycle import StatusChanged
from bot.permissions import Actor, Permission, member_id_of, require
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.round_lifecycle import ACTIVE, ROUND_LIFECYCLE, RoundEvent
from bot.sending_window import SendingWindow
from bot.services.audience import audience_of, in_audience
from bot.services.deliveries import queue_channel_posts
from bot.services.lookup import round_or_refuse
from bot.services.reminders import reminder_moments, still_to_remind
from bot.services.summary.build import Phrasing, build_summary, phrase_round
from bot.summary.lifecycle import SUMMARY_LIFECYCLE, SummaryEvent
from bot.themes.phrasing import LanguageModel

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
MAX_TITLE_CHARS = 200


@dataclass(frozen=True, kw_only=True)
class RoundRequest:
    """What a secretariat member asks for; `pillar_slug` None is a members' meeting."""

    pillar_slug: str | None
    meeting_at: datetime
    closes_at: datetime
    opens_at: datetime | None = None  # None: now
    meeting_title: str = ""
    place: str = ""
    question: str = ""  # empty: the default question, in each member's language
    reminders: tuple[timedelta, ...] = ()
    remind_last_morning: bool = False
    audience: Audience = Audience.PILLAR
    remind_per_organisation: bool = False
    post_summary_directly: bool = False


class RoundService:
    def __init__(
        self,
        *,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        window: SendingWindow,
        model: LanguageModel | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._window = window
        self._model = model  # the network's, to phrase summaries; None: offline only

    def create(self, request: RoundRequest, *, actor: Actor, draft: bool = False) -> Round:
        """A new round, scheduled (and opened, when `opens_at` has come); with `draft`, kept
        as a draft that nobody is asked for until it is scheduled."""
        require(actor, Permission.MANAGE_ROUNDS)
        actor_id = member_id_of(actor)
        now = self._clock.now()
        opens_at = request.opens_at or now
        with self._uow_factory() as uow:
            pillars = self._pillars_for(uow, request.pillar_slug)
            self.validate(request, opens_at=opens_at, now=now)
            title = request.meeting_title.strip() or " / ".join(p.name for p in pillars)
            meeting = uow.meetings.add(
                MeetingData(
                    title=title,
                    starts_at=request.meeting_at,
                    pillar_id=pillars[0].id if request.pillar_slug else None,
                    place=request.place.strip() or None,
                )
            )
            round_ = uow.rounds.add(
                RoundData(
                    meeting_id=meeting.id,
                    pillar_ids=tuple(p.id for p in pillars),
                    question=request.question.strip(),
                    audience=request.audience,
                    opens_at=opens_at,
                    closes_at=request.closes_at,
                    reminders=request.reminders,
                    remind_last_morning=request.remind_last_morning,
                    remind_per_organisation=request.remind_per_organisation,
                    post_summary_directly=request.post_summary_directly,
                    created_by=actor_id,
                ),
                status=ROUND_LIFECYCLE.initial,
            )
            uow.audit.record(
                AuditEntry(
                    action="round.created",
                    subject_type="round",
                    subject_id=round_.id,
                    actor_member_id=actor_id,
                    details={"meeting_id": meeting.id, "pillars": [p.slug for p in pillars]},
                )
            )
            if not draft:
                self._schedule(uow, round_, actor_id=actor_id)
            uow.commit()
            return round_or_refuse(uow, round_.id)

    def schedule(self, round_id: int, *, actor: Actor) -> Round:
        """Schedule a draft: it opens at its `opens_at`, or now when that has passed."""
        require(actor, Permission.MANAGE_ROUNDS)
        actor_id = member_id_of(actor)
        with self._uow_factory() as uow:
            round_ = round_or_refuse(uow, round_id, lock=True)
            ROUND_LIFECYCLE.next(round_.status, RoundEvent.SCHEDULE, round_id=round_id)
            if round_.closes_at <= self._clock.now():
                raise InbrengError("closes_in_past", field="closes_at")
            uow.audit.record(
                AuditEntry(
                    action="round.scheduled",
                    subject_type="round",
                    subject_id=round_.id,
                    actor_member_id=actor_id,
                )
            )
            self._schedule(uow, round_, actor_id=actor_id)
            uow.commit()
            return round_or_refuse(uow, round_id)

    def cancel(self, round_id: int, *, actor: Actor) -> Round:
        """Call off a round that has not closed: what was not sent yet is dropped, answers
        already given stay (retention applies to them as to a closed round's)."""
        require(actor, Permission.MANAGE_ROUNDS)
        actor_id = member_id_of(actor)
        with self._uow_factory() as uow:
            round_ = round_or_refuse(uow, round_id, lock=True)
            self._move(uow, round_, RoundEvent.CANCEL)
            dropped = 0
            for delivery in uow.deliveries.for_round(round_.id):
                if delivery.status == DeliveryStatus.PENDING:
                    uow.deliveries.set_status(delivery.id, DeliveryStatus.DROPPED)
                    dropped += 1
            uow.audit.record(
                AuditEntry(
                    action="round.cancelled",
                    subject_type="round",
                    subject_id=round_.id,
                    actor_member_id=actor_id,
                    details={"was": round_.status.value, "dropped": dropped},
                )
            )
            uow.commit()
            return round_or_refuse(uow, round_id)

    def open_due(self) -> list[Round]:
        """Open every scheduled round whose opening time has come."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            opening = ROUND_LIFECYCLE.sources(RoundEvent.OPEN)
            due = [r for r in uow.rounds.take(statuses=opening) if r.opens_at <= now]
            for round_ in due:
                self._open(uow, round_, actor_id=None)
            uow.commit()
            return [round_or_refuse(uow, r.id) for r in due]

    def remind_due(self) -> dict[int, int]:
        """Queue reminders for every open round with a reminder moment due; returns the
        number queued per round.

        A moment missed while the bot was down is caught up, but of several missed ones
        only one reminder goes out. Who is reminded is checked again when it is sent."""
        now = self._clock.now()
        queued: dict[int, int] = {}
        with self._uow_factory() as uow:
            for round_ in uow.rounds.take(statuses=[RoundStatus.OPEN]):
                moments = reminder_moments(round_, self._window)
                due = [m for m in moments[round_.reminders_done :] if m <= now]
                if not due or now >= round_.closes_at:
                    continue
                # Whose invitation still waits (out of office, or outside working hours)
                # gets that first; a reminder beside it would say the same twice.
                waiting = {
                    d.member_id
                    for d in uow.deliveries.for_round(round_.id)
                    if d.kind == DeliveryKind.INVITATION
                    and d.status in (DeliveryStatus.PENDING, DeliveryStatus.CLAIMED)
                }
                members = [
                    m for m in audience_of(round_, uow.members.list()) if m.id not in waiting
                ]
                targets = still_to_remind(uow, round_, members)
                for member in targets:
                    uow.deliveries.add(
                        DeliveryData(
                            kind=DeliveryKind.REMINDER,
                            due_at=now,
                            round_id=round_.id,
                            member_id=member.id,
                        )
                    )
                uow.rounds.set_reminders_done(round_.id, round_.reminders_done + len(due))
                uow.audit.record(
                    AuditEntry(
                        action="round.reminded",
                        subject_type="round",
                        subject_id=round_.id,
                        details={
                            "moment": due[-1].isoformat(),
                            "reminders": len(targets),
                            "missed_moments": len(due) - 1,
                        },
                    )
                )
                queued[round_.id] = len(targets)
            uow.commit()
        return queued

    def close_due(self) -> list[Round]:
        """Close every round whose closing time has come (a scheduled one that never
        opened, too: the bot was down all along), then summarise every closed round."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            due = [r for r in uow.rounds.take(statuses=ACTIVE) if r.closes_at <= now]
            for round_ in due:
                self._close(uow, round_, actor_id=None)
            uow.commit()
        self.summarise_due()
        with self._uow_factory() as uow:
            return [round_or_refuse(uow, r.id) for r in due]

    def close(self, round_id: int, *, actor: Actor) -> Round:
        """Close a round, then store its summary draft; unsent invitations are dropped."""
        require(actor, Permission.MANAGE_ROUNDS)
        actor_id = member_id_of(actor)
        with self._uow_factory() as uow:
            round_ = round_or_refuse(uow, round_id, lock=True)
            self._close(uow, round_, actor_id=actor_id)
            uow.commit()
        self._summarise(round_id, actor_id=actor_id)
        with self._uow_factory() as uow:
            return round_or_refuse(uow, round_id)

    def summarise_due(self) -> list[int]:
        """Store the summary of every closed round: the ones just closed, and any left
        closed by a process that stopped in between. Returns the rounds summarised."""
        with self._uow_factory() as uow:
            summarising = ROUND_LIFECYCLE.sources(RoundEvent.SUMMARISE)
            closed = [r.id for r in uow.rounds.list(statuses=summarising)]
        return [round_id for round_id in closed if self._summarise(round_id, actor_id=None)]

    def _summarise(self, round_id: int, *, actor_id: int | None) -> bool:
        """Summarise one closed round in a unit of work of its own; False when it is no
        longer closed (another instance was first)."""
        phrasing = self._phrasings([round_id]).get(round_id)
        try:
            with self._uow_factory() as uow:
                round_ = uow.rounds.get(round_id, lock=True)
                if round_ is None or not ROUND_LIFECYCLE.allows(
                    round_.status, RoundEvent.SUMMARISE
                ):
                    return False
                self._store_summary(uow, round_, actor_id=actor_id, phrasing=phrasing)
                uow.commit()
        except StatusChanged:
            logger.info("round %s was summarised elsewhere", round_id)
            return False
        return True

    def _phrasings(self, round_ids: list[int]) -> dict[int, Phrasing]:
        """The network's model phrases each summary before the unit of work that stores
        it, which so holds no locks while the model takes its time."""
        if self._model is None:
            return {}
        return {
            round_id: phrasing
            for round_id in round_ids
            if (phrasing := phrase_round(self._uow_factory, round_id, self._model)) is not None
        }

    def get(self, round_id: int) -> Round:
        with self._uow_factory() as uow:
            return round_or_refuse(uow, round_id)

    def find(self, *, statuses: list[RoundStatus] | None = None) -> list[Round]:
        with self._uow_factory() as uow:
            return uow.rounds.list(statuses=statuses)

    def open_for(self, member: Member) -> list[Round]:
        """Open rounds that ask this member for input."""
        with self._uow_factory() as uow:
            rounds = uow.rounds.list(statuses=[RoundStatus.OPEN])
        now = self._clock.now()
        return [r for r in rounds if r.is_open_at(now) and in_audience(member, r)]

    def all_pillars(self) -> list[Pillar]:
        with self._uow_factory() as uow:
            return uow.pillars.list()

    def _move(self, uow: UnitOfWork, round_: Round, event: RoundEvent) -> Round:
        """The round after `event`, as the lifecycle allows it (or refuses)."""
        transition = ROUND_LIFECYCLE.next(round_.status, event, round_id=round_.id)
        uow.rounds.set_status(round_.id, transition)
        return replace(round_, status=transition.target)

    def _schedule(self, uow: UnitOfWork, round_: Round, *, actor_id: int | None) -> None:
        scheduled = self._move(uow, round_, RoundEvent.SCHEDULE)
        if scheduled.opens_at <= self._clock.now():
            self._open(uow, scheduled, actor_id=actor_id)

    def _close(self, uow: UnitOfWork, round_: Round, *, actor_id: int | None) -> None:
        """Close: answers are final from here on; unsent invitations and reminders are
        dropped."""
        self._move(uow, round_, RoundEvent.CLOSE)
        for delivery in uow.deliveries.for_round(round_.id):
            if delivery.status == DeliveryStatus.PENDING and delivery.member_id is not None:
                uow.deliveries.set_status(delivery.id, DeliveryStatus.DROPPED)
        uow.audit.record(
            AuditEntry(
                action="round.closed",
                subject_type="round",
                subject_id=round_.id,
                actor_member_id=actor_id,
            )
        )

    def _store_summary(
        self, uow: UnitOfWork, round_: Round, *, actor_id: int | None, phrasing: Phrasing | None
    ) -> None:
        """Store the closed round's summary and either post it (when the round says so and
        its pillars have a channel) or send it to the pillar leads to review. The model's
        `phrasing` is used only if the answers have not changed since it was asked (an
        erasure may remove some)."""
        now = self._clock.now()
        self._move(uow, round_, RoundEvent.SUMMARISE)
        channels = (
            queue_channel_posts(uow, round_, DeliveryKind.SUMMARY, now=now)
            if round_.post_summary_directly
            else []
        )
        summary = build_summary(uow, round_)
        if phrasing is not None and phrasing.offline == summary:
            summary = phrasing.phrased
        posted_at_once = (SummaryEvent.APPROVE, SummaryEvent.POST) if channels else ()
        stored = uow.summaries.add(
            round_.id,
            status=SUMMARY_LIFECYCLE.after(SUMMARY_LIFECYCLE.initial, *posted_at_once),
            body=summary.to_dict(),
            at=now,
        )
        reviewers = [] if channels else self._reviewers(uow, round_, actor_id=actor_id)
        for reviewer in reviewers:
            uow.deliveries.add(
                DeliveryData(
                    kind=DeliveryKind.SUMMARY, due_at=now, round_id=round_.id, member_id=reviewer
                )
            )
        uow.audit.record(
            AuditEntry(
                action="summary.posted" if channels else "summary.drafted",
                subject_type="summary",
                subject_id=stored.id,
                actor_member_id=actor_id,
                details={
                    "round_id": round_.id,
                    "channels": [str(channel) for channel in channels],
                    "reviewers": reviewers,
                },
            )
        )

    @staticmethod
    def _reviewers(uow: UnitOfWork, round_: Round, *, actor_id: int | None) -> list[int]:
        """The leads of the round's pillars (the secretariat for a members' meeting or a
        pillar without a lead), except whoever closed it: they have just seen it."""
        pillars = [p.slug for p in round_.pillars]
        members = [m for m in uow.members.list() if m.id != actor_id]
        leads = [m.id for m in members if any(m.leads(slug) for slug in pillars)]
        if leads and len(pillars) == 1:
            return leads
        return [m.id for m in members if m.is_secretariat] or leads

    def _open(self, uow: UnitOfWork, round_: Round, *, actor_id: int | None) -> None:
        now = self._clock.now()
        self._move(uow, round_, RoundEvent.OPEN)
        audience = audience_of(round_, uow.members.list())
        for member in audience:
            uow.deliveries.add(
                DeliveryData(
                    kind=DeliveryKind.INVITATION,
                    due_at=now,
                    round_id=round_.id,
                    member_id=member.id,
                )
            )
        uow.audit.record(
            AuditEntry(
                action="round.opened",
                subject_type="round",
                subject_id=round_.id,
                actor_member_id=actor_id,
                details={"invitations": len(audience)},
            )
        )

    @staticmethod
    def _pillars_for(uow: UnitOfWork, slug: str | None) -> list[Pillar]:
        if slug is None:
            pillars = uow.pillars.list()
            if not pillars:
                raise InbrengError("no_network")
            return pillars
        pillar = uow.pillars.by_slug(slug)
        if pillar is None and not uow.pillars.list():
            raise InbrengError("no_network")
        if pillar is None:
            known = ", ".join(p.slug for p in uow.pillars.list())
            raise InbrengError("unknown_pillar", field="pillar", pillar=slug, known=known)
        return [pillar]

    @staticmethod
    def validate(request: RoundRequest, *, opens_at: datetime, now: datetime) -> None:
        """The round's own rules, which need no database: its moments in order, its texts
        not too long, its reminders within it. Raises what is wrong, all of it at once."""
        errors = []
        if request.closes_at <= opens_at:
            errors.append(InbrengError("closes_before_opening", field="closes_at"))
        elif request.closes_at <= now:
            errors.append(InbrengError("closes_in_past", field="closes_at"))
        if request.meeting_at < request.closes_at:
            errors.append(InbrengError("meeting_before_closing", field="meeting_at"))
        if len(request.question) > MAX_QUESTION_CHARS:
            errors.append(
                InbrengError(
                    "text_too_long",
                    field="question",
                    limit=MAX_QUESTION_CHARS,
                    length=len(request.question),
                )
            )
        if len(request.meeting_title) > MAX_TITLE_CHARS:
            errors.append(
                InbrengError(
                    "text_too_long",
                    field="meeting_title",
                    limit=MAX_TITLE_CHARS,
                    length=len(request.meeting_title),
                )
            )
        if request.closes_at > opens_at and any(
            r >= request.closes_at - opens_at for r in request.reminders
        ):
            errors.append(InbrengError("reminder_before_opening", field="reminders"))
        raise_if_any(errors)
