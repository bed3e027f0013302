"""Checks of a submitted form that need no database, so that a chat platform can show
their errors beside the fields at once, in its acknowledgement (Slack gives it 3 s).

Each is a part of what the form's handler checks again when it stores the form; a form
that passes here may still come back with errors there (an unknown topic, a pillar that
no longer exists).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from bot.application.core import Core
from bot.conversation import forms
from bot.conversation.round_input import read_round_request
from bot.errors import FieldErrors, InbrengError
from bot.events import FormEvent
from bot.services.responses import answer_problems
from bot.services.rounds import RoundService

# The core, the submitted form, the moment, and the longest each text field was allowed
# to be when the form was shown (as the platform carried it along; may be empty).
FormCheck = Callable[[Core, FormEvent, datetime, Mapping[str, int]], list[InbrengError]]


def answer_problems_of(
    core: Core, event: FormEvent, now: datetime, limits: Mapping[str, int]
) -> list[InbrengError]:
    # An edit may keep a stored text longer than today's limit: the form was shown with
    # it; without it, only the store knows.
    new = event.context.startswith("round:")

    def limit(name: str) -> int:
        if name in limits:
            return max(limits[name], core.responses.max_chars)
        if new:
            return core.responses.max_chars
        return len(forms.value(event.values, name))

    return answer_problems(forms.read_answer(event.values), limit=limit)


def round_problems(
    core: Core, event: FormEvent, now: datetime, limits: Mapping[str, int]
) -> list[InbrengError]:
    try:
        request = read_round_request(event.values, zone=core.texts.zone, now=now)
        RoundService.validate(request, opens_at=request.opens_at or now, now=now)
    except FieldErrors as several:
        return list(several.errors)
    except InbrengError as error:
        return [error]
    return []


def erase_problems(
    core: Core, event: FormEvent, now: datetime, limits: Mapping[str, int]
) -> list[InbrengError]:
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
