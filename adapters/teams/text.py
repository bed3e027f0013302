"""Text for Adaptive Cards in Teams, shown exactly as it reads.

A TextBlock (and a FactSet) is Markdown to Teams, and Markdown cannot show every string as
typed on every client (mobile clients show escapes as backslashes, entities as `&lt;`). So
text goes into RichTextBlocks of TextRuns, which Teams shows literally: no Markdown, no
HTML; the markup's emphasis (`bot.markup`) becomes a TextRun's weight. `inert` makes the
only change to what a member typed: a word joiner (invisible) splits `${`, `{{` and
`://` (and `www.`), so no template, card function or bare-URL link can form and text that
is shown never leads elsewhere.
"""

from __future__ import annotations

import json
import re

# Teams refuses a message activity above 40 KB counted as UTF-16, base64 images left out
# (https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages).
# A card of CARD_BYTES in ASCII-only JSON (`json_size`) takes at most twice that in UTF-16,
# which leaves some 6 KB for the activity around it (addresses, ids, service URL, summary).
MESSAGE_BYTES = 40_000
CARD_BYTES = 17_000
# One block's share of a card. Teams publishes no limit per block, but a card of a few
# blocks scrolls and renders better on mobile than one block holding all of it.
TEXT_BLOCK_BYTES = 4_000

_WORD_JOINER = "\u2060"
_TEMPLATE = re.compile(r"\$(?=\{)|\{(?=\{)")
_SCHEME = re.compile(r"(?<=[A-Za-z0-9]):(?=//)")
_WWW = re.compile(r"(?i)\b(www)\.")


def inert(text: str) -> str:
    """`text` as Teams shows it literally, with no template, function or link in it."""
    text = _TEMPLATE.sub(lambda m: m.group(0) + _WORD_JOINER, text)
    text = _SCHEME.sub(":" + _WORD_JOINER, text)
    return _WWW.sub(lambda m: m.group(1) + _WORD_JOINER + ".", text)


def clip(text: str, limit: int) -> str:
    """Fit a label into `limit` characters; never used on a message's own text."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_size(value: object) -> int:
    """Bytes `value` takes in ASCII-only JSON, never fewer than the UTF-8 JSON sent."""
    return len(json.dumps(value))


def pieces(text: str, limit: int) -> list[str]:
    """`text` in pieces of at most `limit` bytes of JSON each, cut after a space where
    possible; together they hold all of it, in order."""
    result: list[str] = []
    while text:
        end = _longest_fitting_prefix(text, limit)
        if end < len(text):
            space = text.rfind(" ", 0, end)
            end = space + 1 if space > end // 2 else end
        result.append(text[:end])
        text = text[end:]
    return result


def _longest_fitting_prefix(text: str, limit: int) -> int:
    window = text[:limit]  # every character takes at least a byte, so no more can fit
    if json_size(window) <= limit:
        return len(window)
    low, high = 1, len(window)  # a prefix of one character always fits
    while low < high:
        middle = (low + high + 1) // 2
        if json_size(text[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
