"""Slack in Socket Mode, end to end: the real server connects to the fake's WebSocket,
envelopes built from Slack's published examples go in, acknowledgements and Web API
calls come out."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any, TypeVar

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from adapters.slack.settings import SlackSettings
from bot.conversation.conversation import Conversation
from inbreng.server.app import Server, start
from testing.fakes.slack_web_api import (
    RESPONSE_URL_METHOD,
    SOCKET_MODE_METHOD,
    Call,
    FakeSlackWebApi,
)
from testing.slack_harness import (
    BOT_TOKEN,
    MEMBER_ID,
    TEAM,
    LoopThread,
    all_text,
    command_fields,
    fixture,
    wait_until,
)

T = TypeVar("T")

APP_TOKEN = "xapp-1-A0BOT0001-1-socketmodetesttoken"
ENVELOPE_FIXTURE = "events/app_mention_socket_mode_envelope.json"
HELP_TITLE = "wat kan ik voor u doen"


# -- helpers ----------------------------------------------------------------------------


def dm_posts(slack: FakeSlackWebApi, user_id: str) -> list[Call]:
    return [
        call
        for call in slack.calls_to("chat.postMessage")
        if call.params.get("channel") in (user_id, f"D{user_id}")
    ]


def events_envelope(
    slack: FakeSlackWebApi,
    event: dict[str, Any],
    *,
    envelope_id: str,
    event_id: str,
    retry_attempt: int = 0,
    retry_reason: str = "",
) -> dict[str, Any]:
    """Slack's published `events_api` envelope, carrying this event."""
    envelope: dict[str, Any] = fixture(ENVELOPE_FIXTURE)
    payload = envelope["payload"]
    payload.update(
        team_id=TEAM,
        api_app_id=slack.app_id,
        event={**event, "team": TEAM},
        event_id=event_id,
        event_time=int(time.time()),
        event_context=f"1-{event['type']}-{TEAM}-{event['channel']}",
    )
    payload["authorizations"][0].update(team_id=TEAM, user_id=slack.bot_user_id)
    envelope.update(envelope_id=envelope_id, retry_attempt=retry_attempt, retry_reason=retry_reason)
    return envelope


def direct_message(text: str, user_id: str = MEMBER_ID) -> dict[str, Any]:
    """A person writing in the bot's DM (the published `message.im` event)."""
    event: dict[str, Any] = fixture("events/message_im_inner_event.json")
    event.update(user=user_id, channel=f"D{user_id}", channel_type="im", text=text)
    return event


def slash_command_envelope(
    slack: FakeSlackWebApi, user_id: str, text: str, *, envelope_id: str
) -> dict[str, Any]:
    """Slack's documented slash command as a `slash_commands` envelope: in Socket Mode
    the form fields arrive as a JSON object."""
    fields = {**command_fields(slack, user_id, text), "api_app_id": slack.app_id}
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "payload": fields,
        "accepts_response_payload": True,
    }


class SocketModeServer:
    """`inbreng serve` with SLACK_APP_TOKEN set, connected to the fake over Socket Mode."""

    def __init__(self, conversation: Conversation, slack: FakeSlackWebApi) -> None:
        self.slack = slack
        self._loop = LoopThread()
        settings = SlackSettings(
            bot_token=BOT_TOKEN, app_token=APP_TOKEN, api_url=slack.url, _env_file=None
        )
        try:
            self.server: Server = self._loop.run(
                start(conversation, settings, host="127.0.0.1", port=0, tick_seconds=None)
            )
        except BaseException:
            self._loop.close()
            raise
        self.url = f"http://127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        try:
            self._loop.run(self.server.stop())
        finally:
            self._loop.close()

    def connected(self) -> bool:
        """What the Socket Mode client itself thinks of its connection."""
        assert self.server.slack is not None
        return self._loop.run(self.server.slack.socket_connected()) is True

    def request(self, path: str, *, body: bytes | None = None) -> tuple[int, str]:
        request = urllib.request.Request(
            self.url + path,
            data=body,
            method="GET" if body is None else "POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@pytest.fixture
def socket_mode(
    conversation: Conversation, slack_api: FakeSlackWebApi
) -> Iterator[SocketModeServer]:
    server = SocketModeServer(conversation, slack_api)
    try:
        slack_api.wait_for_socket_connection()
        yield server
    finally:
        server.stop()


# -- the fake's side of the protocol ----------------------------------------------------


def test_only_an_app_level_token_opens_a_connection(slack_api: FakeSlackWebApi) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=BOT_TOKEN, base_url=slack_api.url).apps_connections_open(
            app_token=BOT_TOKEN
        )
    assert refused.value.response["error"] == "not_allowed_token_type"
    opened = WebClient(base_url=slack_api.url).apps_connections_open(app_token=APP_TOKEN)
    assert str(opened["url"]).startswith(slack_api.url.replace("http://", "ws://")[:-5])
    assert [call.token for call in slack_api.calls_to(SOCKET_MODE_METHOD)] == [
        BOT_TOKEN,
        APP_TOKEN,
    ]


def test_the_fake_greets_records_and_closes_cleanly(slack_api: FakeSlackWebApi) -> None:
    url = WebClient(base_url=slack_api.url).apps_connections_open(app_token=APP_TOKEN)["url"]

    async def scenario() -> tuple[dict[str, Any], dict[str, Any], aiohttp.WSMessage]:
        async with aiohttp.ClientSession() as session, session.ws_connect(str(url)) as socket_:
            hello = await socket_.receive_json(timeout=5)
            await asyncio.to_thread(slack_api.send_envelope, {"envelope_id": "e1", "type": "x"})
            envelope = await socket_.receive_json(timeout=5)
            await socket_.send_json({"envelope_id": "e1"})
            await asyncio.to_thread(slack_api.wait_for_socket_ack, "e1")
            # stop() waits for the client to answer its close frame, so read meanwhile.
            stopping = asyncio.create_task(asyncio.to_thread(slack_api.stop))
            closing = await socket_.receive(timeout=5)
            await stopping
            return hello, envelope, closing

    hello, envelope, closing = asyncio.run(scenario())
    assert hello["type"] == "hello"
    assert hello["connection_info"] == {"app_id": slack_api.app_id}
    assert envelope == {"envelope_id": "e1", "type": "x"}
    assert slack_api.socket_acks == [{"envelope_id": "e1"}]
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


def test_without_a_connection_an_envelope_cannot_be_sent(slack_api: FakeSlackWebApi) -> None:
    with pytest.raises(RuntimeError, match="no Socket Mode connection"):
        slack_api.send_envelope({"envelope_id": "e1", "type": "events_api", "payload": {}})


# -- the server in Socket Mode ----------------------------------------------------------


def test_the_server_connects_with_the_app_token_and_mounts_no_http_route(
    socket_mode: SocketModeServer, slack_api: FakeSlackWebApi
) -> None:
    [opened] = slack_api.calls_to(SOCKET_MODE_METHOD)
    assert opened.token == APP_TOKEN
    assert slack_api.socket_connections == 1
    assert socket_mode.connected()
    status, _ = socket_mode.request("/slack/events", body=b"{}")
    assert status == 404
    assert socket_mode.request("/healthz") == (200, json.dumps({"status": "ok"}))


def test_a_direct_message_envelope_is_acknowledged_and_answered(
    socket_mode: SocketModeServer, slack_api: FakeSlackWebApi
) -> None:
    envelope = events_envelope(
        slack_api, direct_message("hulp"), envelope_id="env-dm-1", event_id="EvSOCKET1"
    )
    slack_api.send_envelope(envelope)
    assert slack_api.wait_for_socket_ack("env-dm-1") == {"envelope_id": "env-dm-1"}
    [answer] = wait_until(lambda: dm_posts(slack_api, MEMBER_ID))
    assert HELP_TITLE in all_text(answer)
    assert answer.token == BOT_TOKEN  # the app token is for the connection only


def test_a_retried_envelope_is_acknowledged_but_answered_once(
    socket_mode: SocketModeServer, slack_api: FakeSlackWebApi
) -> None:
    message = direct_message("hulp")
    first = events_envelope(slack_api, message, envelope_id="env-1", event_id="EvRETRY1")
    slack_api.send_envelope(first)
    slack_api.wait_for_socket_ack("env-1")
    wait_until(lambda: dm_posts(slack_api, MEMBER_ID))

    # Slack redelivers an unacknowledged event in a new envelope, same event_id.
    retry = events_envelope(
        slack_api,
        message,
        envelope_id="env-1-retry",
        event_id="EvRETRY1",
        retry_attempt=1,
        retry_reason="timeout",
    )
    slack_api.send_envelope(retry)
    assert slack_api.wait_for_socket_ack("env-1-retry") == {"envelope_id": "env-1-retry"}
    time.sleep(0.3)  # room for a second answer, which must not come
    assert len(dm_posts(slack_api, MEMBER_ID)) == 1


def test_a_slash_command_envelope_gets_an_ephemeral_reply(
    socket_mode: SocketModeServer, slack_api: FakeSlackWebApi
) -> None:
    slack_api.send_envelope(slash_command_envelope(slack_api, MEMBER_ID, "hulp", envelope_id="c1"))
    assert slack_api.wait_for_socket_ack("c1") == {"envelope_id": "c1"}
    [reply] = slack_api.wait_for(RESPONSE_URL_METHOD)
    assert str(reply.name).startswith(f"command-{MEMBER_ID}-")
    assert reply.params["response_type"] == "ephemeral"
    assert HELP_TITLE in all_text(reply)


def test_a_disconnect_request_leads_to_a_new_connection(
    socket_mode: SocketModeServer, slack_api: FakeSlackWebApi
) -> None:
    slack_api.send_disconnect("refresh_requested")
    slack_api.wait_for(SOCKET_MODE_METHOD, count=2)
    slack_api.wait_for_socket_connection(count=2)
    envelope = events_envelope(
        slack_api, direct_message("hulp"), envelope_id="after", event_id="EvAFTER1"
    )
    slack_api.send_envelope(envelope)
    assert slack_api.wait_for_socket_ack("after") == {"envelope_id": "after"}
    wait_until(lambda: dm_posts(slack_api, MEMBER_ID))
    assert socket_mode.connected()
