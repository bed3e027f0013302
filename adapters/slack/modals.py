"""Neutral forms as Slack modals, and submitted modal state back as form values."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from adapters.slack import blocks, mrkdwn, text_parts
from adapters.slack.actions import callback_id
from bot.markup import escape, join, plain
from bot.messages import (
    ChoiceField,
    DateTimeField,
    Form,
    FormField,
    Option,
    SelectField,
    TextField,
)

# Slack's published limits for views and their elements.
VIEW_TITLE = 24
VIEW_BUTTON = 24
PRIVATE_METADATA = 3000
INPUT_LABEL = 2000
INPUT_HINT = 2000
TEXT_INPUT = 3000
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
RADIO_OPTIONS = 10
VALUE_ACTION = "value"  # every input's action id; the block id is the field's name


def _option(option: Option) -> dict[str, Any]:
    return {
        "text": blocks.plain_text(option.label, OPTION_TEXT),
        "value": option.value[:OPTION_VALUE],
    }


def _element(field: FormField) -> dict[str, Any]:
    if isinstance(field, DateTimeField):
        picker: dict[str, Any] = {"type": "datetimepicker"}
        moment = _epoch(field.initial)
        if moment is not None:
            picker["initial_date_time"] = moment
        return picker
    if isinstance(field, TextField):
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "multiline": field.multiline,
            "max_length": min(field.max_length or TEXT_INPUT, TEXT_INPUT),
        }
        if field.initial:
            element["initial_value"] = field.initial
        return element
    options = [_option(o) for o in field.options[:SELECT_OPTIONS]]
    chosen = {field.initial} if isinstance(field, SelectField) else set(field.initial)
    initial = [
        o for o, source in zip(options, field.options, strict=False) if source.value in chosen
    ]
    multiple = isinstance(field, ChoiceField) and field.multiple
    if isinstance(field, ChoiceField) and len(options) <= RADIO_OPTIONS:
        kind = "checkboxes" if multiple else "radio_buttons"
    else:
        kind = "multi_static_select" if multiple else "static_select"
    element = {"type": kind, "options": options}
    if initial and multiple:
        element["initial_options"] = initial
    elif initial:
        element["initial_option"] = initial[0]
    return element


def _inputs(field: FormField) -> list[dict[str, Any]]:
    """The field's input block; a text longer than one input holds gets several."""
    if not isinstance(field, TextField):
        return [_input(field)]
    longest = max(field.max_length or 0, len(field.initial or ""))
    parts = text_parts.count(longest, TEXT_INPUT)
    if parts == 1:
        return [_input(field)]
    pieces = text_parts.split(field.initial or "", TEXT_INPUT, parts)
    return [
        _input(
            replace(
                field,
                name=text_parts.part_id(field.name, number),
                label=escape(f"{plain(field.label)} ({number}/{parts})"),
                initial=piece or None,
                max_length=TEXT_INPUT,
                required=field.required and number == 1,
                hint=field.hint if number == parts else None,
            )
        )
        for number, piece in enumerate(pieces, start=1)
    ]


def _input(field: FormField) -> dict[str, Any]:
    block: dict[str, Any] = {
        "type": "input",
        "block_id": field.name,
        "label": blocks.plain_text(field.label, INPUT_LABEL),
        "optional": not field.required,
        "element": {**_element(field), "action_id": VALUE_ACTION},
    }
    if isinstance(field, TextField) and field.hint:
        block["hint"] = blocks.plain_text(field.hint, INPUT_HINT)
    return block


def _epoch(initial: str | None) -> int | None:
    """A moment (ISO 8601 with its offset) as the picker's Unix time; None for text that
    is no such moment, which the picker then leaves empty."""
    try:
        moment = datetime.fromisoformat(initial or "")
    except ValueError:
        return None
    return int(moment.timestamp()) if moment.tzinfo is not None else None


@dataclass(frozen=True)
class Metadata:
    """What travels with a modal: the form's context, the channel to reply in, the
    message the form was opened from (channel and ts), to update once it is answered, and
    the language it speaks and the longest each text field may be (for what is checked
    and said before the database is asked)."""

    context: str = ""
    reply_to: str = ""
    source: tuple[str, str] | None = None
    language: str = ""
    limits: Mapping[str, int] = field(default_factory=dict)


def modal(
    form: Form,
    *,
    reply_to: str = "",
    source: tuple[str, str] | None = None,
    language: str = "",
) -> dict[str, Any]:
    """The form as a modal view. `reply_to` (a channel), `source` and `language` travel
    along."""
    stored: dict[str, Any] = {"context": form.context, "reply_to": reply_to}
    if language:
        stored["language"] = language
    limits = {
        f.name: f.max_length for f in form.fields if isinstance(f, TextField) and f.max_length
    }
    if limits:
        stored["limits"] = limits
    if source is not None:
        stored["source"] = list(source)
    metadata = json.dumps(stored)
    if len(metadata) > PRIVATE_METADATA:
        raise ValueError("form context too long for a Slack modal")
    intro = blocks.rich_text(form.intro) if form.intro else []
    general = [m for name, m in form.errors.items() if name not in {f.name for f in form.fields}]
    problems = blocks.rich_text(join("\n", (f"⚠️ {plain(m)}" for m in general))) if general else []
    return {
        "type": "modal",
        "callback_id": callback_id(form.form_id),
        "private_metadata": metadata,
        "title": blocks.plain_text(form.title, VIEW_TITLE),
        "submit": blocks.plain_text(form.submit_label, VIEW_BUTTON),
        "close": blocks.plain_text(form.cancel_label or escape("×"), VIEW_BUTTON),
        "blocks": [*problems, *intro, *(block for f in form.fields for block in _inputs(f))],
    }


def field_errors(form: Form) -> dict[str, str]:
    """Errors Slack shows under the fields (`response_action: errors`), by block id."""
    names = {f.name for f in form.fields}
    return {
        name: mrkdwn.clip(plain(m), INPUT_LABEL) for name, m in form.errors.items() if name in names
    }


def metadata(view: Mapping[str, Any]) -> Metadata:
    """What travelled with a submitted view; anything malformed reads as absent."""
    try:
        stored = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        stored = {}
    if not isinstance(stored, dict):
        stored = {}
    source = stored.get("source")
    match source:
        case [str(channel), str(ts)] if channel and ts:
            where: tuple[str, str] | None = (channel, ts)
        case _:
            where = None
    return Metadata(
        context=str(stored.get("context") or ""),
        reply_to=str(stored.get("reply_to") or ""),
        source=where,
        language=str(stored.get("language") or ""),
        limits=_limits(stored.get("limits")),
    )


def _limits(stored: object) -> dict[str, int]:
    if not isinstance(stored, dict):
        return {}
    return {
        str(name): limit
        for name, limit in stored.items()
        if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0
    }


def inline_errors(view: Mapping[str, Any], errors: Mapping[str, str]) -> dict[str, str] | None:
    """`errors` (by field name) as Slack shows them under the view's inputs; None when one
    names no input of the view, which Slack would refuse."""
    inputs = {b.get("block_id") for b in view.get("blocks") or () if b.get("type") == "input"}
    if not errors or not set(errors) <= inputs:
        return None
    return {name: mrkdwn.clip(plain(m), INPUT_LABEL) for name, m in errors.items()}


def typed(view: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The texts typed into the view's text inputs, each with its input's label, in the
    view's order: what to give back when a submission could not be stored."""
    state = view.get("state", {}).get("values", {})
    found: list[tuple[str, str]] = []
    for block in view.get("blocks") or ():
        if block.get("type") != "input":
            continue
        for element in (state.get(block.get("block_id")) or {}).values():
            text = element.get("value") if element.get("type") == "plain_text_input" else None
            if isinstance(text, str) and text.strip():
                found.append((str((block.get("label") or {}).get("text") or ""), text))
    return found


def values(view: Mapping[str, Any]) -> dict[str, str | tuple[str, ...]]:
    """What the member filled in: field name -> text, chosen value, or chosen values (a
    text offered over several inputs joined back into one)."""
    state = view.get("state", {}).get("values", {})
    result: dict[str, str | tuple[str, ...]] = {}
    for block_id, actions in state.items():
        for element in actions.values():
            result[block_id] = _element_value(element)
    return text_parts.joined(result)


def _element_value(element: Mapping[str, Any]) -> str | tuple[str, ...]:
    kind = element.get("type")
    if kind in ("checkboxes", "multi_static_select"):
        return tuple(o.get("value", "") for o in element.get("selected_options") or ())
    if kind in ("static_select", "radio_buttons", "external_select"):
        selected = element.get("selected_option") or {}
        return str(selected.get("value", ""))
    if kind == "datepicker":
        return str(element.get("selected_date") or "")
    if kind == "datetimepicker":
        return _moment(element.get("selected_date_time"))
    return str(element.get("value") or "")


def _moment(selected: object) -> str:
    """The picker's Unix time as ISO 8601 (UTC, with its offset); "" when none was picked."""
    if isinstance(selected, bool) or not isinstance(selected, int | float):
        return ""
    try:
        return datetime.fromtimestamp(selected, UTC).isoformat(timespec="minutes")
    except (OverflowError, OSError, ValueError):
        return ""
