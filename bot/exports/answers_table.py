"""One row per answer: the table that the CSV and XLSX exports hold.

A row carries only what may be shown: the member's name only when they chose to be named,
the organisation unless they chose to be anonymous, and for an anonymous answer neither its
number nor its times. Whoever builds a row applies that choice (see `bot.services.exports`);
the renderers print rows as they are.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

from bot.exports.words import Words


@dataclass(frozen=True, kw_only=True)
class AnswerRow:
    answer_id: int | None  # None for an anonymous answer
    round_id: int
    meeting: str
    meeting_date: str  # ISO 8601 date, in the network's time zone
    pillar: str
    topic: str  # the topic's name, or the catalogue's word for "other"
    topic_assigned: bool  # the member chose no topic; the bot placed the answer
    theme: str  # "" when the answer is in no theme shown in exports
    text: str
    network_help: str
    member: str  # "" unless the member allowed their name
    organisation: str  # "" when the member answered anonymously
    created_at: str  # ISO 8601, with the network's UTC offset; "" when anonymous
    edited_at: str  # "" when never edited, or anonymous


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(AnswerRow))

Cell = str | int


def headers(words: Words) -> list[str]:
    return [words.plain(f"export_file.columns.{column}") for column in COLUMNS]


def cells(row: AnswerRow, words: Words) -> list[Cell]:
    """The row's values in column order; yes/no in words of the reader's language."""
    values: list[Cell] = []
    for value in astuple(row):
        if value is None:
            value = ""
        elif isinstance(value, bool):
            value = words.plain(f"export_file.{'assigned_by_bot' if value else 'chosen_by_member'}")
        values.append(value)
    return values
