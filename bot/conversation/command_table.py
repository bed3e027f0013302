"""The command table: for every command, form and button, its handler, the permission it
needs and the line of help that describes it.

The dispatcher (`bot.conversation.conversation`) checks the permission before it calls a
handler, so no handler repeats it; the help a member sees (`bot.conversation.command_help`) lists
what this table lets them do. A button carries a command as its action, so it goes through
the same entry as the typed command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.application.core import Core
from bot.conversation import (
    command_help,
    form_checks,
    member_commands,
    privacy_commands,
    round_commands,
)
from bot.conversation.commands import Command
from bot.conversation.form_checks import FormCheck
from bot.conversation.turn import Turn
from bot.events import FormEvent
from bot.messages import Message
from bot.permissions import Permission

CommandHandler = Callable[[Core, Turn, list[str]], list[Message]]
FormHandler = Callable[[Core, Turn, FormEvent], list[Message]]


@dataclass(frozen=True, kw_only=True)
class CommandEntry:
    handler: CommandHandler
    permission: Permission
    # The help line (`help.commands.<key>`); commands that share one name the same key, and
    # a command without one is not listed.
    help: str | None = None


@dataclass(frozen=True, kw_only=True)
class FormEntry:
    handler: FormHandler
    permission: Permission
    # What can be checked without the database, before the form is acknowledged.
    check: FormCheck | None = None


def show_help(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    return [command_help.help_message(turn, COMMANDS)]


# In the order the help lists them.
COMMANDS: dict[Command, CommandEntry] = {
    Command.HELP: CommandEntry(handler=show_help, permission=Permission.USE_BOT),
    Command.ROUNDS: CommandEntry(
        handler=member_commands.list_rounds, permission=Permission.USE_BOT, help="rounds"
    ),
    Command.ANSWER: CommandEntry(
        handler=member_commands.answer, permission=Permission.ANSWER, help="answer"
    ),
    Command.MINE: CommandEntry(
        handler=member_commands.mine, permission=Permission.ANSWER, help="mine"
    ),
    Command.EDIT: CommandEntry(
        handler=member_commands.edit, permission=Permission.ANSWER, help="mine"
    ),
    Command.WITHDRAW: CommandEntry(
        handler=member_commands.withdraw, permission=Permission.ANSWER, help="mine"
    ),
    Command.DECLINE: CommandEntry(
        handler=member_commands.decline, permission=Permission.ANSWER, help="decline"
    ),
    Command.PRIVACY: CommandEntry(
        handler=privacy_commands.privacy, permission=Permission.OWN_DATA, help="privacy"
    ),
    Command.LANGUAGE: CommandEntry(
        handler=member_commands.set_language, permission=Permission.USE_BOT, help="language"
    ),
    Command.AWAY: CommandEntry(
        handler=member_commands.away, permission=Permission.USE_BOT, help="away"
    ),
    Command.BACK: CommandEntry(
        handler=member_commands.back, permission=Permission.USE_BOT, help="away"
    ),
    Command.STATUS: CommandEntry(
        handler=round_commands.status, permission=Permission.READ_ROUND_STATUS, help="status"
    ),
    Command.SUMMARY: CommandEntry(
        # Reviewing (`samenvatting 12 goedkeuren`) needs REVIEW_SUMMARY too, checked by the
        # review itself: the same people hold both.
        handler=round_commands.summary,
        permission=Permission.READ_SUMMARY,
        help="summary",
    ),
    Command.POST: CommandEntry(
        handler=round_commands.post, permission=Permission.POST_TO_CHANNEL, help="post"
    ),
    Command.EXPORT: CommandEntry(
        handler=round_commands.export, permission=Permission.EXPORT_ROUND, help="export"
    ),
    Command.ROUND: CommandEntry(
        handler=round_commands.show_round, permission=Permission.READ_ROUND_STATUS, help="round"
    ),
    Command.NEW: CommandEntry(
        handler=round_commands.new_round, permission=Permission.MANAGE_ROUNDS, help="new"
    ),
    Command.CLOSE: CommandEntry(
        handler=round_commands.close, permission=Permission.MANAGE_ROUNDS, help="close"
    ),
    Command.CANCEL: CommandEntry(
        handler=round_commands.cancel, permission=Permission.MANAGE_ROUNDS, help="cancel"
    ),
}

FORMS: dict[str, FormEntry] = {
    "answer": FormEntry(
        handler=member_commands.submit_answer,
        permission=Permission.ANSWER,
        check=form_checks.answer_problems_of,
    ),
    "round": FormEntry(
        handler=round_commands.submit_round,
        permission=Permission.MANAGE_ROUNDS,
        check=form_checks.round_problems,
    ),
    "erase": FormEntry(
        handler=privacy_commands.submit_erase,
        permission=Permission.OWN_DATA,
        check=form_checks.erase_problems,
    ),
}
