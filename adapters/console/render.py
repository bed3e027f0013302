"""Neutral messages as terminal text: the markup as it reads (`bot.markup.plain`), and
nothing from a member that could drive the terminal."""

from __future__ import annotations

import re

from bot.markup import Markup, plain
from bot.messages import Button, Message

# Member text must not drive the terminal: drop escape sequences and other controls.
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|.)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Raw text (what a member typed) without escape sequences or control characters."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def shown(markup: Markup) -> str:
    """Markup as the terminal shows it: plain text, made safe."""
    return safe(plain(markup))


def render_message(message: Message, *, first_number: int = 1) -> str:
    """The message as text; its buttons are numbered from `first_number`."""
    parts = []
    if message.title:
        parts.append(f"== {shown(message.title)} ==")
    if message.text:
        parts.append(shown(message.text))
    for field in message.fields:
        value = shown(field.value).replace("\n", "\n    ")
        parts.append(f"  {shown(field.label)}:\n    {value}")
    if message.buttons:
        parts.append(render_buttons(message.buttons, first_number=first_number))
    return "\n".join(parts)


def render_buttons(buttons: tuple[Button, ...], *, first_number: int) -> str:
    return "  ".join(
        f"[{number}] {shown(button.label)}"
        for number, button in enumerate(buttons, start=first_number)
    )
