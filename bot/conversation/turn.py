"""Who is being spoken to in a turn of the conversation, in which language, at what moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain import Member
from bot.texts import Texts
from bot.voice import Voice


@dataclass(frozen=True, kw_only=True)
class Turn(Voice):
    """One turn of the conversation with a member."""

    member: Member

    @classmethod
    def of(cls, member: Member, *, texts: Texts, now: datetime) -> Turn:
        return cls(member=member, texts=texts, language=member.language, now=now)
