"""Slack's mrkdwn: make any text safe to show, so member text stays text.

Slack turns `<!channel>`, `<@U123>` and `<https://x|label>` into mentions and links, and
only `&`, `<` and `>` need escaping to stop that. `@channel` typed literally is not a
mention when text objects are `verbatim`, which every renderer here sets; the zero-width
joiner keeps it harmless where Slack parses anyway (notifications, fallback text).
"""

from __future__ import annotations

import re

_BROADCASTS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    return plain(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def plain(text: str) -> str:
    """For plain_text objects: Slack shows them as they are, but still pings broadcasts."""
    return _BROADCASTS.sub(lambda m: "@" + _WORD_JOINER + m.group(1), text)


def clip(text: str, limit: int) -> str:
    """Fit a label into one of Slack's hard limits (button and title lengths)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escaped_pieces(text: str, limit: int) -> list[str]:
    """`text` escaped, in pieces of at most `limit` characters each (after escaping, which
    can make text up to five times longer), cut at line ends or spaces where possible."""
    pieces: list[str] = []
    while text:
        end = _longest_fitting_prefix(text, limit)
        if end < len(text):
            space = max(text.rfind("\n", 0, end), text.rfind(" ", 0, end))
            end = space if space > end // 2 else end
        piece, text = text[:end], text[end:].lstrip("\n")
        if piece.strip():
            pieces.append(escape(piece))
    return pieces


def _longest_fitting_prefix(text: str, limit: int) -> int:
    if len(escape(text)) <= limit:
        return len(text)
    low, high = 1, min(len(text), limit)  # a prefix of one character always fits
    while low < high:
        middle = (low + high + 1) // 2
        if len(escape(text[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
