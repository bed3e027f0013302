"""The conversation: one entry point that turns a neutral event into neutral replies."""

from __future__ import annotations

import logging

from bot.application.permissions import require_somewhere
from bot.conversation import member_commands, views
from bot.conversation.command_table import COMMANDS, FORMS, show_help
from bot.conversation.commands import Command, parse, resolve
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
                return self._run(turn, *parsed)
            case MessageEvent(text=text):
                parsed = parse(text)
                if parsed is None:
                    return self._free_text(turn, text)
                return self._run(turn, *parsed)
            case ButtonEvent(action=action, value=value):
                try:
                    command = Command(action)
                except ValueError:
                    raise InbrengError("unknown_action") from None
                return self._run(turn, *resolve(command, value.split() if value else []))
            case FormEvent(form_id=form_id):
                form = FORMS.get(form_id)
                if form is None:
                    raise InbrengError("unknown_form")
                require_somewhere(turn.member, form.permission)
                return form.handler(self.core, turn, event)

    def _run(self, turn: Turn, command: Command, args: list[str]) -> list[Message]:
        """The one place a command's permission is checked, before its handler runs; where
        it depends on the round, the service that reads or changes it checks again."""
        entry = COMMANDS[command]
        require_somewhere(turn.member, entry.permission)
        return entry.handler(self.core, turn, args)

    def _unknown(self, turn: Turn, text: str) -> list[Message]:
        word = text.strip().split()[0][:40] if text.strip() else ""
        reply = [show_help(self.core, turn, [])[0]]
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
