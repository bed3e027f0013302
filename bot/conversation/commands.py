"""The command vocabulary: Dutch words with English aliases, one canonical name each."""

from __future__ import annotations

from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    ROUNDS = "rounds"
    ANSWER = "answer"
    MINE = "mine"
    EDIT = "edit"
    WITHDRAW = "withdraw"
    DECLINE = "decline"
    STATUS = "status"
    SUMMARY = "summary"
    ROUND = "round"
    NEW = "new"
    CLOSE = "close"
    CANCEL = "cancel"
    PRIVACY = "privacy"
    LANGUAGE = "language"
    POST = "post"
    EXPORT = "export"
    AWAY = "away"
    BACK = "back"


WORDS: dict[str, Command] = {
    "help": Command.HELP, "hulp": Command.HELP, "?": Command.HELP,
    "rondes": Command.ROUNDS, "rounds": Command.ROUNDS,
    "inbreng": Command.ANSWER, "antwoord": Command.ANSWER, "answer": Command.ANSWER,
    "mijn": Command.MINE, "mine": Command.MINE,
    "wijzig": Command.EDIT, "wijzigen": Command.EDIT, "edit": Command.EDIT,
    "intrekken": Command.WITHDRAW, "withdraw": Command.WITHDRAW,
    "niets": Command.DECLINE, "decline": Command.DECLINE, "nothing": Command.DECLINE,
    "status": Command.STATUS,
    "samenvatting": Command.SUMMARY, "summary": Command.SUMMARY,
    "ronde": Command.ROUND, "round": Command.ROUND,
    "nieuw": Command.NEW, "new": Command.NEW,
    "sluit": Command.CLOSE, "sluiten": Command.CLOSE, "close": Command.CLOSE,
    "annuleer": Command.CANCEL, "annuleren": Command.CANCEL, "cancel": Command.CANCEL,
    "privacy": Command.PRIVACY,
    "taal": Command.LANGUAGE, "language": Command.LANGUAGE,
    "plaats": Command.POST, "post": Command.POST,
    "export": Command.EXPORT, "exporteer": Command.EXPORT, "exporteren": Command.EXPORT,
    "afwezig": Command.AWAY, "away": Command.AWAY,
    "terug": Command.BACK, "back": Command.BACK,
}  # fmt: skip


# Button labels people type as they read them.
PHRASES: dict[str, str] = {"niets deze keer": "niets", "nothing this time": "nothing"}


# Words that do something else alone: `export` without a round is the member's own data (as
# `privacy export`), `ronde` without a number the list of rounds. Each then needs what that
# other command needs, not what the word needs with arguments.
WITHOUT_ARGUMENTS: dict[Command, tuple[Command, list[str]]] = {
    Command.EXPORT: (Command.PRIVACY, ["export"]),
    Command.ROUND: (Command.ROUNDS, []),
}


def resolve(command: Command, args: list[str]) -> tuple[Command, list[str]]:
    """The command that `command` with `args` amounts to (`WITHOUT_ARGUMENTS`)."""
    if not args and command in WITHOUT_ARGUMENTS:
        alone, alone_args = WITHOUT_ARGUMENTS[command]
        return alone, list(alone_args)
    return command, args


def parse(text: str) -> tuple[Command, list[str]] | None:
    """`"wijzig 12"` -> (EDIT, ["12"]); None when the first word is no command."""
    cleaned = " ".join(text.strip().lstrip("/").split())
    for phrase, word in PHRASES.items():
        if cleaned.lower().startswith(phrase):
            cleaned = word + cleaned[len(phrase) :]
    words = cleaned.split()
    if not words:
        return None
    command = WORDS.get(words[0].lower())
    return resolve(command, words[1:]) if command else None
