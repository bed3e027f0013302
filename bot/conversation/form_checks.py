"""Checks of a submitted form that need no database, so that a chat platform can show
their errors beside the fields at once, in its acknowledgement (Slack gives it 3 s).

Each is a part of what the form's handler checks again when it stores the form; a form
that passes here may still come back with errors there (an unknown topic, a pillar that
no longer exists).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.application.core import Core
from bot.conversation import forms
from bot.conversation.round_input import read_round_request
from bot.errors import FieldErrors, InbrengError
from bot.events import FormEvent
from bot.services.responses import answer_problems

FormCheck = Callable[[Core, FormEvent, datetime], list[InbrengError]]


def answer_problems_of(core: Core, event: FormEvent, now: datetime) -> list[InbrengError]:
    # An edit may keep a stored text longer than today's limit: only the store knows.
    new = event.context.startswith("round:")
    limit = core.responses.max_chars if new else None
    return answer_problems(
        forms.read_answer(event.values),
        limit=lambda name: limit if limit is not None else len(forms.value(event.values, name)),
    )


def round_problems(core: Core, event: FormEvent, now: datetime) -> list[InbrengError]:
    try:
        read_round_request(event.values, zone=core.texts.zone, now=now)
    except FieldErrors as several:
        return list(several.errors)
    except InbrengError as error:
        return [error]
    return []


def erase_problems(core: Core, event: FormEvent, now: datetime) -> list[InbrengError]:
    return erase_choice_problems(event.values)


def erase_choice_problems(values: forms.FormValues) -> list[InbrengError]:
    """The erase form needs a choice for the answers and the box ticked."""
    errors = []
    if forms.value(values, "answers") not in ("keep", "delete"):
        errors.append(InbrengError("field_required", field="answers"))
    confirm = values.get("confirm", ())
    if not (confirm == "yes" or (isinstance(confirm, tuple) and "yes" in confirm)):
        errors.append(InbrengError("erase_not_confirmed", field="confirm"))
    return errors
