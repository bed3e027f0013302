"""The baseline for `bench/slack_ack.py`: a Bolt app that only acknowledges, served the
same way as Inbreng's (aiohttp, the same route, signature checks on).

Run: `python -m bench.bare_bolt --port PORT` with SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET
and SLACK_API_URL set.
"""

from __future__ import annotations

import argparse
import os
import re

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def bare_app() -> web.Application:
    bolt = AsyncApp(
        client=AsyncWebClient(
            token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
        ),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    )

    async def ack_only(ack: AsyncAck) -> None:
        await ack()

    bolt.command("/inbreng")(ack_only)
    bolt.view(re.compile(".*"))(ack_only)

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", slack_events)
    app.router.add_get("/healthz", healthz)
    return app


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    web.run_app(bare_app(), host="127.0.0.1", port=parser.parse_args().port, print=None)
