"""The help a member sees, made from the command table: the commands they may use, grouped
as the roles that hold them (every member; pillar leads; the secretariat)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.conversation.commands import Command
from bot.conversation.turn import Turn
from bot.markup import join
from bot.messages import Message
from bot.permissions import (
    MEMBER_PERMISSIONS,
    PILLAR_PERMISSIONS,
    SECRETARIAT_PERMISSIONS,
    Actor,
    Permission,
    allows_somewhere,
)


class HelpedCommand(Protocol):
    """What the help needs of a command table's entry."""

    @property
    def permission(self) -> Permission: ...
    @property
    def help(self) -> str | None: ...


# Each section of the help: its heading (`help.sections.<key>`; None: no heading) and the
# permissions whose commands it lists.
SECTIONS: tuple[tuple[str | None, frozenset[Permission]], ...] = (
    (None, MEMBER_PERMISSIONS),
    ("lead", PILLAR_PERMISSIONS),
    ("secretariat", SECRETARIAT_PERMISSIONS),
)


def help_sections(
    actor: Actor, table: Mapping[Command, HelpedCommand]
) -> list[tuple[str | None, list[str]]]:
    """The sections `actor` sees, each with its help lines' keys, in the table's order;
    a line shared by several commands once, and a section with no line left out."""
    sections = []
    for heading, permissions in SECTIONS:
        keys: list[str] = []
        for entry in table.values():
            if (
                entry.help is not None
                and entry.help not in keys
                and entry.permission in permissions
                and allows_somewhere(actor, entry.permission)
            ):
                keys.append(entry.help)
        if keys:
            sections.append((heading, keys))
    return sections


def help_message(turn: Turn, table: Mapping[Command, HelpedCommand]) -> Message:
    parts = [
        join("\n", [
            *([turn.t(f"help.sections.{heading}")] if heading else []),
            *(turn.t(f"help.commands.{key}") for key in keys),
        ])
        for heading, keys in help_sections(turn.member, table)
    ]  # fmt: skip
    return Message(title=turn.t("help.title", name=turn.member.name), text=join("\n\n", parts))
