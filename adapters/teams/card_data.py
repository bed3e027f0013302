"""What our cards' Action.Submit buttons carry, and reading it back from `activity.value`.

Teams sends a pressed button's `data` as the activity's value, with the card's inputs
merged in by input id (a field's name). `KIND` marks the data as ours, so a foreign card's
submission (any other bot's or app's) is never taken for one of our buttons or forms.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.messages import ChoiceField, DateTimeField, Form

JsonObject = dict[str, Any]
FormValue = str | tuple[str, ...]

KIND = "inbreng"
BUTTON = "button"
FORM = "form"
CANCEL = "cancel"
ACTION = "action"
VALUE = "value"
FORM_ID = "form"
CONTEXT = "context"
MULTIPLE = "multiple"  # names of the fields whose value is several choices
MOMENTS = "moments"  # names of the date-time fields: a date input and a time input each
SOURCE = "source"  # the id of the card the form was opened from, to update when answered
# A token of each form card as sent: a second submission of the same card (a double click,
# a retried delivery) carries it again, while the card shown again with its errors has a
# new one. See `bot._repeat_key`.
CARD = "card"
OWN_KEYS = frozenset({KIND, ACTION, VALUE, FORM_ID, CONTEXT, MULTIPLE, MOMENTS, SOURCE, CARD})
CHOICE_SEPARATOR = ","  # how Input.ChoiceSet with isMultiSelect joins its values
TIME_SUFFIX = ".time"  # a date-time field's time input: its name with this; the date: its name


@dataclass(frozen=True)
class ButtonPressed:
    action: str
    value: str


@dataclass(frozen=True, kw_only=True)
class FormSubmitted:
    form_id: str
    context: str
    values: dict[str, FormValue]
    source: str = ""  # the activity id of the card the form was opened from
    card: str = ""  # the token of the card as sent (CARD)


@dataclass(frozen=True)
class FormCancelled:
    form_id: str


Submitted = ButtonPressed | FormSubmitted | FormCancelled


def button_data(action: str, value: str) -> JsonObject:
    return {KIND: BUTTON, ACTION: action, VALUE: value}


def submit_data(form: Form, *, source: str = "") -> JsonObject:
    multiple = [f.name for f in form.fields if isinstance(f, ChoiceField) and f.multiple]
    moments = [f.name for f in form.fields if isinstance(f, DateTimeField)]
    data: JsonObject = {KIND: FORM, FORM_ID: form.form_id, CONTEXT: form.context,
                        MULTIPLE: multiple, MOMENTS: moments,
                        CARD: secrets.token_urlsafe(12)}  # fmt: skip
    if source:
        data[SOURCE] = source
    return data


def cancel_data(form_id: str) -> JsonObject:
    return {KIND: CANCEL, FORM_ID: form_id}


def parse(value: object) -> Submitted | None:
    """What one of our cards sent, or None for anything else. Never raises: the value
    is whatever a client posted."""
    if not isinstance(value, dict):
        return None
    kind = value.get(KIND)
    reader = _READERS.get(kind) if isinstance(kind, str) else None
    return reader(value) if reader is not None else None


def _button(value: dict[Any, Any]) -> Submitted | None:
    action, argument = value.get(ACTION), value.get(VALUE, "")
    if not isinstance(action, str) or not action or not isinstance(argument, str):
        return None
    return ButtonPressed(action, argument)


def _form(value: dict[Any, Any]) -> Submitted | None:
    form_id, context = value.get(FORM_ID), value.get(CONTEXT, "")
    multiple, moments = value.get(MULTIPLE, []), value.get(MOMENTS, [])
    source, card = value.get(SOURCE, ""), value.get(CARD, "")
    if not isinstance(form_id, str) or not form_id or not isinstance(context, str):
        return None
    if not _names(multiple) or not _names(moments) or not isinstance(source, str):
        return None
    if not isinstance(card, str):
        return None
    values: dict[str, FormValue] = {}
    for name, entered in value.items():
        if not isinstance(name, str) or name in OWN_KEYS:
            continue
        read = _choices(entered) if name in multiple else _text(entered)
        if read is not None:
            values[name] = read
    for name in multiple:
        if name not in OWN_KEYS:
            values.setdefault(name, ())  # Teams leaves out a multi-select with nothing chosen
    for name in moments:
        if name not in OWN_KEYS:
            values[name] = _moment(values, name)
    return FormSubmitted(
        form_id=form_id, context=context, values=values, source=source, card=card[:64]
    )


def _names(names: object) -> bool:
    return isinstance(names, list) and all(isinstance(n, str) for n in names)


def _moment(values: dict[str, FormValue], name: str) -> str:
    """A date input and a time input as one moment, `YYYY-MM-DDTHH:MM` (the network's
    time); a date alone stays a date, which the round's rules refuse with a clear line."""
    day, time = values.pop(name, ""), values.pop(name + TIME_SUFFIX, "")
    if not isinstance(day, str) or not isinstance(time, str):
        return ""
    return f"{day.strip()}T{time.strip()}" if day.strip() and time.strip() else day.strip()


def _cancel(value: dict[Any, Any]) -> Submitted | None:
    form_id = value.get(FORM_ID)
    return FormCancelled(form_id) if isinstance(form_id, str) and form_id else None


_READERS: dict[str, Callable[[dict[Any, Any]], Submitted | None]] = {
    BUTTON: _button,
    FORM: _form,
    CANCEL: _cancel,
}


def _text(entered: object) -> str | None:
    """An input's value as text; other JSON (objects, lists, null) is dropped."""
    if isinstance(entered, str):
        return entered
    if isinstance(entered, bool):
        return "true" if entered else "false"
    if isinstance(entered, int | float):
        try:
            return str(entered)
        except ValueError:  # an int too long to print
            return None
    return None


def _choices(entered: object) -> tuple[str, ...]:
    if isinstance(entered, list):
        parts = [p for p in entered if isinstance(p, str)]
    elif isinstance(entered, str):
        parts = entered.split(CHOICE_SEPARATOR)
    else:
        parts = []
    return tuple(p.strip() for p in parts if p.strip())
