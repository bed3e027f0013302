"""The conversation: one entry point that turns a neutral event into neutral replies."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.conversation import member_commands, privacy_commands, round_commands, views
from bot.conversation.commands import Command, parse
from bot.conversation.core import Core
from bot.conversation.member_commands import Fits
from bot.conversation.turn import Turn
from bot.errors import InbrengError
from bot.events import Actor, ButtonEvent, CommandEvent, Event, FormEvent, MessageEvent
from bot.markup import join
from bot.messages import Button, ButtonStyle, Message
from bot.services.members import Refusal
from bot.texts import DEFAULT_LANGUAGE, available_languages

logger = logging.getLogger(__name__)

CommandHandler = Callable[[Core, Turn, list[str]], list[Message]]
FormHandler = Callable[[Core, Turn, FormEvent], list[Message]]

COMMANDS: dict[Command, CommandHandler] = {
    Command.HELP: member_commands.show_help,
    Command.ROUNDS: member_commands.list_rounds,
    Command.ANSWER: member_commands.answer,
    Command.MINE: member_commands.mine,
    Command.EDIT: member_commands.edit,
    Command.WITHDRAW: member_commands.withdraw,
    Command.DECLINE: member_commands.decline,
    Command.LANGUAGE: member_commands.set_language,
    Command.AWAY: member_commands.away,
    Command.BACK: member_commands.back,
    Command.STATUS: round_commands.status,
    Command.SUMMARY: round_commands.summary,
    Command.ROUND: round_commands.show_round,
    Command.NEW: round_commands.new_round,
    Command.CLOSE: round_commands.close,
    Command.PRIVACY: privacy_commands.privacy,
    Command.POST: round_commands.post,
    Command.EXPORT: round_commands.export,
}

FORMS: dict[str, FormHandler] = {
    "answer": member_commands.submit_answer,
    "round": round_commands.submit_round,
    "erase": privacy_commands.submit_erase,
}


def _default_first(language: str) -> tuple[bool, str]:
    return (language != DEFAULT_LANGUAGE, language)


class Conversation:
    def __init__(self, *, core: Core) -> None:
        self.core = core

    def handle(self, event: Event) -> list[Message]:
        member = self.core.members.resolve(event.actor)
        if isinstance(member, Refusal):
            return [self.stranger_message(member)]
        turn = Turn.of(member, texts=self.core.texts, now=self.core.clock.now())
        try:
            reply = self._dispatch(turn, event)
            return [views.in_parts(turn, reply[0]), *reply[1:]] if reply else reply
        except InbrengError as error:
            return [Message(text=turn.t(f"errors.{error.key}", **error.params))]

    def home(self, actor: Actor, *, fits: Fits | None = None) -> list[Message]:
        """What a member sees on the bot's home page (Slack's App Home). `fits`: whether
        the page can show these messages; answers that do not fit are left to `mine`,
        and the page says how many."""
        member = self.core.members.resolve(actor)
        if isinstance(member, Refusal):
            return [self.stranger_message(member)]
        turn = Turn.of(member, texts=self.core.texts, now=self.core.clock.now())
        return member_commands.home(self.core, turn, fits=fits)

    def welcome(self, actor: Actor) -> list[Message]:
        """When a member adds the bot (Teams): what it is for, and any round open to them."""
        member = self.core.members.resolve(actor)
        if isinstance(member, Refusal):
            return [self.stranger_message(member)]
        turn = Turn.of(member, texts=self.core.texts, now=self.core.clock.now())
        rounds = self.core.rounds
        return [
            Message(
                title=turn.t("welcome.title", name=member.name),
                text=turn.t("welcome.text"),
                buttons=(Button(label=turn.t("buttons.help"), action=Command.HELP),),
            ),
            *(views.invitation(turn, r, rounds.pillars_of(r)) for r in rounds.open_for(member)),
        ]

    def stranger_message(self, refusal: Refusal = Refusal.NOT_A_MEMBER) -> Message:
        """For people who are not taken for members, and why: one line in every language,
        since we cannot know theirs."""
        texts = self.core.texts
        return Message(
            text=join("\n\n", (texts.render(lang, f"errors.{refusal.value}")
                                for lang in sorted(available_languages(), key=_default_first)))
        )  # fmt: skip

    def _dispatch(self, turn: Turn, event: Event) -> list[Message]:
        match event:
            case CommandEvent(text=text):
                parsed = parse(text)
                if parsed is None:
                    return self._unknown(turn, text)
                return COMMANDS[parsed[0]](self.core, turn, parsed[1])
            case MessageEvent(text=text):
                parsed = parse(text)
                if parsed is None:
                    return self._free_text(turn, text)
                return COMMANDS[parsed[0]](self.core, turn, parsed[1])
            case ButtonEvent(action=action, value=value):
                try:
                    command = Command(action)
                except ValueError:
                    raise InbrengError("unknown_action") from None
                return COMMANDS[command](self.core, turn, value.split() if value else [])
            case FormEvent(form_id=form_id):
                handler = FORMS.get(form_id)
                if handler is None:
                    raise InbrengError("unknown_form")
                return handler(self.core, turn, event)

    def _unknown(self, turn: Turn, text: str) -> list[Message]:
        word = text.strip().split()[0][:40] if text.strip() else ""
        reply = [member_commands.show_help(self.core, turn, [])[0]]
        if word:
            reply.insert(0, Message(text=turn.t("errors.unknown_command", word=word)))
        return reply

    def _free_text(self, turn: Turn, text: str) -> list[Message]:
        """Typed text that is no command: explain, and offer to answer an open round."""
        open_rounds = self.core.rounds.open_for(turn.member)
        buttons = tuple(
            Button(
                label=turn.t("free_text.answer_button", meeting=r.meeting.title),
                action=Command.ANSWER,
                value=str(r.id),
                style=ButtonStyle.PRIMARY,
            )
            for r in open_rounds[:5]
        )
        return [
            Message(
                text=turn.t("free_text.text", open_rounds=len(open_rounds)),
                buttons=(*buttons, Button(label=turn.t("buttons.help"), action=Command.HELP)),
            )
        ]
