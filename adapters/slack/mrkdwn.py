"""What Slack would read into text it shows, and how to stop it.

Slack turns `<!channel>`, `<@U123>` and `<https://x|label>` into mentions and links in
mrkdwn, and only `&`, `<` and `>` need escaping to stop that: `escape` does, for the one
mrkdwn string the bot sends (a message's notification text). A literal `@channel`,
`@here` or `@everyone` can still notify a whole channel from plain text and rich text; a
word joiner (invisible) keeps it from doing so (`defused`), and is the only change made
to text a member typed.
"""

from __future__ import annotations

import re

_BROADCASTS = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_WORD_JOINER = "\u2060"


def escape(text: str) -> str:
    """For mrkdwn: no mention, link or broadcast can form."""
    return defused(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def defused(text: str) -> str:
    """For plain and rich text, which Slack shows as given but for broadcasts."""
    return _BROADCASTS.sub(lambda m: "@" + _WORD_JOINER + m.group(1), text)


def clip(text: str, limit: int) -> str:
    """Fit a label into one of Slack's hard limits (button and title lengths)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
