"""Neutral messages and forms as Adaptive Cards (plain JSON), within Teams' limits.

Every string from a message is markup (`bot.markup`): text goes into RichTextBlocks of
TextRuns, which Teams shows exactly as they read (see `text`); labels, titles and choices
go into properties Teams shows without Markdown, as plain text. Fields are rows of two
columns. The renderer adds no words of its own: all of them come from the message, in the
member's language.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from adapters.teams import card_data, parts, text
from bot.markup import EMPTY, Markup, Span, escape, lines, plain
from bot.messages import (
    Button,
    ButtonStyle,
    ChoiceField,
    DateTimeField,
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
SHORT_FIELD = 120  # characters of label and value that sit side by side in one row
_NO_BREAK_SPACE = "\u00a0"  # an empty line that Teams keeps
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


def text_blocks(source: Markup, *, spacing: str = "", **style: str) -> list[Element]:
    """Text as RichTextBlocks, a line each (Teams would join the lines of a run), split
    where a line is long, never cut off. `style`: TextRun properties for all of it (weight,
    size, color, fontType); the markup's emphasis makes a run bold."""
    blocks: list[Element] = []
    shown_lines = lines(source)
    while shown_lines and not shown_lines[-1]:  # a trailing line break shows nothing
        shown_lines.pop()
    for line in shown_lines:
        runs = [_run(span, style) for span in line] or [_run(Span(_NO_BREAK_SPACE), style)]
        for group in _groups(runs):
            block: Element = {"type": "RichTextBlock", "inlines": group}
            if blocks:
                block["spacing"] = "None"  # the next line of the same text
            elif spacing:
                block["spacing"] = spacing
            blocks.append(block)
    return blocks


def _run(span: Span, style: dict[str, str]) -> Element:
    run: Element = {"type": "TextRun", "text": text.inert(span.text), **style}
    if span.strong:
        run["weight"] = "Bolder"
    return run


def _groups(runs: list[Element]) -> list[list[Element]]:
    """Runs in groups of at most `text.TEXT_BLOCK_BYTES`, a long run cut into several."""
    groups: list[list[Element]] = [[]]
    used = 0
    for run in runs:
        for piece in text.pieces(run["text"], text.TEXT_BLOCK_BYTES - 200):
            part = {**run, "text": piece}
            size = text.json_size(part)
            if groups[-1] and used + size > text.TEXT_BLOCK_BYTES:
                groups.append([])
                used = 0
            groups[-1].append(part)
            used += size
    return [group for group in groups if group]


# -- messages -------------------------------------------------------------------------------


def render(messages: list[Message]) -> list[Attachment]:
    """The messages as one card, one after the other; as consecutive cards when they hold
    more than one card takes (see `parts`), each with the first message's `part_title`."""
    return [attachment(c) for c in message_cards(messages)]


def message_cards(messages: list[Message]) -> list[Card]:
    groups: list[list[Element]] = []
    actions: list[Element] = []
    for message in messages:
        elements = [
            *(text_blocks(message.title, weight="Bolder", size="Medium") if message.title else []),
            *text_blocks(message.text),
            *fact_blocks(message.fields),
            *(block for file in message.files for block in file_blocks(file)),
        ]
        buttons = [button_action(b) for b in message.buttons]
        if len(messages) == 1 and len(buttons) <= SHOWN_ACTIONS:
            actions = buttons
        else:
            # ActionSets in the body, under what they act on, rather than an overflow menu:
            # every button stays a button on every client, and none is dropped.
            elements += [
                {"type": "ActionSet", "actions": buttons[i : i + SHOWN_ACTIONS]}
                for i in range(0, len(buttons), SHOWN_ACTIONS)
            ]
        if groups and elements:
            elements[0] = {**elements[0], "separator": True, "spacing": "Large"}
        if elements:
            groups.append(elements)
    if not groups and not actions:
        return []
    frame = text.json_size(attachment(card([], actions)))
    title = messages[0].title if messages else EMPTY
    heading = len(text_blocks(title)) if title else 0
    packed = parts.packed(groups, actions, frame=frame, opening=_opening(messages), heading=heading)
    return [card(b, a) for b, a in packed]


def _opening(messages: list[Message]) -> parts.Opening | None:
    part_title = messages[0].part_title if messages else None
    if part_title is None:
        return None
    return lambda part, count: text_blocks(part_title(part, count), weight="Bolder")


def button_action(button: Button) -> Element:
    """A button; one that asks first opens its question below it (Action.ShowCard), with
    the button that goes ahead: Teams has no confirmation dialog of its own."""
    action: Element = {
        "type": "Action.Submit",
        "title": label(button.label, ACTION_TITLE),
        "data": card_data.button_data(button.action, button.value),
    }
    if button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    if button.confirm is None:
        return action
    question = button.confirm
    go_ahead = {**action, "title": label(question.confirm, ACTION_TITLE)}
    shown = {
        "type": "AdaptiveCard",
        "body": [
            *text_blocks(question.title, weight="Bolder"),
            *text_blocks(question.text),
        ],
        "actions": [go_ahead],
    }
    return {"type": "Action.ShowCard", "title": action["title"], "card": shown}


def fact_blocks(fields: tuple[Field, ...]) -> list[Element]:
    """Fields as rows: the label in bold beside its value; a long field as its label and
    then its text, full width."""
    blocks: list[Element] = []
    for field in fields:
        label_blocks = text_blocks(field.label, weight="Bolder")
        value_blocks = text_blocks(field.value)
        if field.more:
            more = _more(field)
            if parts.counted_size(more) <= text.CARD_BYTES // 2:
                blocks += label_blocks + value_blocks + [more]
            else:  # too long to fold away within one card: in full, over the cards it takes
                blocks += label_blocks + text_blocks(field.more)
            continue
        if len(plain(field.label)) + len(plain(field.value)) > SHORT_FIELD:
            blocks += label_blocks + value_blocks
            continue
        blocks.append(
            {
                "type": "ColumnSet",
                "spacing": "Small",
                "columns": [
                    {"type": "Column", "width": 2, "items": label_blocks},
                    {"type": "Column", "width": 3, "items": value_blocks},
                ],
            }
        )
    return blocks


def _more(field: Field) -> Element:
    """The field's value in full, shown in the card when its button is pressed."""
    shown = {"type": "AdaptiveCard", "body": text_blocks(field.more)}
    action = {"type": "Action.ShowCard", "title": label(field.more_label, ACTION_TITLE)}
    return {"type": "ActionSet", "actions": [action | {"card": shown}]}


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
                "altText": text.inert(file.filename),
                "size": "Stretch",
            }
        ]
    heading = text_blocks(escape(f"{file.filename} ({_size(len(file.content))})"), weight="Bolder")
    if not _is_text(file.media_type):
        return heading
    content = file.content.decode("utf-8", errors="replace")
    return heading + text_blocks(escape(content), fontType="Monospace")


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


def form_card(form: Form, *, source: str = "") -> Attachment:
    """The form as a card: inputs prefilled with `initial`, each field's error under it and
    the form's other errors at the top, so a form shown again loses nothing typed.
    `source`: the id of the card it was opened from, which its answer may update."""
    _check(form)
    names = {f.name for f in form.fields}
    body = text_blocks(form.title, weight="Bolder", size="Medium")
    for name, problem in form.errors.items():
        if name not in names:
            body += text_blocks(problem, color="attention")
    if form.intro:
        body += text_blocks(form.intro)
    for field in form.fields:
        body += _inputs(field, form.errors.get(field.name, EMPTY))
        if field.name in form.errors:
            body += text_blocks(form.errors[field.name], color="attention", spacing="Small")
    actions: list[Element] = [
        {
            "type": "Action.Submit",
            "title": label(form.submit_label, ACTION_TITLE),
            "style": "positive",
            "data": card_data.submit_data(form, source=source),
        }
    ]
    if form.cancel_label:
        actions.append(
            {
                "type": "Action.Submit",
                "title": label(form.cancel_label, ACTION_TITLE),
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


def label(source: Markup, limit: int) -> str:
    """For what Teams shows as plain text (titles, labels, choices): as it reads."""
    return text.inert(text.clip(plain(source), limit))


def _inputs(field: FormField, error: Markup) -> list[Element]:
    if isinstance(field, DateTimeField):
        return _moment_inputs(field, error)
    return [_input(field, error)]


def _moment_inputs(field: DateTimeField, error: Markup) -> list[Element]:
    """Teams' date picker and time picker side by side, read back as one moment
    (`card_data`); prefilled with the network's local date and time of `initial`."""
    try:
        initial: datetime | None = datetime.fromisoformat(field.initial or "")
    except ValueError:
        initial = None
    date: Element = {
        "type": "Input.Date",
        "id": field.name,
        "label": label(field.label, LABEL),
        "isRequired": field.required,
    }
    time: Element = {
        "type": "Input.Time",
        "id": field.name + card_data.TIME_SUFFIX,
        "label": "\u00a0",  # lines up with the date's label, which names both
        "isRequired": field.required,
    }
    if field.required:
        date["errorMessage"] = time["errorMessage"] = label(error or field.label, LABEL)
    if initial is not None:
        date["value"] = initial.strftime("%Y-%m-%d")
        time["value"] = initial.strftime("%H:%M")
    return [
        {
            "type": "ColumnSet",
            "columns": [
                {"type": "Column", "width": 3, "items": [date]},
                {"type": "Column", "width": 2, "items": [time]},
            ],
        }
    ]


def _input(field: SelectField | ChoiceField | TextField, error: Markup) -> Element:
    kind = "Input.Text" if isinstance(field, TextField) else "Input.ChoiceSet"
    element: Element = {
        "type": kind,
        "id": field.name,
        "label": label(field.label, LABEL),
        "isRequired": field.required,
    }
    if field.required:
        # Teams shows this when the field is left empty; the label names what is missing.
        element["errorMessage"] = label(error or field.label, LABEL)
    if isinstance(field, TextField):
        element["isMultiline"] = field.multiline
        if field.max_length:
            element["maxLength"] = field.max_length
        if field.hint:
            element["placeholder"] = label(field.hint, LABEL)
        if field.initial:
            element["value"] = field.initial  # as typed: it is sent back as it is shown
        return element
    element["choices"] = [{"title": label(o.label, LABEL), "value": o.value} for o in field.options]
    if isinstance(field, SelectField):
        element["style"] = "compact"
        if field.initial is not None:
            element["value"] = field.initial
        return element
    element |= {"style": "expanded", "isMultiSelect": field.multiple}
    if field.initial:
        element["value"] = card_data.CHOICE_SEPARATOR.join(field.initial)
    return element
