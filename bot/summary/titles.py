"""A theme's title as its reader sees it."""

from __future__ import annotations

from bot.markup import Markup, escape
from bot.summary.model import Theme
from bot.voice import Voice


def theme_title(turn: Voice, theme: Theme) -> Markup:
    """The engine's title, as text; an emergent theme without a topic is "Anders"."""
    return escape(theme.title) if theme.title else turn.t("answer_form.other_topic")
