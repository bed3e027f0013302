"""Teams activities read as neutral facts: who sent it, where, and which event it is.

Pure functions over botbuilder's `Activity`, so that every published Teams payload can be
run through them in tests without a server.
"""

from __future__ import annotations

import html
import re
from typing import Any

from botbuilder.schema import Activity, ChannelAccount

from adapters.teams import card_data
from bot.domain import Platform
from bot.events import Actor, ButtonEvent, Event, FormEvent, MessageEvent

PERSONAL = "personal"
CHANNEL = "channel"
_MENTION = re.compile(r"<at\b[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def tenant_of(activity: Activity) -> str:
    conversation = activity.conversation
    if conversation is not None and conversation.tenant_id:
        return str(conversation.tenant_id)
    tenant = channel_data(activity).get("tenant")
    return str(tenant.get("id") or "") if isinstance(tenant, dict) else ""


def team_of(activity: Activity) -> tuple[str, str] | None:
    """(team id, team name) when the activity happened in a team."""
    team = channel_data(activity).get("team")
    if not isinstance(team, dict) or not team.get("id"):
        return None
    return str(team["id"]), str(team.get("name") or "")


def conversation_id(activity: Activity) -> str:
    conversation = activity.conversation
    return str(conversation.id or "") if conversation is not None else ""


def conversation_type(activity: Activity) -> str:
    """personal, groupChat or channel; the Emulator sends none, and is a personal chat."""
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation is not None else None
    if kind:
        return str(kind)
    return "groupChat" if conversation is not None and conversation.is_group else PERSONAL


def actor(activity: Activity, email: str | None = None) -> Actor | None:
    sender = activity.from_property
    if sender is None or not sender.id:
        return None
    return account_actor(activity, sender, email)


def account_actor(activity: Activity, account: ChannelAccount, email: str | None = None) -> Actor:
    return Actor(
        platform=Platform.TEAMS, tenant=tenant_of(activity), user_id=str(account.id), email=email
    )


def added_people(activity: Activity) -> list[ChannelAccount]:
    """Who joined in a conversationUpdate, the bot itself left out."""
    bot_id = activity.recipient.id if activity.recipient is not None else None
    return [m for m in activity.members_added or [] if m.id and m.id != bot_id]


def bot_added(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient is not None else None
    return any(m.id == bot_id for m in activity.members_added or [])


def bot_removed(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient is not None else None
    return any(m.id == bot_id for m in activity.members_removed or [])


def text_of(activity: Activity) -> str:
    """What was typed, without @mentions of the bot and without Teams' HTML."""
    text = _MENTION.sub(" ", activity.text or "")
    return html.unescape(_TAG.sub(" ", text)).strip()


def to_event(activity: Activity, who: Actor) -> Event | card_data.FormCancelled | None:
    """A message's event: a card's button or form, or typed text. A cancelled form is
    returned as such (the adapter takes the card away); foreign cards give None."""
    if activity.value is not None:
        submitted = card_data.parse(activity.value)
        match submitted:
            case card_data.ButtonPressed(action=action, value=value):
                return ButtonEvent(actor=who, action=action, value=value)
            case card_data.FormSubmitted(form_id=form_id, context=context, values=values):
                return FormEvent(actor=who, form_id=form_id, context=context, values=values)
            case card_data.FormCancelled():
                return submitted
        return None
    text = text_of(activity)
    return MessageEvent(actor=who, text=text) if text else None
