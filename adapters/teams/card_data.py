"""What our cards' Action.Submit buttons carry, and reading it back from `activity.value`.

Teams sends a pressed button's `data` as the activity's value, with the card's inputs
merged in by input id (a field's name). `KIND` marks the data as ours, so a foreign card's
submission (any other bot's or app's) is never taken for one of our buttons or forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.messages import ChoiceField, Form

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
OWN_KEYS = frozenset({KIND, ACTION, VALUE, FORM_ID, CONTEXT, MULTIPLE})
CHOICE_SEPARATOR = ","  # how Input.ChoiceSet with isMultiSelect joins its values


@dataclass(frozen=True)
class ButtonPressed:
    action: str
    value: str


@dataclass(frozen=True, kw_only=True)
class FormSubmitted:
    form_id: str
    context: str
    values: dict[str, FormValue]


@dataclass(frozen=True)
class FormCancelled:
    form_id: str


Submitted = ButtonPressed | FormSubmitted | FormCancelled


def button_data(action: str, value: str) -> JsonObject:
    return {KIND: BUTTON, ACTION: action, VALUE: value}


def submit_data(form: Form) -> JsonObject:
    multiple = [f.name for f in form.fields if isinstance(f, ChoiceField) and f.multiple]
    return {KIND: FORM, FORM_ID: form.form_id, CONTEXT: form.context, MULTIPLE: multiple}


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
    multiple = value.get(MULTIPLE, [])
    if not isinstance(form_id, str) or not form_id or not isinstance(context, str):
        return None
    if not isinstance(multiple, list) or not all(isinstance(n, str) for n in multiple):
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
    return FormSubmitted(form_id=form_id, context=context, values=values)


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
