"""What a platform adapter offers for sending on its own initiative."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain import Identity, Member, Platform
from bot.messages import Message


class DeliveryError(Exception):
    """Sending did not work. `retry_after` is the platform's own wait (a 429's Retry-After);
    `permanent` means trying again cannot help (no such channel, user deactivated)."""

    def __init__(
        self, reason: str, *, retry_after: float | None = None, permanent: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent


@dataclass(frozen=True, kw_only=True)
class Sent:
    message_id: str
    identity: Identity | None = None  # the identity with a new address, to remember


class Messenger(Protocol):
    platform: Platform

    async def find(self, member: Member) -> Identity | None:
        """The member's account on this platform, looked up by e-mail; None if absent."""
        ...

    async def send_direct(self, identity: Identity, message: Message) -> Sent: ...

    async def post(self, channel_id: str, message: Message) -> str:
        """Post to a channel; returns the platform's message id."""
        ...
