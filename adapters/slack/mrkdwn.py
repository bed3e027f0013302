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
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCASTS.sub(lambda m: "@" + _WORD_JOINER + m.group(1), escaped)


def plain(text: str) -> str:
    """For plain_text objects: Slack shows them as they are, but still pings broadcasts."""
    return _BROADCASTS.sub(lambda m: "@" + _WORD_JOINER + m.group(1), text)


def clip(text: str, limit: int) -> str:
    """Fit a label into one of Slack's hard limits (button and title lengths)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def split(text: str, limit: int) -> list[str]:
    """Cut long text into pieces within `limit`, at line ends where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = text.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text or not pieces:
        pieces.append(text)
    return pieces
