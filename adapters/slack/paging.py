"""Blocks divided over as few Slack messages as Slack's limits allow, never cut.

A Slack message takes at most 50 blocks and, in practice, about 12,000 characters of block
text (`msg_blocks_too_long` beyond; `blocks.MESSAGE_BLOCK_TEXT`). Rich text longer than a
message may carry is divided into smaller rich text blocks at a line end or a space.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.markup import Span

Block = dict[str, Any]
DIVIDER: Block = {"type": "divider"}
# A rich text block is given at most a part of a message's characters, so that several
# fit in one message and a divided answer does not leave messages half empty.
_PIECES_PER_MESSAGE = 4


@dataclass(frozen=True)
class Budget:
    """What one message may carry: blocks, and characters of block text."""

    blocks: int
    characters: int

    def smaller(self) -> Budget:
        """Half the characters: for when Slack refuses a message as too long after all."""
        return Budget(blocks=self.blocks, characters=self.characters // 2)

    def less(self, blocks: int, characters: int) -> Budget:
        return Budget(blocks=self.blocks - blocks, characters=self.characters - characters)

    @property
    def piece(self) -> int:
        """The most characters one rich text block gets."""
        return max(1, self.characters // _PIECES_PER_MESSAGE)


def characters(node: Any) -> int:
    """Characters of text a reader is shown in a block (or a list of them): text objects,
    section fields and rich text elements, as Slack counts a message's length."""
    return sum(len(text) for text in _shown(node))


def _shown(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _shown(item)
    elif isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn", "text") and isinstance(
            node.get("text"), str
        ):
            yield node["text"]
            return
        for key, value in node.items():
            if key not in ("type", "block_id", "action_id", "value", "url"):
                yield from _shown(value)


def rich_text_blocks(runs: list[Span], limit: int, *, bold: bool = False) -> list[Block]:
    """Runs of text as rich_text blocks of at most `limit` characters each; divided, never
    cut off. `bold`: all of it strong."""
    return [
        {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": piece}]}
        for piece in _pieces(runs, limit, bold=bold)
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


def _narrower(block: Block, limit: int) -> list[Block]:
    """A rich text block longer than `limit` as several; any other block as it is."""
    if block.get("type") != "rich_text" or characters(block) <= limit:
        return [block]
    runs = [
        Span(str(element.get("text", "")), bool((element.get("style") or {}).get("bold")))
        for section in block.get("elements", [])
        for element in section.get("elements", [])
    ]
    return rich_text_blocks(runs, limit)


def pack(groups: list[list[Block]], budget: Budget) -> list[list[Block]]:
    """The groups' blocks (a group: one message's) in as few messages as fit `budget`,
    a divider between groups. A group that does not fit in what is left of a message
    starts the next one; a group larger than a whole message fills messages in turn. No
    message starts or ends with a divider."""
    messages: list[list[Block]] = []
    current: list[Block] = []
    used = 0

    def fits(blocks: int, size: int) -> bool:
        return len(current) + blocks <= budget.blocks and used + size <= budget.characters

    for group in groups:
        group = [piece for block in group for piece in _narrower(block, budget.piece)]
        if not group:
            continue
        size = characters(group)
        divider = [DIVIDER] if current else []
        if fits(len(divider) + len(group), size):
            current += divider + group
            used += size
            continue
        if current and len(group) <= budget.blocks and size <= budget.characters:
            messages.append(current)
            current, used = list(group), size
            continue
        for block in divider + group:
            size = characters(block)
            if current and not fits(1, size):
                messages.append(current)
                current, used = [], 0
            if block is DIVIDER and not current:
                continue
            current.append(block)
            used += size
    if current:
        messages.append(current)
    return [blocks[:-1] if blocks[-1] is DIVIDER else blocks for blocks in messages]
