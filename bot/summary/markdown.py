"""A round's theme summary and response rate as one Markdown document, as published."""

from __future__ import annotations

from bot.domain import Round, RoundStatus
from bot.markup import plain
from bot.participation import Participation
from bot.summary.model import Novelty, RoundSummary
from bot.summary.titles import theme_title
from bot.voice import Voice, pillar_names


def summary_markdown(
    voice: Voice,
    round_: Round,
    summary: RoundSummary,
    participation: Participation,
) -> str:
    themes = [
        {
            "title": plain(theme_title(voice, theme)),
            "new": theme.novelty == Novelty.NEW,
            "answers": theme.answers,
            "organisations": theme.organisations,
            "anonymous": theme.anonymous_answers,
            "keywords": theme.keywords,
            "quotes": theme.quotes,
        }
        for theme in summary.shown
    ]
    document = voice.document(
        "summary.markdown",
        meeting=round_.meeting.title,
        round_id=round_.id,
        pillars=pillar_names(round_),
        meeting_at=round_.meeting.starts_at,
        closes_at=round_.closes_at,
        final=round_.status == RoundStatus.SUMMARISED,
        answers=summary.answers,
        organisations=summary.organisations,
        anonymous=summary.anonymous_answers,
        withheld=voice.t("disclosure.withheld") if summary.anonymous_withheld else "",
        synthesis=summary.synthesis,
        themes=themes,
    )
    table = voice.document(
        "summary.participation_markdown",
        answered=participation.answered_organisations,
        organisations=len(participation.organisations),
        rate=participation.rate,
        note=voice.t("disclosure.per_organisation"),
        rows=participation.organisations,
    )
    return f"{document}\n\n{table}\n"
