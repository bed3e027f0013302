"""The forms of the conversation: building them, and reading what came back.

A form that fails validation is returned with the submitted values filled in and an
error beside each field at fault, so nothing a member typed is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.conversation.turn import Turn
from bot.domain import Attribution, Audience, Pillar, Response, Round, Topic
from bot.errors import FieldErrors, InbrengError
from bot.markup import Markup, escape
from bot.messages import Button, ChoiceField, DateTimeField, Form, Option, SelectField, TextField
from bot.services.responses import OTHER_TOPIC, AnswerInput
from bot.timeparse import parse_moment

ANSWER_FORM = "answer"
ROUND_FORM = "round"
ERASE_FORM = "erase"
ALL_PILLARS = "*"
# The round form's options (checkboxes).
PER_ORGANISATION = "per_organisation"
POST_SUMMARY = "post_summary"

FormValues = Mapping[str, str | tuple[str, ...]]


def value(values: FormValues, name: str) -> str:
    """A single value; multi-valued fields give their first choice."""
    raw = values.get(name, "")
    if isinstance(raw, tuple):
        return raw[0] if raw else ""
    return raw


def chosen(values: FormValues, name: str) -> tuple[str, ...]:
    """Every value of a multi-valued field (a single string counts as one)."""
    raw = values.get(name, ())
    return (raw,) if isinstance(raw, str) and raw else tuple(raw) if raw else ()


def field_errors(turn: Turn, error: InbrengError) -> dict[str, Markup]:
    """Messages per form field; errors that belong to no field go under "_form"."""
    errors = error.errors if isinstance(error, FieldErrors) else [error]
    by_field: dict[str, Markup] = {}
    for item in errors:
        by_field[item.field or "_form"] = turn.t(f"errors.{item.key}", **item.params)
    return by_field


def answer_form(
    turn: Turn,
    *,
    context: str,
    round_: Round,
    pillars: list[Pillar],
    limits: Mapping[str, int],
    values: FormValues | None = None,
    errors: Mapping[str, Markup] | None = None,
    opened_by: Button | None = None,
) -> Form:
    values = values or {}
    several = len(pillars) > 1
    topics = [
        Option(value=t.slug, label=escape(f"{p.name}: {t.name}" if several else t.name))
        for p in pillars
        for t in p.topics
    ]
    topics.append(Option(value=OTHER_TOPIC, label=turn.t("answer_form.other_topic")))
    attributions = tuple(
        Option(value=a.value, label=turn.t(f"attribution.{a.value}")) for a in Attribution
    )
    question = (
        escape(round_.question)
        if round_.question
        else turn.t("round.default_question", pillars=", ".join(p.name for p in pillars))
    )
    return Form(
        form_id=ANSWER_FORM,
        context=context,
        title=turn.t(
            "answer_form.edit_title" if context.startswith("response:") else "answer_form.title"
        ),
        submit_label=turn.t("answer_form.submit"),
        cancel_label=turn.t("buttons.cancel"),
        intro=question,
        fields=(
            SelectField(
                name="topic",
                label=turn.t("answer_form.topic"),
                options=tuple(topics),
                initial=value(values, "topic") or None,
            ),
            TextField(
                name="text",
                label=turn.t("answer_form.text"),
                hint=turn.t("answer_form.text_hint", limit=limits["text"]),
                multiline=True,
                max_length=limits["text"],
                initial=value(values, "text") or None,
            ),
            TextField(
                name="network_help",
                label=turn.t("answer_form.network_help"),
                hint=turn.t("answer_form.network_help_hint"),
                multiline=True,
                required=False,
                max_length=limits["network_help"],
                initial=value(values, "network_help") or None,
            ),
            ChoiceField(
                name="attribution",
                label=turn.t("answer_form.attribution"),
                options=attributions,
                initial=(value(values, "attribution") or Attribution.NAME.value,),
            ),
        ),
        errors=dict(errors or {}),
        opened_by=opened_by,
    )


def answer_values(response: Response, topic: Topic | None) -> dict[str, str]:
    return {
        "topic": topic.slug if topic else OTHER_TOPIC,
        "text": response.text,
        "network_help": response.network_help,
        "attribution": response.attribution.value,
    }


def read_answer(values: FormValues) -> AnswerInput:
    return AnswerInput(
        topic=value(values, "topic"),
        text=value(values, "text"),
        network_help=value(values, "network_help"),
        attribution=value(values, "attribution") or Attribution.NAME.value,
    )


def moment_initial(raw: str, *, zone: ZoneInfo, now: datetime) -> str | None:
    """A moment as a date-time field shows it: ISO 8601 in the network's time, with its
    offset (what the pickers read); text that is no moment stays as typed."""
    if not raw.strip():
        return None
    try:
        moment = parse_moment(raw, zone=zone, now=now, field="")
    except InbrengError:
        return raw
    return moment.astimezone(zone).isoformat(timespec="minutes")


def round_form(
    turn: Turn,
    *,
    pillars: list[Pillar],
    zone: ZoneInfo,
    values: FormValues | None = None,
    errors: Mapping[str, Markup] | None = None,
) -> Form:
    values = values or {}
    pillar_options = [Option(value=p.slug, label=escape(p.name)) for p in pillars]
    pillar_options.append(Option(value=ALL_PILLARS, label=turn.t("round_form.all_pillars")))
    audiences = tuple(
        Option(value=a.value, label=turn.t(f"round_form.audience_{a.value}")) for a in Audience
    )

    def text(name: str, *, required: bool = True, default: str = "") -> TextField:
        return TextField(
            name=name,
            label=turn.t(f"round_form.{name}"),
            hint=turn.t(f"round_form.{name}_hint"),
            required=required,
            initial=value(values, name) or default or None,
        )

    def moment(name: str, *, default: str = "") -> DateTimeField:
        return DateTimeField(
            name=name,
            label=turn.t(f"round_form.{name}"),
            hint=turn.t(f"round_form.{name}_hint"),
            initial=moment_initial(value(values, name) or default, zone=zone, now=turn.now),
        )

    return Form(
        form_id=ROUND_FORM,
        context="",
        title=turn.t("round_form.title"),
        submit_label=turn.t("round_form.submit"),
        cancel_label=turn.t("buttons.cancel"),
        fields=(
            SelectField(
                name="pillar",
                label=turn.t("round_form.pillar"),
                options=tuple(pillar_options),
                initial=value(values, "pillar") or None,
            ),
            text("meeting_title", required=False),
            moment("meeting_at"),
            moment("opens_at", default=turn.now.isoformat()),
            moment("closes_at"),
            TextField(
                name="question",
                label=turn.t("round_form.question"),
                hint=turn.t("round_form.question_hint"),
                multiline=True,
                required=False,
                initial=value(values, "question") or None,
            ),
            text("reminders", required=False, default="7d,2d"),
            ChoiceField(
                name="audience",
                label=turn.t("round_form.audience"),
                options=audiences,
                initial=(value(values, "audience") or Audience.PILLAR.value,),
            ),
            ChoiceField(
                name="options",
                label=turn.t("round_form.options"),
                options=(
                    Option(value=PER_ORGANISATION, label=turn.t("round_form.per_organisation")),
                    Option(value=POST_SUMMARY, label=turn.t("round_form.post_summary")),
                ),
                multiple=True,
                required=False,
                initial=chosen(values, "options"),
            ),
        ),
        errors=dict(errors or {}),
    )


def erase_form(
    turn: Turn, *, values: FormValues | None = None, errors: Mapping[str, Markup] | None = None
) -> Form:
    values = values or {}
    yes_no = (
        Option(value="keep", label=turn.t("erase_form.keep")),
        Option(value="delete", label=turn.t("erase_form.delete")),
    )
    return Form(
        form_id=ERASE_FORM,
        context="",
        title=turn.t("erase_form.title"),
        submit_label=turn.t("erase_form.submit"),
        cancel_label=turn.t("buttons.cancel"),
        intro=turn.t("erase_form.intro"),
        fields=(
            ChoiceField(
                name="answers",
                label=turn.t("erase_form.answers"),
                options=yes_no,
                initial=(value(values, "answers"),) if value(values, "answers") else (),
            ),
            ChoiceField(
                name="confirm",
                label=turn.t("erase_form.confirm"),
                options=(Option(value="yes", label=turn.t("erase_form.confirm_yes")),),
                multiple=True,
                required=False,
            ),
        ),
        errors=dict(errors or {}),
    )
