"""Slack wired into the server: one Web API client, the messenger for the outbox, and the
Bolt app mounted on POST /slack/events or connected over Socket Mode."""

from __future__ import annotations

import logging

from aiohttp import ClientSession, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from adapters.slack.app import SlackBot
from adapters.slack.client import sending_client, web_client
from adapters.slack.messenger import SlackMessenger
from adapters.slack.settings import SlackSettings
from bot.conversation.conversation import Conversation
from bot.outbox.pacing import Pacer

logger = logging.getLogger(__name__)

ROUTE = "/slack/events"


class SlackConnection:
    def __init__(
        self,
        *,
        session: ClientSession,
        bot: SlackBot,
        messenger: SlackMessenger,
        socket_handler: AsyncSocketModeHandler | None,
    ) -> None:
        self.messenger = messenger
        self._bot = bot
        self._session = session
        self._socket_handler = socket_handler

    async def socket_connected(self) -> bool | None:
        """Whether the Socket Mode connection is up; None over HTTP."""
        if self._socket_handler is None:
            return None
        return bool(await self._socket_handler.client.is_connected())

    async def finish(self, timeout: float) -> int:
        """Wait (at most `timeout` seconds) for the requests acknowledged and still at
        work; returns how many did not finish in time."""
        return await self._bot.finish(timeout)

    async def close(self, *, grace_seconds: float = 8.0) -> None:
        """Take no more requests (Socket Mode), let those acknowledged finish, then close."""
        if self._socket_handler is not None:
            await self._socket_handler.close_async()  # type: ignore[no-untyped-call]
        await self._bot.finish(grace_seconds)
        self._bot.drop_home_refreshes()
        await self._session.close()


async def connect(
    web_app: web.Application,
    conversation: Conversation,
    settings: SlackSettings,
    *,
    pacer: Pacer | None = None,
) -> SlackConnection:
    """With SLACK_APP_TOKEN: Socket Mode (no public URL needed); otherwise the HTTP route
    for the Events API, interactivity and slash commands alike. The messenger's calls are
    paced with `pacer` (one of this process's own when None)."""
    session = ClientSession()  # keeps connections to the Web API open between calls
    client = web_client(settings, session)
    secret = settings.signing_secret.get_secret_value() if settings.signing_secret else None
    bot = SlackBot(conversation=conversation, client=client, signing_secret=secret)
    socket_handler = None
    if settings.app_token is not None:
        socket_handler = AsyncSocketModeHandler(
            bot.app, settings.app_token.get_secret_value(), web_client=client
        )
        await socket_handler.connect_async()  # type: ignore[no-untyped-call]
        logger.info("Slack is on, in Socket Mode")
    else:

        async def slack_events(request: web.Request) -> web.Response:
            response = await bot.app.async_dispatch(await to_bolt_request(request))
            return await to_aiohttp_response(response)

        web_app.router.add_post(ROUTE, slack_events)
        logger.info("Slack is on, at POST %s", ROUTE)
    return SlackConnection(
        session=session,
        bot=bot,
        messenger=SlackMessenger(sending_client(settings, session, pacer or Pacer())),
        socket_handler=socket_handler,
    )
