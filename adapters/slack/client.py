"""The Web API clients: pointed at SLACK_API_URL, keeping their connections open between
calls (one session) instead of connecting for each.

Replies to members retry a 429 after Slack's Retry-After, as they must arrive now. The
outbox's own client is paced instead (`adapters.slack.pacing`) and does not retry: a 429
makes its delivery wait the Retry-After in the database, and the send goes on with the
next delivery rather than holding a slot of the pacing lanes while it waits."""

from __future__ import annotations

from aiohttp import ClientSession
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.pacing import PacedWebClient
from adapters.slack.settings import SlackSettings
from bot.outbox.pacing import Pacer

RATE_LIMIT_RETRIES = 3  # each waits the Retry-After that Slack gives
TIMEOUT_SECONDS = 10


def web_client(settings: SlackSettings, session: ClientSession) -> AsyncWebClient:
    return AsyncWebClient(
        token=_token(settings),
        base_url=settings.api_url,
        session=session,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )


def sending_client(settings: SlackSettings, session: ClientSession, pacer: Pacer) -> AsyncWebClient:
    """The outbox's client: paced, and a 429 reaches the outbox."""
    return PacedWebClient(
        pacer=pacer,
        token=_token(settings),
        base_url=settings.api_url,
        session=session,
        timeout=TIMEOUT_SECONDS,
        retry_handlers=[AsyncConnectionErrorRetryHandler()],
    )


def _token(settings: SlackSettings) -> str | None:
    return settings.bot_token.get_secret_value() if settings.bot_token else None
