"""Review of a closed round's summary: retitle or hide themes, approve, post.

A summary is stored as a draft when its round closes. Every change is kept in the stored
body (the computed title stays in `original_title`), revises the summary (back to draft, see
`bot.summary.lifecycle`), and is written to the audit log; posting approves a draft, queues
a post in every channel of the round's pillars and records where it went.
"""

from __future__ import annotations

from dataclasses import replace

from bot.domain import (
    AuditEntry,
    Channel,
    DeliveryKind,
    Platform,
    RoundStatus,
    Summary,
    SummaryStatus,
)
from bot.errors import InbrengError
from bot.permissions import Actor, Permission, member_id_of, require
from bot.ports import Clock, UnitOfWork, UnitOfWorkFactory
from bot.services.deliveries import queue_channel_posts
from bot.services.lookup import round_or_refuse
from bot.summary.lifecycle import (
    SUMMARY_LIFECYCLE,
    SummaryEvent,
    SummaryTransition,
    posting,
)
from bot.summary.model import Posting, RoundSummary, Theme

TITLE_MAX_CHARS = 120


class SummaryReviewService:
    def __init__(self, *, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    def retitle(self, round_id: int, key: str, title: str, *, actor: Actor) -> None:
        title = " ".join(title.split())
        with self._uow_factory() as uow:
            actor_id = _permitted(uow, round_id, actor, Permission.REVIEW_SUMMARY)
            if not title or len(title) > TITLE_MAX_CHARS:
                raise InbrengError("theme_title_invalid", limit=TITLE_MAX_CHARS)
            stored, summary = _stored(uow, round_id)
            theme = _theme(summary, key)
            changed = replace(
                theme,
                title=title,
                original_title=theme.original_title or theme.title,
            )
            self._save(uow, stored, summary.with_theme(changed), "summary.retitled", actor_id,
                       {"theme": key, "title": title},
                       transitions=[_revising(stored)])  # fmt: skip
            uow.commit()

    def set_hidden(self, round_id: int, key: str, hidden: bool, *, actor: Actor) -> None:
        with self._uow_factory() as uow:
            actor_id = _permitted(uow, round_id, actor, Permission.REVIEW_SUMMARY)
            stored, summary = _stored(uow, round_id)
            changed = replace(_theme(summary, key), hidden=hidden)
            action = "summary.theme_hidden" if hidden else "summary.theme_shown"
            self._save(uow, stored, summary.with_theme(changed), action, actor_id, {"theme": key},
                       transitions=[_revising(stored)])  # fmt: skip
            uow.commit()

    def approve(self, round_id: int, *, actor: Actor) -> None:
        with self._uow_factory() as uow:
            actor_id = _permitted(uow, round_id, actor, Permission.REVIEW_SUMMARY)
            stored, summary = _stored(uow, round_id)
            approving = SUMMARY_LIFECYCLE.next(stored.status, SummaryEvent.APPROVE,
                                               round_id=round_id)  # fmt: skip
            self._save(uow, stored, summary, "summary.approved", actor_id, {},
                       transitions=[approving])  # fmt: skip
            uow.commit()

    def post(self, round_id: int, *, actor: Actor) -> list[Posting]:
        """Post to every channel of the round's pillars (a draft is approved first);
        returns where to."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            actor_id = _permitted(uow, round_id, actor, Permission.POST_TO_CHANNEL)
            stored, summary = _stored(uow, round_id)
            transitions = posting(stored.status, round_id=round_id)
            round_ = round_or_refuse(uow, round_id)
            channels = queue_channel_posts(uow, round_, DeliveryKind.SUMMARY, now=now)
            if not channels:
                raise InbrengError("no_channel")
            pillar_of = {
                Channel(Platform(platform), channel_id): pillar.slug
                for pillar in uow.pillars.list()
                for platform, channel_id in pillar.channels.items()
            }
            postings = [
                Posting(
                    platform=channel.platform.value,
                    channel=channel.id,
                    pillar_slug=pillar_of.get(channel),
                    at=now.isoformat(),
                )
                for channel in channels
            ]
            posted = replace(summary, postings=[*summary.postings, *postings])
            where: dict[str, object] = {"channels": [str(channel) for channel in channels]}
            self._save(uow, stored, posted, "summary.posted", actor_id, where,
                       transitions=transitions)  # fmt: skip
            uow.commit()
        return postings

    def status(self, round_id: int) -> SummaryStatus:
        with self._uow_factory() as uow:
            return _stored(uow, round_id)[0].status

    def _save(
        self,
        uow: UnitOfWork,
        stored: Summary,
        summary: RoundSummary,
        action: str,
        actor_id: int | None,
        details: dict[str, object],
        *,
        transitions: list[SummaryTransition],
    ) -> None:
        for transition in transitions:
            uow.summaries.set_status(stored.id, transition)
        uow.summaries.update(stored.id, body=summary.to_dict())
        uow.audit.record(
            AuditEntry(
                action=action,
                subject_type="summary",
                subject_id=stored.id,
                actor_member_id=actor_id,
                details=details,
            )
        )


def _permitted(uow: UnitOfWork, round_id: int, actor: Actor, permission: Permission) -> int | None:
    """Refuse unless `actor` holds `permission` for the round's pillars; the member the audit
    log names (None: the operator)."""
    round_ = round_or_refuse(uow, round_id)
    require(actor, permission, pillars=[p.slug for p in round_.pillars])
    return member_id_of(actor)


def _stored(uow: UnitOfWork, round_id: int) -> tuple[Summary, RoundSummary]:
    round_ = round_or_refuse(uow, round_id)
    stored = uow.summaries.latest_for_round(round_id)
    if round_.status != RoundStatus.SUMMARISED or stored is None or "themes" not in stored.body:
        raise InbrengError("summary_not_ready", round_id=round_id)
    return stored, RoundSummary.from_dict(stored.body)


def _revising(stored: Summary) -> SummaryTransition:
    return SUMMARY_LIFECYCLE.next(stored.status, SummaryEvent.REVISE, round_id=stored.round_id)


def _theme(summary: RoundSummary, key: str) -> Theme:
    theme = summary.theme(key)
    if theme is None:
        keys = ", ".join(t.key for t in summary.themes)
        raise InbrengError("theme_not_found", theme=key[:20], keys=keys)
    return theme
