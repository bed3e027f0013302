"""The neutral markup every user-facing string is written in, and how to read it.

The texts in `prompts/` may emphasise words with `**strong**`; nothing else is markup. A
backslash takes the next character literally (`\\*`, `\\\\`), which is how text that is data
(member text, names, topics) keeps its asterisks: `escape` puts the backslashes in, and
every value placed in a text from the catalogue is escaped that way (`bot.texts`).

Each surface turns the markup into its own: Block Kit rich text for Slack, Adaptive Card
text runs for Teams, plain text for the terminal, HTML for the web. Because emphasis is the
only markup and data is always escaped, member text is shown exactly as typed everywhere.

`Markup` marks a string as already in the markup, so it is not escaped twice; the message
model (`bot.messages`) takes `Markup` only, which lets the type checker find any place where
raw text would reach a reader unescaped. The markup is a subset of Markdown: a Markdown
renderer shows it as intended.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SPECIAL = re.compile(r"([\\*])")
_TOKEN = re.compile(r"\\(.)|(\*\*)", re.DOTALL)


class Markup(str):
    """A string in the neutral markup. String operations on it give plain `str` again:
    combine pieces with `join` so the result is still known to be markup."""

    __slots__ = ()


EMPTY = Markup()


def escape(text: str) -> Markup:
    """`text` as markup that reads as `text`; markup stays as it is."""
    if isinstance(text, Markup):
        return text
    return Markup(_SPECIAL.sub(r"\\\1", text))


def join(separator: str, parts: Iterable[str]) -> Markup:
    """Markup pieces (and plain text, escaped) joined by a literal separator."""
    return Markup(escape(separator).join(escape(part) for part in parts))


@dataclass(frozen=True)
class Span:
    text: str
    strong: bool = False


def spans(markup: str) -> list[Span]:
    """The text as runs of plain and strong text, in order, backslashes resolved. Line
    breaks stay in the runs' text. An unclosed `**` is strong to the end."""
    runs: list[Span] = []
    current: list[str] = []
    strong = False
    position = 0

    def flush() -> None:
        if current:
            runs.append(Span("".join(current), strong))
            current.clear()

    for match in _TOKEN.finditer(markup):
        current.append(markup[position : match.start()])
        if match.group(1) is not None:
            current.append(match.group(1))
        else:
            flush()
            strong = not strong
        position = match.end()
    current.append(markup[position:])
    flush()
    return [run for run in runs if run.text]


def plain(markup: str) -> str:
    """The text as it reads, without emphasis: for the terminal, documents, spreadsheets,
    labels and anything else that shows no markup."""
    return "".join(span.text for span in spans(markup))


def lines(markup: str) -> list[list[Span]]:
    """`spans`, per line: each line a list of runs (an empty list for an empty line)."""
    result: list[list[Span]] = [[]]
    for span in spans(markup):
        pieces = span.text.split("\n")
        for index, piece in enumerate(pieces):
            if index:
                result.append([])
            if piece:
                result[-1].append(Span(piece, span.strong))
    return result
