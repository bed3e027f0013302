"""Neutral messages as Block Kit: rich text, fields and buttons, within Slack's limits.

A message's text is markup (`bot.markup`): it becomes `rich_text` blocks, whose text
elements Slack shows exactly as given (no mrkdwn, no mentions, no links, no emoji codes),
with the markup's emphasis as bold style. Titles, labels and short fields go into
plain_text objects, likewise shown as typed. Only the notification text is mrkdwn, escaped
(see `mrkdwn`), as Slack parses it regardless.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.slack import mrkdwn, paging
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
# Slack refuses a message with more block text than this (`msg_blocks_too_long`); it does
# not say how much exactly: about 13,200 has been seen to fail (slackapi/bolt-js#2509), and
# markdown blocks may hold 12,000 together.
MESSAGE_BLOCK_TEXT = 12_000
RESPONSE_URL_POSTS = 5  # a response_url takes 5 posts (in 30 minutes)
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
    return paging.rich_text_blocks(runs, RICH_TEXT, bold=bold)


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


def render(
    messages: list[Message],
    *,
    limit: int = MESSAGE_BLOCKS,
    characters: int = MESSAGE_BLOCK_TEXT,
) -> list[dict[str, Any]]:
    """Keyword arguments for chat.postMessage: the messages (one reply) as few Slack
    messages as fit Slack's limits on blocks and characters, divided where they meet;
    long ones are split, not cut off. When the reply takes several messages, each begins
    with what it continues and its number (the first message's `part_title`)."""
    shown = [m for m in messages if message_blocks(m)]
    if not shown:
        return []
    groups = [message_blocks(m) for m in shown]
    label = _part_label(shown[0])
    budget = paging.Budget(limit, characters)
    contents = paging.pack(groups, budget)
    if len(contents) > 1:  # room for the labels
        contents = paging.pack(groups, budget.less(1, paging.characters(label(9999, 9999))))
    return labelled(contents, label, fallback_text(shown[0]))


def view_blocks(messages: list[Message]) -> list[Block]:
    """The messages as the blocks of one view (App Home), a divider between them: a view
    has no limit on characters, only on blocks (`HOME_BLOCKS`), which its caller keeps."""
    groups = [rendered for m in messages if (rendered := message_blocks(m))]
    return [block for i, group in enumerate(groups) for block in [*[paging.DIVIDER][:i], *group]]


def render_rest(
    posts: list[dict[str, Any]],
    message: Message,
    *,
    done: int,
    budget: paging.Budget,
) -> list[dict[str, Any]]:
    """Posts not yet sent (after `done` that were), divided again within a smaller
    `budget`; their numbers go on from `done`."""
    content = [b for p in posts for b in p["blocks"] if not _is_label(b)]
    label = _part_label(message)
    reserve = paging.characters(label(9999, 9999))
    contents = paging.pack([content], budget.less(1, reserve))
    return labelled(contents, label, fallback_text(message), done=done)


def renumbered(
    post: dict[str, Any], message: Message, *, number: int, total: int
) -> dict[str, Any]:
    """A post of a message as part `number` of `total`."""
    content = [b for b in post["blocks"] if not _is_label(b)]
    return labelled(
        [content], _part_label(message), fallback_text(message), done=number - 1, total=total
    )[0]


PART_LABEL = "part"  # the block id of a label that says which part a message is


def labelled(
    contents: list[list[Block]],
    label: Callable[[int, int], list[Block]],
    text: str,
    *,
    done: int = 0,
    total: int | None = None,
) -> list[dict[str, Any]]:
    """Posts of these blocks, numbered on from `done` (of `total`, by default as many as
    there are); when there are several, each with its label (after the title, if it
    starts with one), and the label as the notification text of the later ones."""
    total = total or done + len(contents)
    if total == 1:
        return [{"text": text, "blocks": contents[0]}]
    posts = []
    for number, content in enumerate(contents, start=done + 1):
        heading = label(number, total)
        at = 1 if content and content[0].get("type") == "header" else 0
        posts.append(
            {
                "text": text if number == 1 else _label_text(heading),
                "blocks": [*content[:at], *heading, *content[at:]],
            }
        )
    return posts


def _part_label(message: Message) -> Callable[[int, int], list[Block]]:
    """The label of part `part` of `parts`, as rich text: the message's part title, or
    only the numbers when it has none."""

    def label(part: int, parts: int) -> list[Block]:
        title = (
            message.part_title(part, parts)
            if message.part_title is not None
            else Markup(f"({part}/{parts})")
        )
        return [
            {**block, "block_id": f"{PART_LABEL}-{part}-{index}"}
            for index, block in enumerate(rich_text(title, bold=True))
        ]

    return label


def _is_label(block: Block) -> bool:
    return str(block.get("block_id", "")).startswith(f"{PART_LABEL}-")


def _label_text(heading: list[Block]) -> str:
    shown = "".join(e["text"] for b in heading for s in b["elements"] for e in s["elements"])
    return mrkdwn.clip(mrkdwn.escape(shown), FALLBACK_TEXT)
