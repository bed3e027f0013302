"""Neutral messages and forms as Adaptive Cards (plain JSON), within Teams' limits.

Every string from a message goes into a TextBlock or FactSet escaped (see `text`), or into
a property Teams shows without Markdown (button titles, labels, choices) with only template
expressions defused. The renderer adds no words of its own: all of them come from the
message, in the member's language.
"""

from __future__ import annotations

import base64
from typing import Any

from adapters.teams import card_data, text
from bot.messages import (
    Button,
    ButtonStyle,
    ChoiceField,
    Field,
    File,
    Form,
    FormField,
    Message,
    SelectField,
    TextField,
)

Card = dict[str, Any]
Element = dict[str, Any]
Attachment = dict[str, Any]

CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
# Teams shows at most this many actions in a card's action bar, or in one ActionSet, and
# silently drops the rest.
SHOWN_ACTIONS = 6
# Teams publishes no limits for these; past them a button or label stops being readable.
ACTION_TITLE = 75
LABEL = 300
_STYLES = {ButtonStyle.PRIMARY: "positive", ButtonStyle.DANGER: "destructive"}
# The formats Teams shows in a card; larger than 1024 px or 1 MB it does not.
_INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif"})
_TEXT_MEDIA_TYPES = frozenset(
    {"application/json", "application/xml", "application/yaml", "application/x-yaml"}
)


def attachment(card: Card) -> Attachment:
    """The Bot Framework attachment that carries `card`."""
    return {"contentType": CONTENT_TYPE, "content": card}


def card(body: list[Element], actions: list[Element]) -> Card:
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "msteams": {"width": "Full"},
        "body": body,
        "actions": actions,
    }


def text_blocks(source: str, **style: str) -> list[Element]:
    """Text as one or more TextBlocks; split, never cut off."""
    return [
        {"type": "TextBlock", "text": piece, "wrap": True, **style}
        for piece in text.escaped_pieces(source)
    ]


# -- messages -------------------------------------------------------------------------------


def render(messages: list[Message]) -> list[Attachment]:
    """One card per message, or several when a message is longer than one card holds."""
    return [attachment(c) for message in messages for c in message_cards(message)]


def message_cards(message: Message) -> list[Card]:
    body = [
        *text_blocks(message.title, weight="Bolder", size="Medium"),
        *text_blocks(message.text),
        *fact_blocks(message.fields),
        *(block for file in message.files for block in file_blocks(file)),
    ]
    buttons = [button_action(b) for b in message.buttons]
    actions: list[Element] = []
    if len(buttons) <= SHOWN_ACTIONS:
        actions = buttons
    else:
        # ActionSets in the body, in order, rather than an overflow menu: every button
        # stays a button on every client, and none is dropped.
        body += [
            {"type": "ActionSet", "actions": buttons[i : i + SHOWN_ACTIONS]}
            for i in range(0, len(buttons), SHOWN_ACTIONS)
        ]
    if not body and not actions:
        return []
    return _packed(body, actions)


def _packed(body: list[Element], actions: list[Element]) -> list[Card]:
    """The body over as many cards as keep each within `text.CARD_BYTES`; the actions go
    on the last, after all of the text they are about."""
    budget = text.CARD_BYTES - text.json_size(card([], actions))
    bodies: list[list[Element]] = [[]]
    used = 0
    for element in body:
        size = _counted_size(element) + 2  # and the separator before it
        if bodies[-1] and used + size > budget:
            bodies.append([])
            used = 0
        bodies[-1].append(element)
        used += size
    last = len(bodies) - 1
    return [card(b, actions if i == last else []) for i, b in enumerate(bodies)]


def _counted_size(element: Element) -> int:
    """An element's size as Teams counts it: without an inline image's data, which is
    not part of the message size limit."""
    url = element.get("url")
    if element.get("type") == "Image" and isinstance(url, str) and url.startswith("data:"):
        return text.json_size({**element, "url": ""})
    return text.json_size(element)


def button_action(button: Button) -> Element:
    action: Element = {
        "type": "Action.Submit",
        "title": text.plain(text.clip(button.label, ACTION_TITLE)),
        "data": card_data.button_data(button.action, button.value),
    }
    if button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    return action


def fact_blocks(fields: tuple[Field, ...]) -> list[Element]:
    """Fields as FactSets; a field too long for one is shown as its label and text."""
    blocks: list[Element] = []
    facts: list[Element] = []
    for field in fields:
        fact = {"title": text.escape(field.label), "value": text.escape(field.value)}
        if text.json_size(fact) > text.TEXT_BLOCK_BYTES:
            blocks += _fact_set(facts)
            facts = []
            blocks += text_blocks(field.label, weight="Bolder") + text_blocks(field.value)
            continue
        if text.json_size([*facts, fact]) > text.TEXT_BLOCK_BYTES:
            blocks += _fact_set(facts)
            facts = []
        facts.append(fact)
    return blocks + _fact_set(facts)


def _fact_set(facts: list[Element]) -> list[Element]:
    return [{"type": "FactSet", "facts": facts}] if facts else []


def file_blocks(file: File) -> list[Element]:
    """A file's name and size, and a text file's content in full or an image as itself.
    Teams lets a bot attach a file in a personal chat only through the file consent card,
    so text is shown; an image travels inline, as a data URI."""
    if _is_image(file.media_type):
        encoded = base64.b64encode(file.content).decode("ascii")
        return [
            {
                "type": "Image",
                "url": f"data:{file.media_type};base64,{encoded}",
                "altText": text.plain(file.filename),
                "size": "Stretch",
            }
        ]
    heading = text_blocks(f"{file.filename} ({_size(len(file.content))})", weight="Bolder")
    if not _is_text(file.media_type):
        return heading
    content = file.content.decode("utf-8", errors="replace")
    return heading + text_blocks(content, fontType="Monospace")


def _is_image(media_type: str) -> bool:
    return media_type.split(";")[0].strip().lower() in _INLINE_IMAGES


def _is_text(media_type: str) -> bool:
    kind = media_type.split(";")[0].strip().lower()
    return kind.startswith("text/") or kind in _TEXT_MEDIA_TYPES or kind.endswith(("+json", "+xml"))


def _size(count: int) -> str:
    """Bytes in SI units, whole numbers: no decimal separator, which differs per language."""
    for unit, factor in (("MB", 1_000_000), ("kB", 1_000)):
        if count >= factor:
            return f"{round(count / factor)} {unit}"
    return f"{count} B"


# -- forms ----------------------------------------------------------------------------------


def form_card(form: Form) -> Attachment:
    """The form as a card: inputs prefilled with `initial`, each field's error under it and
    the form's other errors at the top, so a form shown again loses nothing typed."""
    _check(form)
    names = {f.name for f in form.fields}
    body = text_blocks(form.title, weight="Bolder", size="Medium")
    for name, problem in form.errors.items():
        if name not in names:
            body += text_blocks(problem, color="attention")
    body += text_blocks(form.intro)
    for field in form.fields:
        body.append(_input(field, form.errors.get(field.name, "")))
        if field.name in form.errors:
            body += text_blocks(form.errors[field.name], color="attention", spacing="Small")
    actions: list[Element] = [
        {
            "type": "Action.Submit",
            "title": text.plain(text.clip(form.submit_label, ACTION_TITLE)),
            "style": "positive",
            "data": card_data.submit_data(form),
        }
    ]
    if form.cancel_label:
        actions.append(
            {
                "type": "Action.Submit",
                "title": text.plain(text.clip(form.cancel_label, ACTION_TITLE)),
                "associatedInputs": "none",
                "data": card_data.cancel_data(form.form_id),
            }
        )
    return attachment(card(body, actions))


def _check(form: Form) -> None:
    """Mistakes in a form that Teams would turn into wrong answers, raised at once."""
    for field in form.fields:
        if field.name in card_data.OWN_KEYS:
            raise ValueError(f"field name {field.name!r} is taken by the card's own data")
        if (
            isinstance(field, ChoiceField)
            and field.multiple
            and any(card_data.CHOICE_SEPARATOR in o.value for o in field.options)
        ):
            raise ValueError(f"an option of {field.name!r} holds the choice separator")


def _input(field: FormField, error: str) -> Element:
    kind = "Input.Text" if isinstance(field, TextField) else "Input.ChoiceSet"
    element: Element = {
        "type": kind,
        "id": field.name,
        "label": text.plain(text.clip(field.label, LABEL)),
        "isRequired": field.required,
    }
    if field.required:
        # Teams shows this when the field is left empty; the label names what is missing.
        element["errorMessage"] = text.plain(text.clip(error or field.label, LABEL))
    if isinstance(field, TextField):
        element["isMultiline"] = field.multiline
        if field.max_length:
            element["maxLength"] = field.max_length
        if field.hint:
            element["placeholder"] = text.plain(text.clip(field.hint, LABEL))
        if field.initial:
            element["value"] = field.initial  # as typed: it is sent back as it is shown
        return element
    element["choices"] = [
        {"title": text.plain(text.clip(o.label, LABEL)), "value": o.value} for o in field.options
    ]
    if isinstance(field, SelectField):
        element["style"] = "compact"
        if field.initial is not None:
            element["value"] = field.initial
        return element
    element |= {"style": "expanded", "isMultiSelect": field.multiple}
    if field.initial:
        element["value"] = card_data.CHOICE_SEPARATOR.join(field.initial)
    return element
