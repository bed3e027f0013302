"""Teams wired into the server: POST /api/messages, and the messenger for the outbox.

With TEAMS_APP_ID every request must carry a Bot Framework token that botbuilder validates
(signature, issuer, audience), vouching for the very service URL the activity names; a
missing or invalid one gets 401 before anything is read. Without an app id there is nothing
to validate a caller against, so there is no endpoint at all (404): a caller could act as
any Teams user and send the bot to any service URL. Only INBRENG_TEAMS_EMULATOR switches on
an unauthenticated endpoint for the Bot Framework Emulator, and only while the server
listens on a loopback address, for requests that no proxy forwarded.
"""

from __future__ import annotations

import ipaddress
import json
import logging

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult
from botframework.connector.auth.channel_validation import ChannelValidation

from adapters.teams.auth import authentication
from adapters.teams.bot import TeamsBot, describe
from adapters.teams.messenger import TeamsMessenger
from adapters.teams.settings import TeamsSettings
from bot.conversation.conversation import Conversation
from bot.outbox.pacing import Pacer

logger = logging.getLogger(__name__)

ROUTE = "/api/messages"
SERVICE_URL_CLAIM = ChannelValidation.SERVICE_URL_CLAIM


class TeamsConnection:
    def __init__(self, *, messenger: TeamsMessenger) -> None:
        self.messenger = messenger

    async def close(self) -> None:
        """Nothing to close: botbuilder opens a client session per conversation turn."""


def connect(
    web_app: web.Application,
    conversation: Conversation,
    settings: TeamsSettings,
    *,
    emulator: bool,
    host: str,
    pacer: Pacer | None = None,
) -> TeamsConnection | None:
    """Serve Teams as the settings allow; None (and no route) when they do not."""
    if not settings.authenticated:
        if not emulator:
            logger.info(
                "Teams is off: POST %s answers 404; set TEAMS_APP_ID and TEAMS_APP_PASSWORD",
                ROUTE,
            )
            return None
        if not is_loopback(host):
            logger.error(
                "Teams is off: INBRENG_TEAMS_EMULATOR serves POST %s without authentication, "
                "which is allowed only while INBRENG_HOST is a loopback address (it is %s)",
                ROUTE,
                host,
            )
            return None
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
        if settings.authenticated and not _vouched_service(authenticated, activity):
            logger.warning("refused a Teams request: its serviceUrl is not the token's")
            return _refusal(401, "the token does not vouch for the activity's serviceUrl")
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
            "(INBRENG_TEAMS_EMULATOR, for the Bot Framework Emulator)",
            ROUTE,
        )
    messenger = TeamsMessenger(
        adapter=adapter,
        app_id=settings.app_id or "",
        installations=conversation.installations,
        pacer=pacer,
    )
    return TeamsConnection(messenger=messenger)


async def _turn_failed(turn: TurnContext, error: Exception) -> None:
    """A turn that failed midway: logged without its content; Teams gets its answer."""
    logger.error("a Teams turn failed: %s", describe(error), exc_info=error)


# Headers by which a proxy on this machine says it forwards for someone else.
_FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP", "Via")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _from_this_machine(request: web.Request) -> bool:
    """A loopback peer that forwards for someone else (a reverse proxy) does not count."""
    if any(header in request.headers for header in _FORWARDING_HEADERS):
        return False
    return is_loopback(request.remote or "")


def _vouched_service(authenticated: AuthenticateRequestResult, activity: Activity) -> bool:
    """The token's serviceurl claim is the activity's serviceUrl: botbuilder checks this
    only when the activity names one, and not for every kind of token, yet replies go
    there with the bot's own credentials."""
    claims = authenticated.claims_identity.claims if authenticated.claims_identity else {}
    vouched = claims.get(SERVICE_URL_CLAIM) if isinstance(claims, dict) else None
    return bool(activity.service_url) and vouched == activity.service_url


def _refusal(status: int, reason: str) -> web.Response:
    return web.json_response({"error": reason}, status=status)
