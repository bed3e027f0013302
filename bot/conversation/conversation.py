"""The conversation: one entry point that turns a neutral event into neutral replies."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from bot.application.core import Core
from bot.conversation import member_commands, views
from bot.conversation.command_table import COMMANDS, FORMS, show_help
from bot.conversation.commands import Command, parse, resolve
from bot.conversation.member_commands import Fits
from bot.conversation.turn import Turn
from bot.domain import Installation, Platform
from bot.errors import InbrengError
from bot.events import Actor, ButtonEvent, CommandEvent, Event, FormEvent, MessageEvent
from bot.markup import join
from bot.messages import Button, ButtonStyle, Message
from bot.permissions import require_somewhere
from bot.services.members import Refusal
from bot.texts import DEFAULT_LANGUAGE, available_languages

logger = logging.getLogger(__name__)


def _default_first(language: str) -> tuple[bool, str]:
    return (language != DEFAULT_LANGUAGE, language)


class Outcome(StrEnum):
    DONE = "done"
    REPEAT = "repeat"  # the platform sent this request before: nothing was done again
    NEEDS_EMAIL = "needs_email"  # a new face: ask the platform for their e-mail, then again


@dataclass(frozen=True)
class Reply:
    """What the adapter renders, and in which language its own notes go."""

    messages: list[Message] = field(default_factory=list)
    language: str = DEFAULT_LANGUAGE
    outcome: Outcome = Outcome.DONE


class _TurnEndedError(Exception):
    """Ends a use case without storing anything of it (the reply is in `reply`)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.outcome.value)
        self.reply = reply


class Conversation:
    """The one inbound entry point of every chat surface. Each request is one use case in
    one unit of work: the repeat check, who is talking (linking their identity on first
    contact), the address to reach them later, and what they asked."""

    def __init__(self, *, core: Core) -> None:
        self.core = core
        self.texts = core.texts  # for what an adapter says of its own

    def receive(
        self, event: Event, *, repeat_key: str | None = None, address: str | None = None
    ) -> Reply:
        """Handle an event once. `repeat_key`: what makes a request a repeat on its
        platform (an event id, a view's submission); `address`: how to message the
        sender later (a Teams conversation reference)."""
        return self._turn(
            event.actor, repeat_key, address, lambda turn: self._answer(turn, event)
        )

    def handle(self, event: Event) -> list[Message]:
        """`receive`, for a caller that has no e-mail address to add (the terminal)."""
        reply = self.receive(event)
        if reply.outcome == Outcome.NEEDS_EMAIL:
            reply = self.receive(replace(event, actor=replace(event.actor, email="")))
        return reply.messages

    def home(
        self, actor: Actor, *, fits: Fits | None = None, repeat_key: str | None = None
    ) -> Reply:
        """What a member sees on the bot's home page (Slack's App Home). `fits`: whether
        the page can show these messages; answers that do not fit are left to `mine`,
        and the page says how many."""
        return self._turn(
            actor, repeat_key, None, lambda turn: member_commands.home(self.core, turn, fits=fits)
        )

    def welcome(self, actor: Actor, *, address: str | None = None) -> Reply:
        """When a member adds the bot (Teams): what it is for, and any round open to them."""
        return self._turn(actor, None, address, self._welcome)

    def attend(
        self, actor: Actor, *, repeat_key: str | None = None, address: str | None = None
    ) -> Reply:
        """A request with nothing to answer: only who sent it, and how to reach them."""
        return self._turn(actor, repeat_key, address, lambda turn: [])

    def note(self, actor: Actor, key: str, *, repeat_key: str | None = None) -> Reply:
        """One text of the catalogue, in the sender's language (the network's default for
        someone the bot does not know), e.g. where the bot can be talked to."""
        return self._turn(
            actor,
            repeat_key,
            None,
            lambda turn: [Message(text=turn.t(key))],
            stranger=lambda refusal: [Message(text=self.texts.render(DEFAULT_LANGUAGE, key))],
        )

    def installed(self, installation: Installation) -> None:
        """The bot was added to a team (Teams): remembered, to find members and channels."""
        self.core.installations.installed(installation)

    def removed(self, platform: Platform, conversation_id: str) -> None:
        self.core.installations.removed(platform, conversation_id)

    def installations(self, platform: Platform) -> list[Installation]:
        """The teams the bot is in there, for the outbox to look for members."""
        return self.core.installations.of(platform)

    def _turn(
        self,
        actor: Actor,
        repeat_key: str | None,
        address: str | None,
        answer: Callable[[Turn], list[Message]],
        *,
        stranger: Callable[[Refusal], list[Message]] | None = None,
    ) -> Reply:
        core = self.core
        members = core.members
        try:
            with core.transactions.use_case():
                if actor.email is None and members.needs_email(actor):
                    raise _TurnEndedError(Reply(outcome=Outcome.NEEDS_EMAIL))
                if repeat_key is not None and not core.seen_events.first_time(
                    actor.platform, repeat_key
                ):
                    raise _TurnEndedError(Reply(outcome=Outcome.REPEAT))
                member = members.resolve(actor)
                if isinstance(member, Refusal):
                    if stranger is not None:
                        return Reply(stranger(member))
                    return Reply([self.stranger_message(member)])
                if address is not None:
                    members.remember_address(actor, address)
                turn = Turn.of(member, texts=core.texts, now=core.clock.now())
                try:
                    return Reply(answer(turn), language=turn.language)
                except InbrengError as error:
                    # The request is refused whole: nothing it stored so far is kept.
                    told = Message(text=turn.t(f"errors.{error.key}", **error.params))
                    raise _TurnEndedError(Reply([told], language=turn.language)) from None
        except _TurnEndedError as refused:
            return refused.reply

    def _answer(self, turn: Turn, event: Event) -> list[Message]:
        reply = self._dispatch(turn, event)
        return [views.in_parts(turn, reply[0]), *reply[1:]] if reply else reply

    def _welcome(self, turn: Turn) -> list[Message]:
        rounds = self.core.rounds
        return [
            Message(
                title=turn.t("welcome.title", name=turn.member.name),
                text=turn.t("welcome.text"),
                buttons=(Button(label=turn.t("buttons.help"), action=Command.HELP),),
            ),
            *(
                views.invitation(turn, r, list(r.pillars))
                for r in rounds.open_for(turn.member)
            ),
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
