"""The fake Slack Web API answers the real slack_sdk clients as Slack would."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_web_api import (
    RESPONSE_URL_METHOD,
    SLACK_FIXTURES,
    FakeSlackWebApi,
    load_fixture,
)

TOKEN = "xoxb-fake-token"
MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "challenge",
    "title": {"type": "plain_text", "text": "Inbreng"},
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Wat speelt er?"}}],
}


@pytest.fixture
def slack() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi() as fake:
        yield fake


def async_client(slack: FakeSlackWebApi, **kwargs: Any) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=slack.url, **kwargs)


def sync_client(slack: FakeSlackWebApi) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.url)


def test_fixtures_are_found() -> None:
    assert (SLACK_FIXTURES / "web_api" / "chat.postMessage.ok.json").is_file()


def test_url_is_a_loopback_api_base(slack: FakeSlackWebApi) -> None:
    assert slack.url.startswith("http://127.0.0.1:")
    assert slack.url.endswith("/api/")
    assert not slack.url.endswith(":0/api/")


def test_stopped_server_has_no_url() -> None:
    fake = FakeSlackWebApi().start()
    fake.stop()
    fake.stop()
    with pytest.raises(RuntimeError):
        _ = fake.url


def test_async_client_gets_ok_answers(slack: FakeSlackWebApi) -> None:
    async def scenario() -> None:
        client = async_client(slack)
        auth = await client.auth_test()
        assert auth["ok"] is True
        assert auth["team_id"] == "T0001"
        assert {"user_id", "bot_id", "url", "team"} <= set(auth.data)

        first = await client.chat_postMessage(channel="D1", text="Hallo", blocks=MODAL["blocks"])
        second = await client.chat_postMessage(channel="D1", text="Nog eens")
        assert first["channel"] == "D1"
        assert first["message"]["text"] == "Hallo"
        assert first["message"]["blocks"] == MODAL["blocks"]
        assert "attachments" not in first["message"]
        assert first["ts"] == first["message"]["ts"]
        assert float(second["ts"]) > float(first["ts"])

        ephemeral = await client.chat_postEphemeral(channel="C1", user="U1", text="Alleen jij")
        assert ephemeral["message_ts"]

        updated = await client.chat_update(channel="D1", ts=first["ts"], text="Aangepast")
        assert updated["ts"] == first["ts"]
        assert updated["message"]["text"] == "Aangepast"

        dm = await client.conversations_open(users="U123")
        again = await client.conversations_open(users=["U123"])
        assert dm["channel"]["id"] == again["channel"]["id"] == "DU123"

    asyncio.run(scenario())


def test_views_echo_the_submitted_view(slack: FakeSlackWebApi) -> None:
    async def scenario() -> None:
        client = async_client(slack)
        opened = await client.views_open(trigger_id="123.456", view=MODAL)
        view = opened["view"]
        assert view["id"].startswith("V")
        assert view["callback_id"] == "challenge"
        assert view["blocks"] == MODAL["blocks"]
        assert view["private_metadata"] == ""  # not the fixture's secret

        pushed = await client.views_push(trigger_id="123.457", view=MODAL)
        assert pushed["view"]["id"] != view["id"]
        updated = await client.views_update(view_id=view["id"], view=MODAL)
        assert updated["view"]["id"] == view["id"]
        home = await client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
        assert home["view"]["type"] == "home"

        with pytest.raises(SlackApiError) as missing:
            await client.views_open(trigger_id="", view=MODAL)
        assert missing.value.response["error"] == "invalid_arguments"

    asyncio.run(scenario())


def test_calls_are_recorded_with_decoded_params(slack: FakeSlackWebApi) -> None:
    blocks = [{"type": "divider"}]
    # Form-encoded on purpose: blocks then travel as a JSON string.
    sync_client(slack).api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "{not json", "blocks": json.dumps(blocks)},
    )
    (call,) = slack.calls_to("chat.postMessage")
    assert call.params == {"channel": "C1", "text": "{not json", "blocks": blocks}
    assert call.token == TOKEN
    assert call.status == 200
    assert TOKEN not in repr(call)

    slack.clear()
    assert slack.calls == []


def test_token_param_counts_and_missing_token_is_not_authed(slack: FakeSlackWebApi) -> None:
    anonymous = WebClient(base_url=slack.url)
    assert anonymous.api_call("auth.test", params={"token": TOKEN})["ok"] is True
    with pytest.raises(SlackApiError) as error:
        anonymous.auth_test()
    assert error.value.response["error"] == "not_authed"
    calls = slack.calls_to("auth.test")
    assert [call.token for call in calls] == [TOKEN, None]
    assert "token" not in calls[0].params


def test_unknown_method(slack: FakeSlackWebApi) -> None:
    with pytest.raises(SlackApiError) as error:
        sync_client(slack).api_call("reminders.add", params={"text": "x"})
    assert error.value.response["error"] == "unknown_method"


def test_users_info_known_and_unknown(slack: FakeSlackWebApi) -> None:
    slack.add_user("U123", "a.jansen@zeist.example", name="Anna Jansen")
    client = sync_client(slack)

    user = client.users_info(user="U123")["user"]
    assert user["id"] == "U123"
    assert user["name"] == "Anna Jansen"
    assert user["profile"]["email"] == "a.jansen@zeist.example"
    assert user["team_id"] == "T0001"

    found = client.users_lookupByEmail(email="A.Jansen@zeist.example")
    assert found["user"]["id"] == "U123"

    with pytest.raises(SlackApiError) as unknown:
        client.users_info(user="U999")
    assert unknown.value.response.data == load_fixture("users.info.error_user_not_found")
    with pytest.raises(SlackApiError) as unknown_email:
        client.users_lookupByEmail(email="nobody@elsewhere.example")
    assert unknown_email.value.response["error"] == "users_not_found"


def test_channel_not_found_uses_the_published_error(slack: FakeSlackWebApi) -> None:
    slack.fail_next("conversations.open", error="channel_not_found")

    async def scenario() -> None:
        client = async_client(slack)
        with pytest.raises(SlackApiError) as error:
            await client.conversations_open(users="U1")
        assert error.value.response.status_code == 200
        assert error.value.response.data == load_fixture(
            "conversations.open.error_channel_not_found"
        )
        # The fault was used up: the next call succeeds.
        assert (await client.conversations_open(users="U1"))["ok"] is True

    asyncio.run(scenario())
    assert [call.status for call in slack.calls_to("conversations.open")] == [200, 200]


def test_rate_limit_surfaces_as_429_with_retry_after(slack: FakeSlackWebApi) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=3, times=2)

    async def scenario() -> None:
        with pytest.raises(SlackApiError) as error:
            await async_client(slack).chat_postMessage(channel="C1", text="x")
        assert error.value.response.status_code == 429
        assert error.value.response.headers["Retry-After"] == "3"
        assert error.value.response["error"] == "ratelimited"

    asyncio.run(scenario())
    with pytest.raises(SlackApiError) as sync_error:
        sync_client(slack).chat_postMessage(channel="C1", text="x")
    assert sync_error.value.response.status_code == 429
    assert sync_error.value.response.headers["Retry-After"] == "3"
    assert [call.status for call in slack.calls_to("chat.postMessage")] == [429, 429]


def test_rate_limit_is_retried_by_the_sdk_handler(slack: FakeSlackWebApi) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    handler = AsyncRateLimitErrorRetryHandler(max_retry_count=1)

    async def scenario() -> None:
        client = async_client(slack, retry_handlers=[handler])
        response = await client.chat_postMessage(channel="C1", text="x")
        assert response["ok"] is True

    asyncio.run(scenario())
    assert [call.status for call in slack.calls_to("chat.postMessage")] == [429, 200]


def test_server_errors(slack: FakeSlackWebApi) -> None:
    slack.fail_next("users.info", status=503)
    with pytest.raises(SlackApiError) as error:
        sync_client(slack).users_info(user="U1")
    assert error.value.response.status_code == 503
    assert slack.calls_to("users.info")[0].status == 503


def test_files_upload_v2_round_trip(slack: FakeSlackWebApi) -> None:
    async def scenario() -> dict[str, Any]:
        response = await async_client(slack).files_upload_v2(
            content=b"# Samenvatting\n", filename="summary.md", title="Samenvatting", channel="C1"
        )
        file: dict[str, Any] = response["file"]
        return file

    file = asyncio.run(scenario())
    assert file["title"] == "Samenvatting"
    assert slack.uploads[file["id"]] == b"# Samenvatting\n"
    (complete,) = slack.calls_to("files.completeUploadExternal")
    assert complete.params["files"] == [{"id": file["id"], "title": "Samenvatting"}]
    assert complete.params["channel_id"] == "C1"

    sync_file = sync_client(slack).files_upload_v2(content="tekst", filename="a.txt")["file"]
    assert slack.uploads[sync_file["id"]] == b"tekst"
    assert sync_file["title"] == "a.txt"


def test_response_url_posts_are_recorded(slack: FakeSlackWebApi) -> None:
    url = slack.response_url("round 1")
    assert url.startswith(slack.url.removesuffix("api/") + "response/")
    response = WebhookClient(url).send(text="Bedankt", replace_original=True)
    assert response.status_code == 200
    (call,) = slack.calls_to(RESPONSE_URL_METHOD)
    assert call.name == "round 1"
    assert call.params == {"text": "Bedankt", "replace_original": True}
    assert call.token is None


def test_wait_for_sees_later_calls(slack: FakeSlackWebApi) -> None:
    client = sync_client(slack)
    later = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="later"))
    later.start()
    try:
        calls = slack.wait_for("chat.postMessage", timeout=5.0)
    finally:
        later.join()
    assert calls[0].params["text"] == "later"


def test_wait_for_times_out_with_a_clear_message(slack: FakeSlackWebApi) -> None:
    sync_client(slack).auth_test()
    started = time.monotonic()
    with pytest.raises(AssertionError, match=r"at least 2 call\(s\) to chat\.postMessage.*got 0"):
        slack.wait_for("chat.postMessage", count=2, timeout=0.2)
    assert time.monotonic() - started < 2.0


def test_latency_delays_answers() -> None:
    with FakeSlackWebApi(latency=0.2) as slow:
        started = time.monotonic()
        sync_client(slow).auth_test()
        assert time.monotonic() - started >= 0.2
