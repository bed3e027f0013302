"""Any text made safe for an Adaptive Card in Teams, so member text stays text.

A TextBlock (and a FactSet) is Markdown to Teams: emphasis, links, lists, and on some
clients code spans and strikethrough; `<at>` tags become mentions; and a templating host
would expand `${...}`. `escape` defuses all of these with as few changes as it can, so a
plain sentence comes out as it went in:

- Markdown specials get a backslash (CommonMark escapes, which Teams honours; older mobile
  clients showed the backslash too, which leaves the text readable); line-start markers
  (lists, headings, rules) only where they start a line.
- `<` and `>` become the lookalikes `‹` `›`: HTML entities are decoded on desktop but shown
  as typed (`&lt;`) by the mobile clients, while lookalikes read the same everywhere.
- A word joiner (invisible) splits `${`, `{{` and `://`, so no template, DATE/TIME
  function or bare-URL link can form; text that is shown never leads elsewhere.
"""

from __future__ import annotations

import json
import re

# Teams refuses a message activity above about 28 KB of JSON. One card gets 20 KB, which
# leaves room for the activity around it (addresses, ids, service URL: about 2 KB) and for
# a reply that carries the id of the card it replaces.
MESSAGE_BYTES = 28_000
CARD_BYTES = 20_000
# One TextBlock's share of a card. Teams publishes no limit per TextBlock, but a card of a
# few blocks scrolls and renders better on mobile than one block holding all of it.
TEXT_BLOCK_BYTES = 4_000

_WORD_JOINER = "\u2060"
_NO_BREAK_SPACE = "\u00a0"
_SPECIALS = re.compile(r"[\\`*_~\[\]]")
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_TEMPLATE = re.compile(r"\$(?=\{)|\{(?=\{)")
_SCHEME = re.compile(r"(?<=[A-Za-z0-9]):(?=//)")
_WWW = re.compile(r"(?i)\b(www)\.")
_INDENT = re.compile(r"^[ \t]+")
_LINE_MARKER = re.compile(r"^([\u00a0]*)([-+=#])")
_NUMBERED = re.compile(r"^([\u00a0]*\d{1,9})([.)])(?=[ \t]|$)")


def escape(text: str) -> str:
    """`text` as TextBlock Markdown that Teams shows as typed. Line breaks become
    paragraph breaks, as a single one would be joined into the line before it."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n").split("\n")
    if lines == [""]:
        return ""
    # An empty line holds a no-break space, or Teams would fold it into the break.
    return "\n\n".join(_escape_line(line) or _NO_BREAK_SPACE for line in lines)


def _escape_line(line: str) -> str:
    line = _SPECIALS.sub(r"\\\g<0>", line)
    line = _ENTITY.sub(r"\\&", line)
    line = line.replace("<", "‹").replace(">", "›")
    line = _TEMPLATE.sub(lambda m: m.group(0) + _WORD_JOINER, line)
    line = _SCHEME.sub(":" + _WORD_JOINER, line)
    line = _WWW.sub(lambda m: m.group(1) + _WORD_JOINER + ".", line)
    # Leading spaces would be dropped, or start a code block; no-break spaces keep the
    # indent (file contents) and are no Markdown.
    line = _INDENT.sub(lambda m: _NO_BREAK_SPACE * len(m.group(0).expandtabs(4)), line)
    line = _LINE_MARKER.sub(r"\1\\\2", line)
    return _NUMBERED.sub(r"\1\\\2", line)


def plain(text: str) -> str:
    """For what Teams shows without Markdown (button titles, input labels, choices):
    no Markdown escapes there, which would show; tags and templates are still defused."""
    text = text.replace("<", "‹").replace(">", "›")
    return _TEMPLATE.sub(lambda m: m.group(0) + _WORD_JOINER, text)


def clip(text: str, limit: int) -> str:
    """Fit a label into `limit` characters; never used on a message's own text."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def json_size(value: object) -> int:
    """Bytes `value` takes in ASCII-only JSON, never fewer than the UTF-8 JSON sent."""
    return len(json.dumps(value))


def escaped_pieces(text: str, limit: int = TEXT_BLOCK_BYTES) -> list[str]:
    """`text` escaped, in pieces of at most `limit` bytes of JSON each, cut at line ends
    or after spaces where possible; together they hold all of it."""
    pieces: list[str] = []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    while text:
        end = _longest_fitting_prefix(text, limit)
        rest = end
        if end < len(text):
            newline, space = text.rfind("\n", 0, end), text.rfind(" ", 0, end)
            if newline > end // 2:
                end, rest = newline, newline + 1
            elif space > end // 2:
                end = rest = space + 1
        piece, text = text[:end], text[rest:]
        if piece.strip():
            pieces.append(escape(piece))
    return pieces


def _longest_fitting_prefix(text: str, limit: int) -> int:
    window = text[:limit]  # every character takes at least a byte, so no more can fit
    if json_size(escape(window)) <= limit:
        return len(window)
    low, high = 1, len(window)  # a prefix of one character always fits
    while low < high:
        middle = (low + high + 1) // 2
        if json_size(escape(text[:middle])) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
