"""Mounting the Bolt app: an aiohttp route for HTTP, or a Socket Mode connection."""

from __future__ import annotations

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler

from adapters.slack.app import SlackBot

ROUTE = "/slack/events"


def add_route(app: web.Application, bot: SlackBot) -> None:
    """POST /slack/events: Events API, interactivity and slash commands alike."""

    async def slack_events(request: web.Request) -> web.Response:
        response = await bot.app.async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    app.router.add_post(ROUTE, slack_events)


def socket_mode(bot: SlackBot, app_token: str) -> AsyncSocketModeHandler:
    """A Socket Mode connection (no public URL needed); start it with `connect_async()`."""
    return AsyncSocketModeHandler(bot.app, app_token, web_client=bot.app.client)
