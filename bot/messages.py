"""Platform-neutral outgoing messages. Each adapter renders them for its platform.

All strings are plain text: member text is never pre-formatted here, so each renderer
escapes everything for its own medium (mrkdwn, Adaptive Cards, a terminal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, kw_only=True)
class Button:
    label: str
    action: str  # the command the button runs, e.g. "answer"
    value: str = ""  # its argument, e.g. a round id
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True, kw_only=True)
class Field:
    label: str
    value: str


@dataclass(frozen=True, kw_only=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True, kw_only=True)
class SelectField:
    name: str
    label: str
    options: tuple[Option, ...]
    initial: str | None = None
    required: bool = True


@dataclass(frozen=True, kw_only=True)
class TextField:
    name: str
    label: str
    multiline: bool = False
    required: bool = True
    max_length: int | None = None
    initial: str | None = None
    hint: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChoiceField:
    """Radio buttons, or checkboxes when `multiple`."""

    name: str
    label: str
    options: tuple[Option, ...]
    initial: tuple[str, ...] = ()
    multiple: bool = False
    required: bool = True


FormField = SelectField | TextField | ChoiceField


@dataclass(frozen=True, kw_only=True)
class Form:
    """A form to fill in. `context` travels with it unchanged (Slack private_metadata,
    card data), so the conversation needs no state of its own between turns."""

    form_id: str
    context: str
    title: str
    submit_label: str
    fields: tuple[FormField, ...]
    cancel_label: str = ""
    intro: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message


@dataclass(frozen=True, kw_only=True)
class File:
    filename: str
    media_type: str
    content: bytes


@dataclass(frozen=True, kw_only=True)
class Message:
    text: str = ""
    title: str = ""
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    files: tuple[File, ...] = ()
