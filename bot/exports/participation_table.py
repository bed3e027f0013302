"""Response per municipality as a table, for the XLSX sheet and the knowledge agenda."""

from __future__ import annotations

from bot.exports.words import Words
from bot.participation import Participation

COLUMNS = ("organisation", "asked", "answered", "declined", "answers")


def headers(words: Words) -> list[str]:
    return [words.plain(f"export_file.participation_columns.{column}") for column in COLUMNS]


def rows(participation: Participation) -> list[list[str | int]]:
    return [
        [o.organisation, o.asked, o.answered, o.declined, o.answers]
        for o in participation.organisations
    ]
