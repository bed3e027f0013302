"""Neutral messages as Block Kit: rich text, fields and buttons, within Slack's limits.

A message's text is markup (`bot.markup`): it becomes `rich_text` blocks, whose text
elements Slack shows exactly as given (no mrkdwn, no mentions, no links, no emoji codes),
with the markup's emphasis as bold style. Titles, labels and short fields go into
plain_text objects, likewise shown as typed. Only the notification text is mrkdwn, escaped
(see `mrkdwn`), as Slack parses it regardless.
"""

from __future__ import annotations

from typing import Any

from adapters.slack import mrkdwn
from adapters.slack.actions import action_id
from bot.markup import Markup, Span, plain, spans
from bot.messages import Button, ButtonStyle, Confirmation, Field, Message

Block = dict[str, Any]

# Slack's published limits (Block Kit reference).
SECTION_TEXT = 3000
RICH_TEXT = 3000  # characters of text per rich_text block, as much as a section holds
HEADER_TEXT = 150
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
ACTIONS_ELEMENTS = 25
SECTION_FIELDS = 10
FIELD_TEXT = 2000
MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100
FALLBACK_TEXT = 3000
SHORT_FIELD = 120  # fields this short sit side by side in two columns
CONFIRM_TITLE = 100
CONFIRM_TEXT = 300
CONFIRM_BUTTON = 30


def plain_text(text: Markup, limit: int) -> dict[str, Any]:
    """A label or title, as it reads; emoji codes stay text."""
    return {
        "type": "plain_text",
        "text": mrkdwn.clip(mrkdwn.defused(plain(text)), limit),
        "emoji": False,
    }


def rich_text(text: Markup, *, bold: bool = False) -> list[Block]:
    """Text as one or more rich_text blocks, shown exactly as it reads; split, never cut
    off. `bold`: all of it strong (a field's label)."""
    if not plain(text).strip():
        return []
    runs = [Span(mrkdwn.defused(run.text), run.strong) for run in spans(text)]
    return [
        {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": piece}]}
        for piece in _pieces(runs, RICH_TEXT, bold=bold)
    ]


def _pieces(runs: list[Span], limit: int, *, bold: bool) -> list[list[dict[str, Any]]]:
    """Text elements in groups of at most `limit` characters, cut at a line end or a space
    where a run is too long for what is left."""
    pieces: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    room = limit
    for run in runs:
        rest = run.text
        while rest:
            if len(rest) > room:
                cut = max(rest.rfind("\n", 0, room), rest.rfind(" ", 0, room)) + 1
                cut = cut if cut > room // 2 else room
            else:
                cut = len(rest)
            if rest[:cut]:
                current.append(_text_element(rest[:cut], bold or run.strong))
            rest = rest[cut:]
            room -= cut
            if rest:
                pieces.append(current)
                current, room = [], limit
    if current:
        pieces.append(current)
    return pieces


def _text_element(text: str, strong: bool) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "text", "text": text}
    if strong:
        element["style"] = {"bold": True}
    return element


def field_blocks(fields: tuple[Field, ...]) -> list[Block]:
    """Short fields side by side, as plain text (label and value on two lines); otherwise
    each as its label in bold and its value in full."""
    if all(len(plain(f.label)) + len(plain(f.value)) <= SHORT_FIELD for f in fields):
        return [
            {
                "type": "section",
                "fields": [
                    {
                        "type": "plain_text",
                        "text": mrkdwn.defused(f"{plain(f.label)}\n{plain(f.value)}"),
                        "emoji": False,
                    }
                    for f in chunk
                ],
            }
            for chunk in (
                fields[i : i + SECTION_FIELDS] for i in range(0, len(fields), SECTION_FIELDS)
            )
        ]
    blocks: list[Block] = []
    for field in fields:
        blocks += rich_text(field.label, bold=True) + rich_text(field.value)
    return blocks


def button(element: Button, index: int) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "type": "button",
        "action_id": action_id(element.action, index),
        "text": plain_text(element.label, BUTTON_TEXT),
        "value": element.value[:BUTTON_VALUE],
    }
    if element.style != ButtonStyle.DEFAULT:
        rendered["style"] = element.style.value
    if element.confirm is not None:
        rendered["confirm"] = confirm_dialog(element.confirm, element.style)
    return rendered


def confirm_dialog(confirmation: Confirmation, style: ButtonStyle) -> dict[str, Any]:
    """Slack's own dialog before the button's action runs."""
    dialog: dict[str, Any] = {
        "title": plain_text(confirmation.title, CONFIRM_TITLE),
        "text": plain_text(confirmation.text, CONFIRM_TEXT),
        "confirm": plain_text(confirmation.confirm, CONFIRM_BUTTON),
        "deny": plain_text(confirmation.deny, CONFIRM_BUTTON),
    }
    if style != ButtonStyle.DEFAULT:
        dialog["style"] = style.value
    return dialog


def button_blocks(buttons: tuple[Button, ...]) -> list[Block]:
    return [
        {
            "type": "actions",
            "elements": [
                button(b, start + i)
                for i, b in enumerate(buttons[start : start + ACTIONS_ELEMENTS])
            ],
        }
        for start in range(0, len(buttons), ACTIONS_ELEMENTS)
    ]


def message_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    if message.title:
        blocks.append({"type": "header", "text": plain_text(message.title, HEADER_TEXT)})
    blocks += rich_text(message.text)
    blocks += field_blocks(message.fields)
    blocks += button_blocks(message.buttons)
    return blocks


def fallback_text(message: Message) -> str:
    """The notification text (and what screen readers get first): mrkdwn, escaped."""
    return mrkdwn.clip(mrkdwn.escape(plain(message.title or message.text)), FALLBACK_TEXT)


def render(messages: list[Message], *, limit: int = MESSAGE_BLOCKS) -> list[dict[str, Any]]:
    """Keyword arguments for chat.postMessage: the messages as few Slack messages as fit
    Slack's block limit, divided where they meet; long ones are split, not cut off."""
    posts: list[dict[str, Any]] = []
    blocks: list[Block] = []
    text = ""
    for message in messages:
        rendered = message_blocks(message)
        if not rendered:
            continue
        if blocks and len(blocks) + 1 + len(rendered) > limit:
            posts.append({"text": text, "blocks": blocks})
            blocks, text = [], ""
        if blocks:
            blocks.append({"type": "divider"})
        blocks += rendered
        text = text or fallback_text(message)
    if blocks:
        posts.append({"text": text, "blocks": blocks})
    return [p for chunk in posts for p in _fit(chunk, limit)]


def _fit(post: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    blocks = post["blocks"]
    return [
        {"text": post["text"], "blocks": blocks[i : i + limit]}
        for i in range(0, len(blocks), limit)
    ]
