"""Everything the renderers need of one round, gathered by the export service."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain import Round, RoundStatus
from bot.exports.answers_table import AnswerRow
from bot.participation import Participation
from bot.summary.model import RoundSummary
from bot.voice import pillar_names


@dataclass(frozen=True, kw_only=True)
class RoundExport:
    round_: Round  # with its pillars
    summary: RoundSummary
    participation: Participation
    rows: list[AnswerRow]

    @property
    def final(self) -> bool:
        """The summary is the stored one of a closed round, not a snapshot of a running one."""
        return self.round_.status == RoundStatus.SUMMARISED

    @property
    def pillar_names(self) -> str:
        return pillar_names(self.round_)
