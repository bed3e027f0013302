"""A request id for every HTTP request, and one log line when it is answered.

The id is the caller's `X-Request-Id` when that is a sane token (a proxy's, so that its
logs and ours can be joined), else a new one; the response carries it back."""

from __future__ import annotations

import logging
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from inbreng.logs import new_request_id, request_id, sane_request_id

logger = logging.getLogger(__name__)

HEADER = "X-Request-Id"
# Probes and scrapes come every few seconds; their lines would bury the rest.
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})


def install(web_app: web.Application) -> None:
    web_app.middlewares.append(_with_request_id)


def route_of(request: web.Request) -> str:
    """The route's pattern (`/slack/events`), never the raw path, so that the values stay
    few; "unmatched" for anything no route answers (404, 405)."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def _with_request_id(request: web.Request, handler: Handler) -> web.StreamResponse:
    current = sane_request_id(request.headers.get(HEADER)) or new_request_id()
    token = request_id.set(current)
    started = time.perf_counter()
    status = 500  # unless the handler says otherwise
    try:
        response = await handler(request)
    except web.HTTPException as refusal:
        status = refusal.status
        refusal.headers[HEADER] = current
        raise
    except Exception as error:
        # Logged here rather than by aiohttp, so that the record and the caller's 500
        # both carry the request's id.
        logger.exception("%s %s failed", request.method, route_of(request))
        raise web.HTTPInternalServerError(headers={HEADER: current}) from error
    else:
        status = response.status
        if not response.prepared:  # a streamed response has sent its headers already
            response.headers[HEADER] = current
        return response
    finally:
        route = route_of(request)
        logger.log(
            logging.DEBUG if route in QUIET_ROUTES else logging.INFO,
            "%s %s %s",
            request.method,
            route,
            status,
            extra={
                "method": request.method,
                "route": route,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
        request_id.reset(token)
