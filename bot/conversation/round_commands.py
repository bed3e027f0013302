"""What pillar leads and the secretariat can do with rounds.

Who may is decided before these run (the command table) and again, for the round at hand,
by the service each calls: no handler checks a role itself.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from bot.application.core import Core
from bot.conversation import forms, views
from bot.conversation.arguments import id_argument, required_id
from bot.conversation.commands import Command
from bot.conversation.round_input import read_round_request
from bot.conversation.turn import Turn
from bot.domain import DeliveryKind, Round, RoundStatus
from bot.errors import FieldErrors, InbrengError
from bot.events import FormEvent
from bot.exports.formats import ExportFormat
from bot.messages import Button, Message, Placement
from bot.permissions import Permission, allows
from bot.round_lifecycle import REPORTABLE
from bot.voice import pillar_names


def _reportable_round(core: Core, turn: Turn, args: list[str], permission: Permission) -> Round:
    """The named round, or the latest one this member holds `permission` for (the service
    that reads or changes it refuses a round that is not theirs)."""
    round_id = id_argument(args, what="round")
    if round_id is None:
        candidates = [
            r
            for r in core.rounds.find(statuses=sorted(REPORTABLE))
            if allows(turn.member, permission, pillars=[p.slug for p in r.pillars])
        ]
        if not candidates:
            raise InbrengError("no_reportable_rounds")
        round_id = max(candidates, key=lambda r: (r.opens_at, r.id)).id
    return core.reports.read_round(round_id, reader=turn.member, permission=permission)


def status(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    """Response per municipality as published; the secretariat (not a lead among them)
    sees every answer counted where it came from, and is told so."""
    round_ = _reportable_round(core, turn, args, Permission.READ_ROUND_STATUS)
    participation = core.reports.read_status(round_.id, reader=turn.member)
    message = views.participation_message(turn, round_, participation)
    return [views.with_post_button(turn, message, DeliveryKind.STATUS, round_)]


# Review of a closed round's summary: `samenvatting 12 titel t2 Nieuwe titel`.
_REVIEW_WORDS = {
    "titel": "retitle", "title": "retitle",
    "verberg": "hide", "hide": "hide",
    "toon": "show", "show": "show",
    "goedkeuren": "approve", "keur": "approve", "approve": "approve",
}  # fmt: skip


def summary(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    """A round's summary; a closed round's draft also for review: retitle, hide or show a
    theme, approve (`samenvatting [ROUND] titel|verberg|toon|goedkeuren ...`)."""
    named = bool(args) and args[0].lstrip("#").isdecimal()
    round_args, change = (args[:1], args[1:]) if named else ([], args)
    round_ = _reportable_round(core, turn, round_args, Permission.READ_SUMMARY)
    if change:
        _review(core, turn, round_, change)
    stored = core.reports.read_summary(round_.id, reader=turn.member)
    if round_.status == RoundStatus.SUMMARISED:
        status = core.summary_review.status(round_.id)
        message = views.review_message(turn, round_, stored, status)
    else:
        message = views.summary_message(turn, round_, stored)
    shown = views.with_post_button(turn, message, DeliveryKind.SUMMARY, round_)
    # A change made with a button (approving) shows in the place of the draft it changed.
    return [replace(shown, placement=Placement.REPLACE) if change else shown]


def _review(core: Core, turn: Turn, round_: Round, change: list[str]) -> None:
    action = _REVIEW_WORDS.get(change[0].lower())
    if action is None:
        raise InbrengError("unknown_review_action", value=change[0][:40])
    review, actor = core.summary_review, turn.member
    if action == "approve":
        review.approve(round_.id, actor=actor)
        return
    if len(change) < 2:
        raise InbrengError("missing_theme_key", action=change[0][:40])
    key = change[1].lower()
    if action == "retitle":
        review.retitle(round_.id, key, " ".join(change[2:]), actor=actor)
    else:
        review.set_hidden(round_.id, key, action == "hide", actor=actor)


_POSTABLE = {
    "status": DeliveryKind.STATUS,
    "samenvatting": DeliveryKind.SUMMARY,
    "summary": DeliveryKind.SUMMARY,
}


def post(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    """Share a round's status or summary in its pillars' channels."""
    kind = _POSTABLE.get(args[0].lower()) if args else None
    if kind is None:
        raise InbrengError("unknown_post_kind", value=(args[0] if args else "")[:40])
    round_ = _reportable_round(core, turn, args[1:], Permission.POST_TO_CHANNEL)
    if kind == DeliveryKind.SUMMARY and round_.status == RoundStatus.SUMMARISED:
        # The reviewed summary: posting approves it and records where it went.
        posted = len(core.summary_review.post(round_.id, actor=turn.member))
    else:
        posted = len(core.deliveries.post_to_channels(round_, kind, actor=turn.member))
    return [
        Message(
            text=turn.t(
                "posted.text",
                kind=kind.value,
                meeting=round_.meeting.title,
                pillars=pillar_names(round_),
                channels=posted,
            )
        )
    ]


def export(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    """A round's summary as a Markdown file for leads (`export` alone is `privacy export`:
    `commands.WITHOUT_ARGUMENTS`)."""
    round_ = _reportable_round(core, turn, args, Permission.EXPORT_ROUND)
    document = core.exports.for_round(
        round_.id, fmt=ExportFormat.MD, language=turn.language, reader=turn.member
    )
    return [
        Message(
            text=turn.t("export.text", id=round_.id, meeting=round_.meeting.title),
            files=(document,),
        )
    ]


def show_round(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    """`ronde 12` (`ronde` alone is `rondes`: `commands.WITHOUT_ARGUMENTS`)."""
    round_id = required_id(args, what="round", command=Command.ROUND)
    details = core.reports.read_details(round_id, reader=turn.member)
    return [
        views.round_detail(
            turn,
            details.round_,
            details.participation,
            details.deliveries or Counter(),
            details.failures or Counter(),
            operations=details.deliveries is not None,
        )
    ]


def close(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    round_id = required_id(args, what="round", command=Command.CLOSE)
    round_ = core.rounds.close(round_id, actor=turn.member)
    closed = turn.t("round.closed", id=round_.id, meeting=round_.meeting.title)
    return [
        Message(text=closed, placement=Placement.REPLACE),  # no close button left to press
        views.summary_message(
            turn,
            round_,
            core.reports.read_summary(round_.id, reader=turn.member),
        ),
    ]


def cancel(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    round_id = required_id(args, what="round", command=Command.CANCEL)
    round_ = core.rounds.cancel(round_id, actor=turn.member)
    return [Message(text=turn.t("round.cancelled", id=round_.id, meeting=round_.meeting.title))]


def new_round(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    form = forms.round_form(turn, pillars=core.rounds.all_pillars(), zone=core.texts.zone)
    opened_by = Button(label=turn.t("buttons.open_form"), action=Command.NEW)
    return [Message(form=replace(form, opened_by=opened_by))]


def submit_round(core: Core, turn: Turn, event: FormEvent) -> list[Message]:
    try:
        request = read_round_request(event.values, zone=core.texts.zone, now=turn.now)
        round_ = core.rounds.create(request, actor=turn.member)
    except InbrengError as error:
        if error.field is None and not isinstance(error, FieldErrors):
            raise
        form = forms.round_form(
            turn,
            pillars=core.rounds.all_pillars(),
            zone=core.texts.zone,
            values=event.values,
            errors=forms.field_errors(turn, error),
        )
        return [Message(form=form)]
    return [
        Message(
            text=turn.t(
                "round.created",
                id=round_.id,
                meeting=round_.meeting.title,
                opened=round_.status == RoundStatus.OPEN,
                opens_at=round_.opens_at,
                closes_at=round_.closes_at,
            )
        ),
        views.round_line(turn, round_, can_answer=False),
    ]
