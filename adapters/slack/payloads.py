"""Slack payloads as neutral events: one translator per payload type.

Each translator takes the parsed request body and the actor (resolved separately, since
that may need the Web API) and returns an event, or None for what the bot ignores.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from adapters.slack import modals
from adapters.slack.actions import action_of, form_of
from bot.domain import Platform
from bot.events import Actor, ButtonEvent, CommandEvent, Event, FormEvent, MessageEvent

Payload = Mapping[str, Any]
Translator = Callable[[Payload, Actor], Event | None]

# Message subtypes that are still a person writing to the bot.
_PERSON_SUBTYPES = frozenset({None, "file_share", "thread_broadcast"})


@dataclass(frozen=True)
class Sender:
    """Who caused a payload: the user, the team (workspace) that vouches for them and its
    Enterprise Grid organisation ("" outside a grid)."""

    team_id: str
    user_id: str
    enterprise_id: str = ""


@dataclass(frozen=True)
class Source:
    """The message a member acted on: its channel and timestamp, for `chat.update`."""

    channel: str
    ts: str


def source(body: Payload) -> Source | None:
    """The message whose button was pressed, when it is one the bot can update (not an
    ephemeral message, not the App Home tab)."""
    container = body.get("container") or {}
    if container.get("type") != "message" or container.get("is_ephemeral"):
        return None
    channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
    ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    return Source(str(channel), str(ts)) if channel and ts else None


def sender(body: Payload) -> Sender | None:
    """Whoever caused the payload, for any payload type. The user's own team comes first: in
    a channel shared with another organisation (Slack Connect) the payload's `team` is the
    workspace where it happened, and the user's own may be another."""
    event = body.get("event") or {}
    user = body.get("user")
    user_id = (
        body.get("user_id")
        or (user.get("id") if isinstance(user, Mapping) else user)
        or event.get("user")
    )
    team = body.get("team")
    team_id = (
        (user.get("team_id") if isinstance(user, Mapping) else None)
        or event.get("user_team")
        or body.get("team_id")
        or (team.get("id") if isinstance(team, Mapping) else None)
        or event.get("team")
    )
    enterprise = body.get("enterprise")
    enterprise_id = body.get("enterprise_id") or (
        enterprise.get("id") if isinstance(enterprise, Mapping) else None
    )
    if not isinstance(user_id, str) or not user_id:
        return None
    return Sender(
        team_id=team_id if isinstance(team_id, str) else "",
        user_id=user_id,
        enterprise_id=enterprise_id if isinstance(enterprise_id, str) else "",
    )


def actor(who: Sender, email: str | None = None) -> Actor:
    return Actor(
        platform=Platform.SLACK,
        tenant=who.team_id,
        user_id=who.user_id,
        email=email,
        enterprise=who.enterprise_id,
    )


@dataclass(frozen=True)
class Profile:
    """What `users.info` tells of a user: their e-mail address and their own team."""

    email: str
    home: Sender


def profile(user: Payload) -> Profile | None:
    """A person's profile with an e-mail address; None for bots, deactivated users and
    profiles that show no address."""
    email = (user.get("profile") or {}).get("email")
    if user.get("deleted") or user.get("is_bot") or not email:
        return None
    enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")
    return Profile(
        email=str(email),
        home=Sender(
            team_id=str(user.get("team_id") or ""),
            user_id=str(user.get("id") or ""),
            enterprise_id=str(enterprise or ""),
        ),
    )


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
    context = modals.metadata(view).context
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
