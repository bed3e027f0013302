"""What a delivery says, decided when it is sent (so it is never out of date)."""

from __future__ import annotations

from dataclasses import replace

from bot.application.core import Core
from bot.conversation import views
from bot.conversation.turn import Turn
from bot.domain import Delivery, DeliveryKind, Member
from bot.markup import join
from bot.messages import Message
from bot.permissions import Permission, allows
from bot.services.audience import in_audience
from bot.voice import Voice


def for_member(core: Core, delivery: Delivery, member: Member) -> Message | None:
    """An invitation, a reminder, or a closed round's summary draft for a lead to review;
    None when it no longer makes sense to send it."""
    if delivery.round_id is None or not member.active:
        return None
    round_ = core.rounds.get(delivery.round_id)
    now = core.clock.now()
    turn = Turn.of(member, texts=core.texts, now=now)
    if delivery.kind == DeliveryKind.SUMMARY:
        # Only to who may still review it: a lead who no longer leads the pillar gets nothing.
        slugs = [p.slug for p in round_.pillars]
        if not allows(member, Permission.REVIEW_SUMMARY, pillars=slugs):
            return None
        status = core.summary_review.status(round_.id)
        summary = views.review_message(turn, round_, core.reports.summary(round_.id), status)
        intro = turn.t("summary.ready", id=round_.id, meeting=round_.meeting.title)
        review = replace(summary, text=join("\n\n", [intro, summary.text]))
        return views.with_post_button(turn, review, DeliveryKind.SUMMARY, round_)
    if not round_.is_open_at(now) or not in_audience(member, round_):
        return None
    invitation = views.invitation(turn, round_)
    if delivery.kind == DeliveryKind.INVITATION:
        return views.in_parts(turn, invitation)
    if not core.deliveries.still_to_remind(member, round_):
        return None
    reminder = replace(invitation, title=turn.t("reminder.title", meeting=round_.meeting.title))
    return views.in_parts(turn, reminder)


def for_channel(core: Core, delivery: Delivery) -> Message | None:
    """A round's status or summary, in the network's language."""
    if delivery.round_id is None:
        return None
    voice = Voice(
        texts=core.texts, language=core.deliveries.network_language(), now=core.clock.now()
    )
    round_ = core.rounds.get(delivery.round_id)
    if delivery.kind == DeliveryKind.STATUS:
        status = views.participation_message(voice, round_, core.reports.participation(round_.id))
        return views.in_parts(voice, status)
    if delivery.kind == DeliveryKind.SUMMARY:
        message = views.channel_summary(voice, round_, core.reports.summary(round_.id))
        return replace(message, files=core.exports.charts(round_.id, language=voice.language))
    return None
