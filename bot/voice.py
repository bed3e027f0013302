"""Speaking in one language: the catalogue's texts, and how things are named in them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain import Round
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


def pillar_names(round_: Round) -> str:
    return ", ".join(p.name for p in round_.pillars)
