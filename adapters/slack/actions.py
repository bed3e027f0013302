"""How a neutral button travels through Slack: its command in the action id, its argument
in the value. The index keeps action ids unique within a message, as Slack requires."""

from __future__ import annotations

PREFIX = "inbreng"
FORM_PREFIX = "inbreng-form"


def action_id(action: str, index: int) -> str:
    return f"{PREFIX}:{action}:{index}"


def action_of(slack_action_id: str) -> str | None:
    """The command behind an action id; None for actions that are not ours."""
    prefix, _, rest = slack_action_id.partition(":")
    action, _, _ = rest.partition(":")
    return action if prefix == PREFIX and action else None


def callback_id(form_id: str) -> str:
    return f"{FORM_PREFIX}:{form_id}"


def form_of(slack_callback_id: str) -> str | None:
    prefix, _, form_id = slack_callback_id.partition(":")
    return form_id if prefix == FORM_PREFIX and form_id else None
