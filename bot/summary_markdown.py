"""A round's summary and response rate as one Markdown document."""

from __future__ import annotations

from bot.conversation.turn import Voice
from bot.conversation.views import pillar_names, topic_title
from bot.domain import Pillar, Round, RoundStatus
from bot.services.participation import Participation
from bot.services.summaries import RoundSummary


def summary_markdown(
    voice: Voice,
    round_: Round,
    pillars: list[Pillar],
    summary: RoundSummary,
    participation: Participation,
) -> str:
    groups = [
        {
            "title": topic_title(voice, group),
            "answers": group.answers,
            "breadth": group.breadth,
            "organisations": group.organisations,
            "anonymous_organisations": group.anonymous_organisations,
            "quotes": group.quotes,
        }
        for group in summary.groups
    ]
    document = voice.t(
        "summary.markdown",
        meeting=round_.meeting.title,
        round_id=round_.id,
        pillars=pillar_names(pillars, round_),
        meeting_at=round_.meeting.starts_at,
        closes_at=round_.closes_at,
        final=round_.status == RoundStatus.SUMMARISED,
        answers=summary.answers,
        organisations=summary.organisations,
        groups=groups,
    )
    table = voice.t(
        "summary.participation_markdown",
        answered=participation.answered_organisations,
        organisations=len(participation.organisations),
        rate=participation.rate,
        rows=participation.organisations,
    )
    return f"{document}\n\n{table}\n"
