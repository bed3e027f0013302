"""A member's own data: what is kept, a copy to take along, erasure."""

from __future__ import annotations

import json

from bot.application.core import Core
from bot.conversation import forms
from bot.conversation.commands import Command
from bot.conversation.form_checks import erase_choice_problems
from bot.conversation.turn import Turn
from bot.errors import InbrengError
from bot.events import FormEvent
from bot.messages import Button, ButtonStyle, File, Message

_EXPORT_WORDS = frozenset({"export", "download", "gegevens"})
_ERASE_WORDS = frozenset({"wis", "wissen", "erase", "delete", "verwijder"})


def privacy(core: Core, turn: Turn, args: list[str]) -> list[Message]:
    word = args[0].lower() if args else ""
    if word in _EXPORT_WORDS:
        return export(core, turn)
    if word in _ERASE_WORDS:
        return [Message(form=forms.erase_form(turn))]
    if word:
        raise InbrengError("unknown_privacy_action", value=word[:40])
    return [
        Message(
            title=turn.t("privacy.title"),
            text=turn.t("privacy.text"),
            buttons=(
                Button(label=turn.t("buttons.export"), action=Command.PRIVACY, value="export"),
                Button(
                    label=turn.t("buttons.erase"),
                    action=Command.PRIVACY,
                    value="erase",
                    style=ButtonStyle.DANGER,
                ),
            ),
        )
    ]


def export(core: Core, turn: Turn) -> list[Message]:
    data = core.privacy.export(turn.member)
    content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
    return [
        Message(
            text=turn.t("privacy.exported", answers=len(data["answers"])),
            files=(
                File(
                    filename=f"inbreng-{turn.member.id}.json",
                    media_type="application/json",
                    content=content,
                ),
            ),
        )
    ]


def submit_erase(core: Core, turn: Turn, event: FormEvent) -> list[Message]:
    problems = erase_choice_problems(event.values)
    if problems:
        errors = {str(e.field): turn.t(f"errors.{e.key}", **e.params) for e in problems}
        return [Message(form=forms.erase_form(turn, values=event.values, errors=errors))]
    answers = forms.value(event.values, "answers")
    erasure = core.privacy.erase(turn.member, keep_answers_anonymised=answers == "keep")
    return [
        Message(
            text=turn.t(
                "privacy.erased",
                anonymised=erasure.answers_anonymised,
                deleted=erasure.answers_deleted,
            )
        )
    ]
