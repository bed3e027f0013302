"""Neutral messages as Block Kit: sections, fields and buttons, within Slack's limits.

Every string from a message goes into a mrkdwn object escaped (see `mrkdwn`), or into a
plain_text object (titles, button labels), which Slack shows as typed and never turns into
mentions or links; broadcasts are defused in both.
"""

from __future__ import annotations

from typing import Any

from adapters.slack import mrkdwn
from adapters.slack.actions import action_id
from bot.messages import Button, ButtonStyle, Field, Message

Block = dict[str, Any]

# Slack's published limits (Block Kit reference).
SECTION_TEXT = 3000
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


def text_object(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": mrkdwn.clip(mrkdwn.plain(text), limit), "emoji": True}


def sections(text: str, *, bold: bool = False) -> list[Block]:
    """Text as one or more sections; split, never cut off."""
    limit = SECTION_TEXT - 2 if bold else SECTION_TEXT
    return [
        {"type": "section", "text": text_object(f"*{piece}*" if bold else piece)}
        for piece in mrkdwn.escaped_pieces(text, limit)
    ]


def _field_text(field: Field) -> str:
    return f"*{mrkdwn.escape(field.label)}*\n{mrkdwn.escape(field.value)}"


def field_blocks(fields: tuple[Field, ...]) -> list[Block]:
    if all(len(f.label) + len(f.value) <= SHORT_FIELD for f in fields):
        return [
            {"type": "section", "fields": [text_object(_field_text(f)) for f in chunk]}
            for chunk in (
                fields[i : i + SECTION_FIELDS] for i in range(0, len(fields), SECTION_FIELDS)
            )
        ]
    blocks: list[Block] = []
    for field in fields:
        blocks += sections(field.label, bold=True) + sections(field.value)
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
    return rendered


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
    blocks += sections(message.text)
    blocks += field_blocks(message.fields)
    blocks += button_blocks(message.buttons)
    return blocks


def fallback_text(message: Message) -> str:
    """The notification text (and what screen readers get first)."""
    return mrkdwn.clip(mrkdwn.escape(message.title or message.text), FALLBACK_TEXT)


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
