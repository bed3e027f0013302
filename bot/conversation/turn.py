"""Who is being spoken to, in which language, at what moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain import Member
from bot.markup import Markup, plain
from bot.texts import Texts


@dataclass(frozen=True, kw_only=True)
class Voice:
    """Renders texts in one language; enough for views that show no member-specific parts."""

    texts: Texts
    language: str
    now: datetime

    def t(self, key: str, /, **values: Any) -> Markup:
        """The text in the neutral markup, for messages (`bot.markup`)."""
        return self.texts.render(self.language, key, **values)

    def plain(self, key: str, /, **values: Any) -> str:
        """The text as it reads, without markup: for a terminal, a document or a chart."""
        return plain(self.texts.render(self.language, key, **values))

    def document(self, key: str, /, **values: Any) -> str:
        """A Markdown document from the catalogue (`Texts.document`)."""
        return self.texts.document(self.language, key, **values)


@dataclass(frozen=True, kw_only=True)
class Turn(Voice):
    """One turn of the conversation with a member."""

    member: Member

    @classmethod
    def of(cls, member: Member, *, texts: Texts, now: datetime) -> Turn:
        return cls(member=member, texts=texts, language=member.language, now=now)
