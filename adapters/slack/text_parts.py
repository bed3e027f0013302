"""Text longer than one Slack input holds, over consecutive inputs, and back.

Slack's plain_text_input holds at most 3,000 characters. An answer stored longer than that
(imported, or given under an earlier limit) is offered for editing in as many inputs as it
needs, each at most that long; the submitted parts are joined back exactly, so nothing of
the text is cut. The first part keeps the field's own block id (errors show there); the
others are `name~2`, `name~3`, ...
"""

from __future__ import annotations

import math
from collections.abc import Mapping

SEPARATOR = "~"


def part_id(name: str, part: int) -> str:
    """The block id of part `part` (1-based) of field `name`."""
    return name if part == 1 else f"{name}{SEPARATOR}{part}"


def count(length: int, limit: int) -> int:
    """How many inputs of `limit` characters a text of `length` characters needs."""
    return max(1, math.ceil(length / limit))


def split(text: str, limit: int, parts: int) -> list[str]:
    """`text` in `parts` pieces of at most `limit` characters that join back to it exactly,
    cut after a line break or a space where one is near the end; missing pieces are
    empty."""
    pieces: list[str] = []
    rest = text
    while rest and len(pieces) < parts - 1 and len(rest) > limit:
        cut = max(rest.rfind("\n", 0, limit), rest.rfind(" ", 0, limit)) + 1
        cut = cut if cut > limit // 2 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:]
    pieces.append(rest)
    return pieces + [""] * (parts - len(pieces))


def joined(values: Mapping[str, str | tuple[str, ...]]) -> dict[str, str | tuple[str, ...]]:
    """Submitted values with every field's parts joined back into the field, in order."""
    result: dict[str, str | tuple[str, ...]] = {}
    parts: dict[str, dict[int, str]] = {}
    for block_id, value in values.items():
        name, _, number = block_id.rpartition(SEPARATOR)
        if name and number.isdecimal() and isinstance(value, str):
            parts.setdefault(name, {})[int(number)] = value
        else:
            result[block_id] = value
    for name, later in parts.items():
        first = result.get(name, "")
        text = first if isinstance(first, str) else ""
        result[name] = text + "".join(later[number] for number in sorted(later))
    return result
