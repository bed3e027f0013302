"""Platform-neutral incoming events. Adapters build these; the conversation handles them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.domain import Platform


@dataclass(frozen=True, kw_only=True)
class Actor:
    """Who is talking, as the platform knows them.

    `email` is what the platform tells about the person (profile e-mail, UPN); the bot
    uses it to find the member the first time, then remembers the identity. `tenant` is
    the Slack team or Teams tenant that vouches for the person, `enterprise` a Slack
    team's Enterprise Grid organisation (see `bot.trust`).
    """

    platform: Platform
    tenant: str
    user_id: str
    email: str | None = None
    enterprise: str = ""


@dataclass(frozen=True, kw_only=True)
class CommandEvent:
    """An explicit command, e.g. `/inbreng mijn` in Slack: unknown words get the help."""

    actor: Actor
    text: str


@dataclass(frozen=True, kw_only=True)
class MessageEvent:
    """Free text typed to the bot in a direct conversation."""

    actor: Actor
    text: str


@dataclass(frozen=True, kw_only=True)
class ButtonEvent:
    actor: Actor
    action: str
    value: str = ""


@dataclass(frozen=True, kw_only=True)
class FormEvent:
    """A submitted form; `context` is the opaque value the form carried (see `Form`)."""

    actor: Actor
    form_id: str
    context: str
    values: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


Event = CommandEvent | MessageEvent | ButtonEvent | FormEvent
