"""The Web API client: one per process, pointed at SLACK_API_URL, retrying 429s, keeping
its connections open between calls (one session) instead of connecting for each."""

from __future__ import annotations

from aiohttp import ClientSession
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import SlackSettings

RATE_LIMIT_RETRIES = 3  # each waits the Retry-After that Slack gives


def web_client(settings: SlackSettings, session: ClientSession) -> AsyncWebClient:
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    return AsyncWebClient(
        token=token,
        base_url=settings.api_url,
        session=session,
        timeout=10,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )
