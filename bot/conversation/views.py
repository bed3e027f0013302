"""Neutral messages built from data and the prompt catalogue."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from bot.conversation.commands import Command
from bot.conversation.turn import Turn
from bot.domain import (
    DeliveryKind,
    DeliveryStatus,
    Response,
    Round,
    RoundStatus,
    SummaryStatus,
)
from bot.markup import Markup, escape, join
from bot.messages import (
    Button,
    ButtonStyle,
    Confirmation,
    Field,
    Message,
    PartTitle,
    Placement,
)
from bot.participation import Participation
from bot.permissions import Permission, allows
from bot.round_lifecycle import ROUND_LIFECYCLE, RoundEvent
from bot.summary.model import Novelty, RoundSummary, Theme
from bot.summary.titles import theme_title
from bot.timeparse import format_reminders
from bot.voice import Voice, pillar_names


def question_of(turn: Voice, round_: Round) -> Markup:
    return (
        escape(round_.question)
        if round_.question
        else turn.t("round.default_question", pillars=pillar_names(round_))
    )


# The answer button of an invitation says so, so that the invitation can say it is answered.
FROM_INVITATION = "invitation"


def confirm(turn: Voice, kind: str) -> Confirmation:
    """The question asked before a button's action that cannot be undone."""
    return Confirmation(
        title=turn.t(f"confirm.{kind}.title"),
        text=turn.t(f"confirm.{kind}.text"),
        confirm=turn.t(f"confirm.{kind}.button"),
        deny=turn.t("confirm.back"),
    )


def invitation(turn: Turn, round_: Round) -> Message:
    return Message(
        title=turn.t("invitation.title", meeting=round_.meeting.title),
        text=turn.t(
            "invitation.text",
            question=question_of(turn, round_),
            meeting=round_.meeting.title,
            meeting_at=round_.meeting.starts_at,
            closes_at=round_.closes_at,
        ),
        buttons=(
            Button(
                label=turn.t("buttons.answer"),
                action=Command.ANSWER,
                value=f"{round_.id} {FROM_INVITATION}",
                style=ButtonStyle.PRIMARY,
            ),
            Button(label=turn.t("buttons.decline"), action=Command.DECLINE, value=str(round_.id)),
        ),
    )


def answered_invitation(turn: Turn, round_: Round) -> Message:
    """The invitation once answered from it: what it was, and no buttons to press again."""
    return Message(
        title=turn.t("invitation.title", meeting=round_.meeting.title),
        text=turn.t("invitation.answered", meeting=round_.meeting.title),
        placement=Placement.REPLACE_ONLY,
    )


def round_line(turn: Turn, round_: Round, *, can_answer: bool) -> Message:
    buttons = []
    if can_answer:
        buttons += [
            Button(
                label=turn.t("buttons.answer"),
                action=Command.ANSWER,
                value=str(round_.id),
                style=ButtonStyle.PRIMARY,
            ),
            Button(label=turn.t("buttons.decline"), action=Command.DECLINE, value=str(round_.id)),
        ]
    slugs = [p.slug for p in round_.pillars]
    if allows(turn.member, Permission.READ_ROUND_STATUS, pillars=slugs):
        buttons += [
            Button(label=turn.t("buttons.status"), action=Command.STATUS, value=str(round_.id)),
            Button(label=turn.t("buttons.summary"), action=Command.SUMMARY, value=str(round_.id)),
        ]
    return Message(
        text=turn.t(
            "rounds.item",
            id=round_.id,
            meeting=round_.meeting.title,
            pillars=pillar_names(round_),
            status=turn.t(f"status_names.{round_.status.value}"),
            opens_at=round_.opens_at,
            closes_at=round_.closes_at,
            meeting_at=round_.meeting.starts_at,
        ),
        buttons=tuple(buttons),
    )


def response_fields(
    turn: Turn, response: Response, round_: Round, topic_name: str | None
) -> tuple[Field, ...]:
    fields = [
        Field(label=turn.t("labels.round"), value=escape(f"{round_.meeting.title} (#{round_.id})")),
        Field(
            label=turn.t("labels.topic"),
            value=escape(topic_name) if topic_name else turn.t("answer_form.other_topic"),
        ),
        Field(label=turn.t("labels.text"), value=escape(response.text)),
    ]
    if response.network_help:
        fields.append(
            Field(label=turn.t("labels.network_help"), value=escape(response.network_help))
        )
    fields.append(
        Field(
            label=turn.t("labels.attribution"),
            value=turn.t(f"attribution.{response.attribution.value}"),
        )
    )
    return tuple(fields)


# The withdraw button of an answer in a list (`mijn`, the home tab) says so: the list holds
# other answers, so the reply comes as a message of its own rather than in the list's place.
IN_LIST = "list"


def response_buttons(
    turn: Turn, response: Response, *, another: bool, listed: bool = False
) -> tuple[Button, ...]:
    buttons = [
        Button(label=turn.t("buttons.edit"), action=Command.EDIT, value=str(response.id)),
        Button(
            label=turn.t("buttons.withdraw"),
            action=Command.WITHDRAW,
            value=f"{response.id} {IN_LIST}" if listed else str(response.id),
            style=ButtonStyle.DANGER,
            confirm=confirm(turn, "withdraw"),
        ),
    ]
    if another:
        buttons.append(
            Button(
                label=turn.t("buttons.another"), action=Command.ANSWER, value=str(response.round_id)
            )
        )
    return tuple(buttons)


def confirmation(
    turn: Turn, response: Response, round_: Round, topic_name: str | None, *, edited: bool
) -> Message:
    return Message(
        title=turn.t("confirmation.edited" if edited else "confirmation.created", id=response.id),
        text=turn.t("confirmation.text", closes_at=round_.closes_at),
        fields=response_fields(turn, response, round_, topic_name),
        buttons=response_buttons(turn, response, another=True),
    )


def own_response(turn: Turn, response: Response, round_: Round, topic_name: str | None) -> Message:
    editable = round_.is_open_at(turn.now) and response.withdrawn_at is None
    return Message(
        title=turn.t(
            "mine.item",
            id=response.id,
            created_at=response.created_at,
            edited_at=response.edited_at,
        ),
        fields=response_fields(turn, response, round_, topic_name),
        buttons=response_buttons(turn, response, another=False, listed=True) if editable else (),
    )


def participation_message(turn: Voice, round_: Round, participation: Participation) -> Message:
    """Per municipality, as published; the secretariat's complete view says it is one."""
    rows = [
        Field(
            label=escape(row.organisation),
            value=turn.t(
                "status.row",
                asked=row.asked,
                answered=row.answered,
                declined=row.declined,
                answers=row.answers,
            ),
        )
        for row in participation.organisations
    ]
    text = turn.t(
        "status.text",
        answered=participation.answered_organisations,
        organisations=len(participation.organisations),
        rate=participation.rate,
        members_answered=participation.answered_members,
        members_asked=participation.asked_members,
        anonymous=participation.anonymous_answers,
        complete=participation.complete,
        closes_at=round_.closes_at,
        open=round_.status == RoundStatus.OPEN,
    )
    if participation.complete:
        text = join("\n\n", [text, turn.t("disclosure.secretariat_only")])
    elif participation.anonymous_withheld:
        text = join("\n\n", [text, turn.t("disclosure.withheld")])
    return Message(
        title=turn.t("status.title", id=round_.id, meeting=round_.meeting.title),
        text=text,
        fields=tuple(rows),
    )


def summary_message(turn: Voice, round_: Round, summary: RoundSummary) -> Message:
    """The summary as its readers see it: the themes not hidden."""
    return Message(
        title=turn.t("summary.title", id=round_.id, meeting=round_.meeting.title),
        text=_summary_text(turn, round_, summary),
        fields=tuple(_theme_field(turn, theme) for theme in summary.shown),
        part_title=_summary_part(turn, round_),
    )


QUOTE_CHARS = 240  # of a quote in a channel's summary


def channel_summary(turn: Voice, round_: Round, summary: RoundSummary) -> Message:
    """The summary for a channel, compact: each quote its first `QUOTE_CHARS` characters,
    up to a word's end, then "…" when it goes on. A quote is an excerpt, so the member's
    text is not changed, only quoted: a theme with a shortened quote has its quotes in full
    behind "Meer" where the surface can show that, and the summary says who reads every
    answer in full."""
    message = summary_message(turn, round_, summary)
    fields = []
    shortened = False
    for theme, field in zip(summary.shown, message.fields, strict=True):
        short = replace(theme, quotes=[replace(q, text=excerpt(q.text)) for q in theme.quotes])
        if short == theme:
            fields.append(field)
            continue
        shortened = True
        fields.append(
            replace(
                _theme_field(turn, short),
                more=field.value,
                more_label=turn.t("buttons.more"),
            )
        )
    if not shortened:
        return message
    note = turn.t("summary.shortened", id=round_.id)
    return replace(message, text=join("\n\n", [message.text, note]), fields=tuple(fields))


def excerpt(text: str, limit: int = QUOTE_CHARS) -> str:
    """The beginning of `text`, at most `limit` characters and whole words, and "…" when
    there is more; a text within the limit as it is."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + " …"


def review_message(
    turn: Voice, round_: Round, summary: RoundSummary, status: SummaryStatus
) -> Message:
    """The summary as its reviewer sees it: every theme with its key, hidden ones marked,
    how to change it, and a button to approve a draft."""
    fields = []
    for theme in summary.themes:
        field = _theme_field(turn, theme)
        label = turn.t("summary.review_theme", key=theme.key, label=field.label,
                       hidden=theme.hidden)  # fmt: skip
        fields.append(replace(field, label=label))
    hint = turn.t("summary.review_hint", id=round_.id, status=status.value)
    buttons: tuple[Button, ...] = ()
    if status == SummaryStatus.DRAFT:
        buttons = (
            Button(
                label=turn.t("buttons.approve"),
                action=Command.SUMMARY,
                value=f"{round_.id} approve",
            ),
        )
    return Message(
        title=turn.t("summary.title", id=round_.id, meeting=round_.meeting.title),
        text=join("\n\n", [_summary_text(turn, round_, summary), hint]),
        fields=tuple(fields),
        buttons=buttons,
        part_title=_summary_part(turn, round_),
    )


def _summary_part(turn: Voice, round_: Round) -> PartTitle:
    return lambda part, parts: turn.t("summary.part", id=round_.id, part=part, parts=parts)


def in_parts(turn: Voice, message: Message) -> Message:
    """The message, saying what each part continues when a platform divides it: its own
    part title, or else its title with the part's number."""
    if message.part_title is not None or not message.title:
        return message
    title = message.title
    return replace(
        message,
        part_title=lambda part, parts: turn.t("parts.of", what=title, part=part, parts=parts),
    )


def _summary_text(turn: Voice, round_: Round, summary: RoundSummary) -> Markup:
    parts = [
        turn.t(
            "summary.text",
            answers=summary.answers,
            organisations=summary.organisations,
            anonymous=summary.anonymous_answers,
            final=round_.status == RoundStatus.SUMMARISED,
        )
    ]
    if summary.anonymous_withheld:
        parts.append(turn.t("disclosure.withheld"))
    if summary.synthesis:
        parts.append(escape(summary.synthesis))
    return join("\n\n", parts)


def _theme_field(turn: Voice, theme: Theme) -> Field:
    quotes = join(
        "\n",
        (
            turn.t("summary.quote", text=q.text, member=q.member, organisation=q.organisation)
            for q in theme.quotes
        ),
    )
    return Field(
        label=turn.t(
            "summary.theme",
            title=theme_title(turn, theme),
            answers=theme.answers,
            organisations=len(theme.organisations),
            anonymous=theme.anonymous_answers,
            new=theme.novelty == Novelty.NEW,
        ),
        value=turn.t(
            "summary.theme_body",
            named=theme.organisations,
            anonymous=theme.anonymous_answers,
            keywords=theme.keywords,
            quotes=quotes,
        ),
    )


def with_post_button(turn: Voice, message: Message, kind: DeliveryKind, round_: Round) -> Message:
    """A private preview, with a button to share it when the pillar has a channel."""
    if not any(p.channels for p in round_.pillars):
        return message
    post = Button(
        label=turn.t("buttons.post"),
        action=Command.POST,
        value=f"{kind.value} {round_.id}",
        style=ButtonStyle.PRIMARY,
    )
    return replace(message, buttons=(*message.buttons, post))


def reminder_text(turn: Voice, round_: Round) -> Markup:
    parts = [escape(format_reminders(round_.reminders))] if round_.reminders else []
    if round_.remind_last_morning:
        parts.append(turn.t("round.last_morning"))
    if parts and round_.remind_per_organisation:
        parts.append(turn.t("round.per_organisation"))
    if round_.post_summary_directly:
        parts.append(turn.t("round.post_summary"))
    return join(", ", parts) or escape("-")


def round_detail(
    turn: Voice,
    round_: Round,
    participation: Participation,
    deliveries: Counter[DeliveryStatus],
    failures: Counter[str],
    *,
    operations: bool,
) -> Message:
    """`operations`: for whoever runs the rounds (the secretariat) only: what was sent and
    what failed (how many reminders went out follows who answered, anonymously too), and
    the button to close the round."""
    fields = [
        Field(label=turn.t("labels.meeting"), value=turn.t(
            "round.meeting", title=round_.meeting.title, starts_at=round_.meeting.starts_at,
            place=round_.meeting.place or "")),
        Field(label=turn.t("labels.pillars"), value=escape(pillar_names(round_))),
        Field(label=turn.t("labels.question"), value=question_of(turn, round_)),
        Field(label=turn.t("labels.period"), value=turn.t(
            "round.period", opens_at=round_.opens_at, closes_at=round_.closes_at)),
        Field(label=turn.t("labels.reminders"), value=reminder_text(turn, round_)),
        Field(label=turn.t("labels.audience"),
              value=turn.t(f"round_form.audience_{round_.audience.value}")),
        Field(label=turn.t("labels.response_rate"), value=turn.t(
            "round.rate", answered=participation.answered_organisations,
            organisations=len(participation.organisations), rate=participation.rate,
            anonymous=participation.anonymous_answers)),
    ]  # fmt: skip
    if operations:
        fields.append(Field(label=turn.t("labels.deliveries"), value=join(", ", (
            join(": ", [turn.t(f"delivery_status.{status.value}"), str(count)])
            for status, count in sorted(deliveries.items()))) or escape("-")))  # fmt: skip
    if operations and failures:
        fields.append(Field(label=turn.t("labels.failures"), value=join("\n", (
            turn.t("round.failure", error=error, count=count)
            for error, count in failures.most_common()))))  # fmt: skip
    buttons = []
    if operations and ROUND_LIFECYCLE.allows(round_.status, RoundEvent.CLOSE):
        buttons.append(
            Button(
                label=turn.t("buttons.close"),
                action=Command.CLOSE,
                value=str(round_.id),
                style=ButtonStyle.DANGER,
                confirm=confirm(turn, "close"),
            )
        )
    return Message(
        title=turn.t(
            "round.title",
            id=round_.id,
            meeting=round_.meeting.title,
            status=turn.t(f"status_names.{round_.status.value}"),
        ),
        fields=tuple(fields),
        buttons=tuple(buttons),
    )
