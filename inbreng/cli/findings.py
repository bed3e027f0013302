"""A finding of `inbreng doctor` as the line it prints (`network load` prints some too)."""

from __future__ import annotations

from bot.doctor import Finding
from bot.voice import Voice


def finding_line(voice: Voice, finding: Finding) -> str:
    return voice.plain(
        "doctor.line",
        mark=voice.plain(f"doctor.marks.{finding.level}"),
        area=voice.plain(f"doctor.areas.{finding.area}"),
        text=voice.plain(finding.text_key, **finding.params),
    )
