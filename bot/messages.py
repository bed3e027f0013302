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


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


@dataclass(frozen=True, kw_only=True)
class Button:
    label: Markup
    action: str  # the command the button runs, e.g. "answer"
    value: str = ""  # its argument, e.g. a round id
    style: ButtonStyle = ButtonStyle.DEFAULT


@dataclass(frozen=True, kw_only=True)
class Field:
    label: Markup
    value: Markup


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


FormField = SelectField | TextField | ChoiceField


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
