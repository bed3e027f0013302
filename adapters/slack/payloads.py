"""Slack payloads as neutral events: one translator per payload type.

Each translator takes the parsed request body and the actor (resolved separately, since
that may need the Web API) and returns an event, or None for what the bot ignores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from adapters.slack import modals
from adapters.slack.actions import action_of, form_of
from bot.domain import Platform
from bot.events import Actor, ButtonEvent, CommandEvent, Event, FormEvent, MessageEvent

Payload = Mapping[str, Any]
Translator = Callable[[Payload, Actor], Event | None]

# Message subtypes that are still a person writing to the bot.
_PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


def sender(body: Payload) -> tuple[str, str] | None:
    """(team id, user id) of whoever caused the payload, for any payload type."""
    event = body.get("event") or {}
    user = body.get("user")
    user_id = (
        body.get("user_id")
        or (user.get("id") if isinstance(user, Mapping) else user)
        or event.get("user")
    )
    team = body.get("team")
    team_id = (
        body.get("team_id")
        or (team.get("id") if isinstance(team, Mapping) else None)
        or (user.get("team_id") if isinstance(user, Mapping) else None)
        or event.get("team")
    )
    if not isinstance(user_id, str) or not user_id:
        return None
    return (team_id if isinstance(team_id, str) else "", user_id)


def actor(team_id: str, user_id: str, email: str | None = None) -> Actor:
    return Actor(platform=Platform.SLACK, tenant=team_id, user_id=user_id, email=email)


def slash_command(body: Payload, who: Actor) -> Event | None:
    return CommandEvent(actor=who, text=str(body.get("text") or ""))


def block_action(body: Payload, who: Actor) -> Event | None:
    """The first of our buttons in the payload (Slack sends one action per click)."""
    for action in body.get("actions") or ():
        command = action_of(str(action.get("action_id", "")))
        if command is not None:
            return ButtonEvent(actor=who, action=command, value=str(action.get("value") or ""))
    return None


def view_submission(body: Payload, who: Actor) -> Event | None:
    view = body.get("view") or {}
    form_id = form_of(str(view.get("callback_id", "")))
    if form_id is None:
        return None
    context, _ = modals.metadata(view)
    return FormEvent(actor=who, form_id=form_id, context=context, values=modals.values(view))


def written_to_bot(body: Payload) -> bool:
    """A message a person wrote in the bot's DM: not the bot's own, other bots', or edits."""
    event = body.get("event") or {}
    return (
        event.get("channel_type") == "im"
        and not event.get("bot_id")
        and event.get("subtype") in _PERSON_SUBTYPES
    )


def direct_message(body: Payload, who: Actor) -> Event | None:
    if not written_to_bot(body):
        return None
    text = str((body.get("event") or {}).get("text") or "").strip()
    return MessageEvent(actor=who, text=text) if text else None


TRANSLATORS: dict[str, Translator] = {
    "slash_command": slash_command,
    "block_actions": block_action,
    "view_submission": view_submission,
    "message": direct_message,
}


def payload_type(body: Payload) -> str:
    """ "slash_command", an interactivity type, or the inner type of an Events API event."""
    if "command" in body:
        return "slash_command"
    if body.get("type") == "event_callback":
        return str((body.get("event") or {}).get("type", ""))
    return str(body.get("type", ""))


def to_event(body: Payload, who: Actor) -> Event | None:
    translate = TRANSLATORS.get(payload_type(body))
    return translate(body, who) if translate else None
