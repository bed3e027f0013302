"""Platform-neutral outgoing messages. Each adapter renders them for its platform.

Everything a reader sees is `Markup` (`bot.markup`): the catalogue's texts, and data
escaped with `markup.escape`, so member text is shown as typed. What goes back into a form
(an initial value, an option's value) is the raw text itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from bot.markup import EMPTY, Markup


class Placement(StrEnum):
    """Where a message goes, when the member acted on a message (a button on it, or a form
    opened from it): as a new message, or in the place of that message, whose buttons are
    then gone. Where nothing was acted on, REPLACE is shown as new and REPLACE_ONLY not at
    all (it only updates what it replaces, e.g. an invitation that is answered now)."""

    NEW = "new"
    REPLACE = "replace"
    REPLACE_ONLY = "replace_only"


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, kw_only=True)
class Confirmation:
    """Asked before a button's action runs (withdrawing, closing a round)."""

    title: Markup
    text: Markup
    confirm: Markup  # the button that goes ahead
    deny: Markup  # the button that changes nothing


@dataclass(frozen=True, kw_only=True)
class Button:
    label: Markup
    action: str  # the command the button runs, e.g. "answer"
    value: str = ""  # its argument, e.g. a round id
    style: ButtonStyle = ButtonStyle.DEFAULT
    confirm: Confirmation | None = None


@dataclass(frozen=True, kw_only=True)
class Field:
    label: Markup
    value: Markup
    # The value in full where `value` shortens it (quotes cut to their beginning), for a
    # surface that can show it on request, behind a button labelled `more_label`.
    more: Markup = EMPTY
    more_label: Markup = EMPTY


@dataclass(frozen=True, kw_only=True)
class Option:
    value: str
    label: Markup


@dataclass(frozen=True, kw_only=True)
class SelectField:
    name: str
    label: Markup
    options: tuple[Option, ...]
    initial: str | None = None
    required: bool = True


@dataclass(frozen=True, kw_only=True)
class TextField:
    name: str
    label: Markup
    multiline: bool = False
    required: bool = True
    max_length: int | None = None
    initial: str | None = None
    hint: Markup | None = None


@dataclass(frozen=True, kw_only=True)
class ChoiceField:
    """Radio buttons, or checkboxes when `multiple`."""

    name: str
    label: Markup
    options: tuple[Option, ...]
    initial: tuple[str, ...] = ()
    multiple: bool = False
    required: bool = True


@dataclass(frozen=True, kw_only=True)
class DateTimeField:
    """A moment, picked with the platform's date and time pickers where it has them.
    `initial` and the value that comes back: local time as `YYYY-MM-DDTHH:MM`; where a
    member types instead (the terminal), any text that `bot.timeparse` reads."""

    name: str
    label: Markup
    initial: str | None = None
    required: bool = True
    hint: Markup | None = None


FormField = SelectField | TextField | ChoiceField | DateTimeField


@dataclass(frozen=True, kw_only=True)
class Form:
    """A form to fill in. `context` travels with it unchanged (Slack private_metadata,
    card data), so the conversation needs no state of its own between turns."""

    form_id: str
    context: str
    title: Markup
    submit_label: Markup
    fields: tuple[FormField, ...]
    cancel_label: Markup = EMPTY
    intro: Markup = EMPTY
    errors: dict[str, Markup] = field(default_factory=dict)  # field name -> message
    # The button that opens this form again: where a platform can open a form only from a
    # button press (Slack's modals need one), it offers this button instead.
    opened_by: Button | None = None


@dataclass(frozen=True, kw_only=True)
class File:
    filename: str
    media_type: str
    content: bytes


# What part `part` of `parts` says it continues, e.g. "Samenvatting uitvraag 3, deel 2 van 4".
PartTitle = Callable[[int, int], Markup]


@dataclass(frozen=True, kw_only=True)
class Message:
    """One message. A platform that cannot carry it (or a reply of several messages, whose
    first message this is) in one piece divides it into parts, each headed by `part_title`
    with its number and how many there are."""

    text: Markup = EMPTY
    title: Markup = EMPTY
    fields: tuple[Field, ...] = ()
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    files: tuple[File, ...] = ()
    part_title: PartTitle | None = field(default=None, compare=False)
    placement: Placement = Placement.NEW
