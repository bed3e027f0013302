"""What a platform adapter offers for sending on its own initiative."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.domain import Identity, Member, Platform
from bot.messages import Message
from bot.trust import TrustedTenants


class DeliveryError(Exception):
    """Sending did not work.

    `retry_after`: the platform is rate limiting and asked to wait this long; that is no
    failed attempt. `permanent`: trying again cannot help (no such channel, user
    deactivated). `uncertain`: the platform may have taken the message all the same (a
    5xx answer, a timeout), so look for it before sending it again.
    """

    def __init__(
        self,
        reason: str,
        *,
        retry_after: float | None = None,
        permanent: bool = False,
        uncertain: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.permanent = permanent
        self.uncertain = uncertain


@dataclass(frozen=True, kw_only=True)
class Sent:
    message_id: str
    identity: Identity | None = None  # the identity with a new address, to remember


class Messenger(Protocol):
    """Every message carries its delivery's `key`, so that a message that got through
    when the answer did not can be found again instead of being sent twice."""

    platform: Platform

    async def find(self, member: Member, *, trusted: TrustedTenants) -> Identity | None:
        """The member's account on this platform, looked up by e-mail in the workspaces and
        tenants that may vouch for them; None if absent there."""
        ...

    async def send_direct(self, identity: Identity, message: Message, *, key: str) -> Sent: ...

    async def post(self, channel_id: str, message: Message, *, key: str) -> str:
        """Post to a channel; returns the platform's message id."""
        ...

    async def find_sent(self, to: Identity | str, *, key: str) -> Sent | None:
        """The message sent earlier for `key` to this member (identity) or channel (id),
        if the platform has it."""
        ...
