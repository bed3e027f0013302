"""What the charts draw, as plain data: the bars of each chart, before any drawing.

Kept apart from `bot.exports.charts` so that what a chart shows can be read (and compared)
without loading matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.exports.words import Words
from bot.participation import Participation
from bot.summary.model import Theme

MAX_THEMES = 15  # the largest; the agenda's text lists them all


@dataclass(frozen=True, kw_only=True)
class ThemeBar:
    label: str
    answers: int


@dataclass(frozen=True, kw_only=True)
class ResponseBar:
    """A municipality's asked members: answered, nothing this time, and the rest."""

    organisation: str
    asked: int
    answered: int
    declined: int

    @property
    def silent(self) -> int:
        return max(self.asked - self.answered - self.declined, 0)


def theme_bars(themes: Sequence[Theme], words: Words) -> list[ThemeBar]:
    """The largest themes, in the order given (largest first)."""
    return [
        ThemeBar(label=t.title or words.plain("export_file.other_theme"), answers=t.answers)
        for t in list(themes)[:MAX_THEMES]
    ]


def response_bars(participation: Participation) -> list[ResponseBar]:
    return [
        ResponseBar(
            organisation=o.organisation, asked=o.asked, answered=o.answered, declined=o.declined
        )
        for o in participation.organisations
    ]
