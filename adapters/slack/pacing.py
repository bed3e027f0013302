"""Slack's Web API rate limits as pacing lanes (see `bot.outbox.pacing`).

https://docs.slack.dev/apis/web-api/rate-limits: each method has a tier (Tier 1: 1+ per
minute, Tier 2: 20+, Tier 3: 50+, Tier 4: 100+, "with occasional bursts"), per app and
workspace; chat.postMessage has a special tier instead: about one message a second per
channel, short bursts allowed, and several hundred a minute for the whole workspace.

The paces below keep a margin under those figures (a rate a little lower, a burst well
inside Slack's), so that calls which leave on time but arrive a little late or bunched
up are still inside the limits. Only calls the bot makes on its own initiative (the
outbox) are paced. A 429 all the same makes its delivery wait the Retry-After, and
gives its slots back: Slack counts a refused call against no limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from aiohttp import FormData
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.outbox.pacing import Lane, Pace, Pacer

MARGIN = 0.995  # of a published rate
POST_METHOD = "chat.postMessage"
# Slack's "several hundred messages per minute" for a workspace: 600 is what it allows in
# practice, in bursts of some 20.
WORKSPACE_POSTS = Pace(per_minute=600 * MARGIN, burst=15)
CHANNEL_POSTS = Pace(per_minute=60 * MARGIN, burst=2)  # "1 per second", bursts of a few
TIERS: Mapping[str, Pace] = MappingProxyType(
    {
        "Tier1": Pace(per_minute=1 * MARGIN, burst=1),
        "Tier2": Pace(per_minute=20 * MARGIN, burst=2),
        "Tier3": Pace(per_minute=50 * MARGIN, burst=3),
        "Tier4": Pace(per_minute=100 * MARGIN, burst=5),
    }
)
# The tier of every method the bot calls on its own initiative; others count as Tier 3.
METHOD_TIERS: Mapping[str, str] = MappingProxyType(
    {
        "chat.update": "Tier3",
        "conversations.history": "Tier3",
        "conversations.open": "Tier3",
        "users.lookupByEmail": "Tier3",
        "users.info": "Tier4",
        "files.getUploadURLExternal": "Tier4",
        "files.completeUploadExternal": "Tier4",
    }
)
DEFAULT_TIER = "Tier3"


def lanes(method: str, channel: str | None) -> list[Lane]:
    """The lanes a call to `method` counts against."""
    if method == POST_METHOD:
        workspace = Lane(f"slack:{POST_METHOD}", WORKSPACE_POSTS)
        if not channel:
            return [workspace]
        return [Lane(f"slack:{POST_METHOD}:{channel}", CHANNEL_POSTS), workspace]
    tier = METHOD_TIERS.get(method, DEFAULT_TIER)
    return [Lane(f"slack:{method}", TIERS[tier])]


class PacedWebClient(AsyncWebClient):
    """A Web API client that waits for its slot in the pacing lanes before each call."""

    def __init__(self, *, pacer: Pacer, **options: Any) -> None:
        super().__init__(**options)
        self._pacer = pacer

    async def api_call(
        self,
        api_method: str,
        *,
        http_verb: str = "POST",
        files: dict[str, Any] | None = None,
        data: dict[str, Any] | FormData | None = None,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        auth: dict[str, Any] | None = None,
    ) -> AsyncSlackResponse:
        paced = lanes(api_method, _channel(data, params, json))
        await self._pacer.wait(paced)
        try:
            return await super().api_call(
                api_method,
                http_verb=http_verb,
                files=files,
                data=data,
                params=params,
                json=json,
                headers=headers,
                auth=auth,
            )
        except SlackApiError as error:
            if error.response.status_code == 429:
                # Slack counts no refused call against its limits.
                await self._pacer.give_back(paced)
            raise


def _channel(*arguments: object) -> str | None:
    for argument in arguments:
        if isinstance(argument, dict) and argument.get("channel"):
            return str(argument["channel"])
    return None
