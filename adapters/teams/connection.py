"""Teams wired into the server: POST /api/messages, and the messenger for the outbox.

With TEAMS_APP_ID every request must carry a Bot Framework token that botbuilder validates
(signature, issuer, audience, service URL); a missing or invalid one gets 401 before
anything is read. Without an app id there is nothing to validate against, so only
requests from this machine are served (the Bot Framework Emulator's way of working).
"""

from __future__ import annotations

import ipaddress
import json
import logging

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from adapters.teams.auth import authentication
from adapters.teams.bot import TeamsBot, describe
from adapters.teams.messenger import TeamsMessenger
from bot.config import TeamsSettings
from bot.conversation.conversation import Conversation

logger = logging.getLogger(__name__)

ROUTE = "/api/messages"


class TeamsConnection:
    def __init__(self, *, messenger: TeamsMessenger) -> None:
        self.messenger = messenger

    async def close(self) -> None:
        """Nothing to close: botbuilder opens a client session per conversation turn."""


def connect(
    web_app: web.Application, conversation: Conversation, settings: TeamsSettings
) -> TeamsConnection:
    auth = authentication(settings)
    adapter = CloudAdapter(auth)
    adapter.on_turn_error = _turn_failed
    bot = TeamsBot(conversation=conversation)

    async def messages(request: web.Request) -> web.Response:
        if not settings.authenticated and not _from_this_machine(request):
            return _refusal(403, "without TEAMS_APP_ID only local requests are served")
        if request.content_type != "application/json":
            return _refusal(415, "expected application/json")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _refusal(400, "the body is not JSON")
        activity = Activity().deserialize(body) if isinstance(body, dict) else None
        if activity is None or not activity.type:
            return _refusal(400, "the body is not an activity")
        try:
            # None, not "", for a missing header: botbuilder tells the two apart.
            authenticated = await auth.authenticate_request(
                activity, request.headers.get("Authorization") or None
            )
        except Exception as error:  # whatever fails here, the request is not authenticated
            logger.warning("refused a Teams request: %s", describe(error))
            return _refusal(401, "a valid Bot Framework token is required")
        invoke = await adapter.process_activity(authenticated, activity, bot.on_turn)
        if invoke is not None:
            return web.json_response(invoke.body, status=invoke.status)
        return web.Response(status=201)

    web_app.router.add_post(ROUTE, messages)
    if settings.authenticated:
        logger.info("Teams is on, at POST %s", ROUTE)
    else:
        logger.warning(
            "Teams is open without authentication at POST %s, for this machine only "
            "(Bot Framework Emulator); set TEAMS_APP_ID and TEAMS_APP_PASSWORD for Teams",
            ROUTE,
        )
    messenger = TeamsMessenger(
        adapter=adapter, app_id=settings.app_id or "", installations=conversation.core.installations
    )
    return TeamsConnection(messenger=messenger)


async def _turn_failed(turn: TurnContext, error: Exception) -> None:
    """A turn that failed midway: logged without its content; Teams gets its answer."""
    logger.error("a Teams turn failed: %s", describe(error), exc_info=error)


def _from_this_machine(request: web.Request) -> bool:
    """A loopback peer that forwards for someone else (a reverse proxy) does not count."""
    if "Forwarded" in request.headers or "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.remote or "").is_loopback
    except ValueError:
        return False


def _refusal(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)
