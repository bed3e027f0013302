"""A card's elements over as few cards as Teams takes, each whole, in order.

Teams refuses a message above 40 KB counted in UTF-16 (`text.CARD_BYTES` keeps a card well
within it). Elements are never cut here: a text is already in blocks of at most
`text.TEXT_BLOCK_BYTES`; a message that fits on one card is not spread over two. When there
are several, each part says which part it is (the first under its title, the others at
the top), so a reader who sees one knows there are others; the actions go on the last
part, after everything they are about.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from adapters.teams import text

Element = dict[str, Any]
# The elements that open part `part` of `parts`.
Opening = Callable[[int, int], list[Element]]

_LARGEST_COUNT = 999  # for reserving room for the opening line, whatever its numbers


def packed(
    groups: list[list[Element]],
    actions: list[Element],
    *,
    frame: int,
    opening: Opening | None,
    heading: int = 0,
) -> list[tuple[list[Element], list[Element]]]:
    """(body, actions) per card. `groups`: the elements of each message, kept on one card
    when they fit on one, else split between elements. `frame`: the size of the card with
    its actions and an empty body, as sent. `heading`: how many elements the first card
    shows before its part's line (the title of what it begins)."""
    reserve = 0 if opening is None else size_of(opening(_LARGEST_COUNT, _LARGEST_COUNT))
    budget = text.CARD_BYTES - frame - reserve
    bodies: list[list[Element]] = [[]]
    used = 0
    for group in groups:
        if bodies[-1] and used + size_of(group) > budget and size_of(group) <= budget:
            bodies.append([])  # the whole message on the next card rather than across two
            used = 0
        for element in group:
            size = counted_size(element) + 2  # and the separator before it
            if bodies[-1] and used + size > budget:
                bodies.append([])
                used = 0
            bodies[-1].append(element)
            used += size
    count = len(bodies)
    if count > 1 and opening is not None:
        bodies = [
            b[:heading] + opening(n, count) + b[heading:] if n == 1 else opening(n, count) + b
            for n, b in enumerate(bodies, start=1)
        ]
    return [(b, actions if n == count else []) for n, b in enumerate(bodies, start=1)]


def size_of(elements: list[Element]) -> int:
    return sum(counted_size(e) + 2 for e in elements)


def counted_size(element: Element) -> int:
    """An element's size as Teams counts it: without an inline image's data, which is
    not part of the message size limit."""
    url = element.get("url")
    if element.get("type") == "Image" and isinstance(url, str) and url.startswith("data:"):
        return text.json_size({**element, "url": url.partition(",")[0] + ","})
    return text.json_size(element)
