"""A conversation in a terminal: forms become prompts, buttons numbered choices.

Input and output are injected, so tests drive the same session with scripted lines.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from adapters.console.render import render_message, safe, shown
from bot.conversation.conversation import Conversation
from bot.domain import Platform
from bot.events import Actor, ButtonEvent, Event, FormEvent, MessageEvent
from bot.markup import Markup, plain
from bot.messages import (
    Button,
    ChoiceField,
    DateTimeField,
    Form,
    FormField,
    Message,
    Placement,
    SelectField,
    TextField,
)

TENANT = "local"
STOP_WORDS = frozenset({"stop", "exit", "quit", "bye"})
YES_WORDS = frozenset({"ja", "j", "yes", "y"})

Ask = Callable[[str], str]  # shows a prompt, returns the typed line; EOFError at the end
Say = Callable[[str], None]


def console_actor(email: str) -> Actor:
    return Actor(platform=Platform.CONSOLE, tenant=TENANT, user_id=email.lower(), email=email)


class ConsoleSession:
    def __init__(
        self,
        *,
        conversation: Conversation,
        email: str,
        language: str,
        ask: Ask,
        say: Say,
        files_dir: Path,
    ) -> None:
        self._conversation = conversation
        self._email = email
        self._actor = console_actor(email)
        self._language = language  # the member's; it follows `taal` as it changes
        self._ask = ask
        self._say = say
        self._files_dir = files_dir
        self._buttons: list[Button] = []  # the numbered choices on screen

    def t(self, key: str, **values: object) -> str:
        """The terminal's own words, in the member's language."""
        texts = self._conversation.texts
        return plain(texts.render(self._language, f"console.{key}", **values))

    def run(self) -> None:
        """Read lines until `stop` or end of input."""
        while True:
            try:
                line = self._ask("> ").strip()
            except (EOFError, KeyboardInterrupt):
                self._say("")
                break
            if line.lower() in STOP_WORDS:
                break
            if line:
                self.send(line)
        self._say(self.t("bye"))

    def send(self, line: str) -> None:
        """One line as the member typed it: a number picks a button on screen."""
        if line.isdecimal() and 1 <= int(line) <= len(self._buttons):
            button = self._buttons[int(line) - 1]
            if button.confirm is not None and not self._confirmed(button):
                self._say(self.t("not_confirmed"))
                return
            self._deliver(ButtonEvent(actor=self._actor, action=button.action, value=button.value))
        else:
            self._deliver(MessageEvent(actor=self._actor, text=line))

    def _confirmed(self, button: Button) -> bool:
        """The button's question, answered with yes: anything else changes nothing."""
        assert button.confirm is not None
        self._say(f"{shown(button.confirm.title)} {shown(button.confirm.text)}")
        try:
            answer = self._ask(f"  {self.t('confirm')} ")
        except EOFError:
            return False
        return answer.strip().lower() in YES_WORDS

    def _deliver(self, event: Event) -> None:
        reply = self._conversation.receive(event)
        self._language = reply.language  # `taal en` changes the prompts that follow as well
        self._show(reply.messages)

    def _show(self, messages: list[Message]) -> None:
        self._buttons = []
        # A terminal has no message to update: what only replaces one has nothing to say.
        for message in (m for m in messages if m.placement != Placement.REPLACE_ONLY):
            self._say(render_message(message, first_number=len(self._buttons) + 1))
            self._buttons.extend(message.buttons)
            for file in message.files:
                path = self._files_dir / Path(file.filename).name
                path.write_bytes(file.content)
                self._say(self.t("file_saved", path=str(path)))
        forms = [m.form for m in messages if m.form is not None]
        if self._buttons:
            self._say(self.t("choices"))
        for form in forms:
            self._fill(form)

    def _fill(self, form: Form) -> None:
        self._say(f"== {shown(form.title)} ==")
        if form.intro:
            self._say(shown(form.intro))
        for problem in form.errors.values():  # all at once, before the fields are asked again
            self._say(f"! {shown(problem)}")
        values: dict[str, str | tuple[str, ...]] = {}
        try:
            for field in form.fields:
                values[field.name] = self._ask_field(field, form.errors)
        except EOFError:
            return  # the member left; nothing was submitted
        self._deliver(
            FormEvent(actor=self._actor, form_id=form.form_id, context=form.context, values=values)
        )

    def _ask_field(self, field: FormField, errors: Mapping[str, Markup]) -> str | tuple[str, ...]:
        if field.name in errors:
            self._say(f"! {shown(errors[field.name])}")
        if isinstance(field, TextField | DateTimeField):
            return self._ask_text(field)
        return self._ask_choice(field)

    def _ask_text(self, field: TextField | DateTimeField) -> str:
        notes = [shown(field.hint)] if field.hint else []
        multiline = isinstance(field, TextField) and field.multiline
        if multiline:
            notes.append(self.t("multiline"))
        if isinstance(field, DateTimeField) and field.initial:
            notes.append(self.t("keep", value=_readable_moment(field.initial)))
        elif field.initial:
            first_line = safe(field.initial).split("\n")[0]
            preview = first_line if len(first_line) <= 60 else first_line[:59] + "…"
            notes.append(self.t("keep", value=preview))
        elif not field.required:
            notes.append(self.t("optional"))
        self._say(f"{shown(field.label)} ({' '.join(notes)})" if notes
                  else shown(field.label))  # fmt: skip
        lines = [self._ask("  ")]
        while multiline and lines[-1]:
            lines.append(self._ask("  "))
        text = "\n".join(lines).strip()
        return text or (field.initial or "")

    def _ask_choice(self, field: SelectField | ChoiceField) -> str | tuple[str, ...]:
        initial = field.initial if isinstance(field, SelectField) else (field.initial or (None,))[0]
        self._say(shown(field.label))
        for number, option in enumerate(field.options, start=1):
            marker = "*" if option.value == initial else " "
            self._say(f" {marker}[{number}] {shown(option.label)}")
        while True:
            answer = self._ask(f"  {self.t('choose')}: ").strip()
            if answer.lower() in STOP_WORDS:
                raise EOFError  # leave the form without submitting it
            if not answer and initial:
                chosen = initial
            elif answer.isdecimal() and 1 <= int(answer) <= len(field.options):
                chosen = field.options[int(answer) - 1].value
            elif any(o.value == answer for o in field.options):
                chosen = answer
            elif not answer and not field.required:
                return ""
            else:
                self._say(self.t("invalid_choice"))
                continue
            if isinstance(field, ChoiceField) and field.multiple:
                return (chosen,)
            return chosen


def _readable_moment(initial: str) -> str:
    """`2026-12-10T14:00+01:00` as `2026-12-10 14:00`: the network's time, as one types it."""
    return safe(initial[:16].replace("T", " "))
