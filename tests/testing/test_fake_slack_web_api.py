"""The fake Slack Web API answers the real slack_sdk clients as Slack would."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from testing.fakes.slack_web_api import (
    PUBLISHED_TIER_RATES,
    RESPONSE_URL_METHOD,
    SLACK_FIXTURES,
    FakeSlackWebApi,
    Rate,
    SlackFaults,
    SlackLimits,
    load_fixture,
    published_method_tiers,
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


# --- the message store and conversations.history ----------------------------------------

DELIVERY = "inbreng_delivery"


def delivery_metadata(delivery_id: int) -> dict[str, Any]:
    return {"event_type": DELIVERY, "event_payload": {"delivery_id": delivery_id}}


def test_posts_are_stored_and_history_is_newest_first(slack: FakeSlackWebApi) -> None:
    client = sync_client(slack)
    # A JSON body (how chat_postMessage sends) and a form with JSON-encoded fields.
    first = client.chat_postMessage(
        channel="C1", text="Eerste", blocks=MODAL["blocks"], metadata=delivery_metadata(1)
    )
    second = client.api_call(
        "chat.postMessage",
        params={"channel": "C1", "text": "Tweede", "metadata": json.dumps(delivery_metadata(2))},
    )
    third = client.chat_postMessage(channel="C1", text="Derde")

    stored = slack.messages("C1")
    assert [m.text for m in stored] == ["Eerste", "Tweede", "Derde"]
    assert [m.ts for m in stored] == [first["ts"], second["ts"], third["ts"]]
    assert stored[0].blocks == MODAL["blocks"]
    assert stored[0].metadata == delivery_metadata(1)
    assert stored[1].metadata == delivery_metadata(2)
    assert stored[2].metadata is None
    assert first["message"]["metadata"] == delivery_metadata(1)

    history = client.conversations_history(channel="C1", include_all_metadata=True)
    assert history["has_more"] is False
    messages = history["messages"]
    assert [m["text"] for m in messages] == ["Derde", "Tweede", "Eerste"]
    assert [m.get("metadata") for m in messages] == [
        None,
        delivery_metadata(2),
        delivery_metadata(1),
    ]
    assert messages[2]["blocks"] == MODAL["blocks"]
    assert messages[0]["bot_id"] == slack.bot_id

    plain = client.conversations_history(channel="C1")["messages"]
    assert [m["ts"] for m in plain] == [m["ts"] for m in messages]
    assert all("metadata" not in m for m in plain)


def test_history_bounds_and_limit(slack: FakeSlackWebApi) -> None:
    client = sync_client(slack)
    ts = [client.chat_postMessage(channel="C1", text=f"m{n}")["ts"] for n in range(5)]
    client.chat_postMessage(channel="C1", text="antwoord", thread_ts=ts[0])  # a thread reply

    limited = client.conversations_history(channel="C1", limit=2)
    assert [m["text"] for m in limited["messages"]] == ["m4", "m3"]
    assert limited["has_more"] is True

    between = client.conversations_history(channel="C1", oldest=ts[1], latest=ts[3])
    assert [m["text"] for m in between["messages"]] == ["m2"]
    inclusive = client.conversations_history(
        channel="C1", oldest=ts[1], latest=ts[3], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]
    # Thread replies are not part of the channel's history, as on Slack.
    assert "antwoord" not in [
        m["text"] for m in client.conversations_history(channel="C1")["messages"]
    ]
    assert len(slack.messages("C1")) == 6


@pytest.fixture
def strict_slack() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi(strict_users=True) as fake:
        yield fake


def test_posting_to_a_user_id_lands_in_their_dm(strict_slack: FakeSlackWebApi) -> None:
    slack = strict_slack
    slack.add_user("U123", "a.jansen@zeist.example")
    client = sync_client(slack)

    sent = client.chat_postMessage(channel="U123", text="Hallo", metadata=delivery_metadata(7))
    assert sent["channel"] == "DU123" == slack.dm_channel("U123")
    assert client.conversations_open(users="U123")["channel"]["id"] == sent["channel"]
    again = client.chat_postMessage(channel=sent["channel"], text="Nog eens")
    assert again["channel"] == "DU123"
    assert [m.text for m in slack.messages("DU123")] == ["Hallo", "Nog eens"]
    assert slack.messages("U123") == []

    with pytest.raises(SlackApiError) as unknown:
        client.chat_postMessage(channel="U999", text="Niemand")
    assert unknown.value.response["error"] == "channel_not_found"
    assert slack.channels() == ["DU123"]


def test_history_of_unknown_and_empty_channels(strict_slack: FakeSlackWebApi) -> None:
    slack = strict_slack
    slack.add_user("U123", "a.jansen@zeist.example")
    slack.add_channel("C5")
    client = sync_client(slack)

    assert client.conversations_history(channel="DU123")["messages"] == []
    assert client.conversations_history(channel="C5")["messages"] == []
    for channel in ("C404", "DU999"):
        with pytest.raises(SlackApiError) as error:
            client.conversations_history(channel=channel)
        assert error.value.response["error"] == "channel_not_found"


def test_without_strict_users_any_user_id_gets_a_dm(slack: FakeSlackWebApi) -> None:
    client = sync_client(slack)
    sent = client.chat_postMessage(channel="U05R7HGD2KQ", text="Hallo")
    assert sent["channel"] == "DU05R7HGD2KQ"
    assert client.conversations_history(channel="DU777")["messages"] == []
    with pytest.raises(SlackApiError) as no_profile:
        client.users_info(user="U05R7HGD2KQ")
    assert no_profile.value.response["error"] == "user_not_found"
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_history(channel="C404")
    assert unknown.value.response["error"] == "channel_not_found"


def test_metadata_values_per_conversation(slack: FakeSlackWebApi) -> None:
    for user_id in ("U1", "U2"):
        slack.add_user(user_id, f"{user_id.lower()}@zeist.example")
    client = sync_client(slack)
    client.chat_postMessage(channel="U1", text="Uitnodiging", metadata=delivery_metadata(1))
    client.chat_postMessage(channel="U2", text="Uitnodiging", metadata=delivery_metadata(2))
    client.chat_postMessage(channel="U2", text="Uitnodiging", metadata=delivery_metadata(2))
    client.chat_postMessage(channel="U2", text="Zonder metadata")
    client.chat_postMessage(
        channel="C1", text="Ander type", metadata={"event_type": "other", "event_payload": {}}
    )
    client.chat_postMessage(
        channel="C1", text="Zonder sleutel", metadata={"event_type": DELIVERY, "event_payload": {}}
    )

    assert slack.metadata_values(DELIVERY, "delivery_id") == {
        "DU1": [1],
        "DU2": [2, 2],
        "C1": [None],
    }
    assert slack.metadata_values("unknown", "delivery_id") == {}


def test_invalid_metadata_is_refused_and_not_stored(slack: FakeSlackWebApi) -> None:
    with pytest.raises(SlackApiError) as error:
        sync_client(slack).chat_postMessage(
            channel="C1", text="x", metadata={"event_payload": {"delivery_id": 1}}
        )
    assert error.value.response["error"] == "invalid_metadata_format"
    assert slack.messages("C1") == []


def test_chat_update_changes_the_stored_message(slack: FakeSlackWebApi) -> None:
    client = sync_client(slack)
    sent = client.chat_postMessage(channel="C1", text="Oud", metadata=delivery_metadata(3))
    client.chat_update(channel="C1", ts=sent["ts"], text="Nieuw")
    (stored,) = slack.messages("C1")
    assert (stored.ts, stored.text, stored.metadata) == (sent["ts"], "Nieuw", delivery_metadata(3))
    (item,) = client.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert (item["text"], item["metadata"]) == ("Nieuw", delivery_metadata(3))


# --- rate limits ----------------------------------------------------------------------


class ManualClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def limited_fake(limits: SlackLimits, clock: ManualClock) -> FakeSlackWebApi:
    return FakeSlackWebApi(limits=limits, clock=clock)


def post_status(client: WebClient, channel: str) -> tuple[int, str | None]:
    """(HTTP status, Retry-After) of one post."""
    try:
        return client.chat_postMessage(channel=channel, text="x").status_code, None
    except SlackApiError as error:
        retry_after = error.response.headers.get("Retry-After")
        return error.response.status_code, retry_after


def test_posts_per_channel_are_limited_after_a_burst() -> None:
    clock = ManualClock()
    limits = SlackLimits(
        post_per_channel=Rate(per_minute=60, burst=2),
        post_per_workspace=Rate(per_minute=6000, burst=100),
    )
    with limited_fake(limits, clock) as slack:
        client = sync_client(slack)
        assert [post_status(client, "C1") for _ in range(3)] == [
            (200, None),
            (200, None),
            (429, "1"),
        ]
        # Another channel has its own bucket.
        assert post_status(client, "C2") == (200, None)
        assert len(slack.messages("C1")) == 2  # the refused post was not stored
        refused = [call for call in slack.calls_to("chat.postMessage") if call.status == 429]
        assert [(call.limited, call.fault) for call in refused] == [(True, None)]

        clock.advance(0.5)
        assert post_status(client, "C1") == (429, "1")  # half a token: still refused
        clock.advance(0.5)
        # The refused calls took no token: the one that came back is free.
        assert post_status(client, "C1") == (200, None)
        assert post_status(client, "C1") == (429, "1")


def test_posts_are_limited_for_the_whole_workspace() -> None:
    clock = ManualClock()
    limits = SlackLimits(
        post_per_channel=Rate(per_minute=60, burst=3),
        post_per_workspace=Rate(per_minute=6, burst=3),  # a token every 10 s
    )
    with limited_fake(limits, clock) as slack:
        slack.add_user("U4", "u4@zeist.example")
        client = sync_client(slack)
        assert [post_status(client, f"C{n}") for n in range(3)] == [(200, None)] * 3
        # A fourth channel, or a DM by user id: the workspace bucket is empty.
        assert post_status(client, "C3") == (429, "10")
        assert post_status(client, "U4") == (429, "10")
        clock.advance(4.2)
        assert post_status(client, "C3") == (429, "6")  # whole seconds, rounded up
        clock.advance(5.8)
        assert post_status(client, "U4") == (200, None)
        assert [m.text for m in slack.messages("DU4")] == ["x"]
        assert slack.messages("C3") == []


def test_tiers_limit_each_method_on_its_own() -> None:
    clock = ManualClock()
    limits = SlackLimits(tiers={"Tier4": Rate(per_minute=30, burst=2)})  # Tier3 unlimited
    with limited_fake(limits, clock) as slack:
        slack.add_user("U1", "u1@zeist.example")
        client = sync_client(slack)
        for _ in range(2):
            client.users_info(user="U1")
        with pytest.raises(SlackApiError) as error:
            client.users_info(user="U1")
        assert error.value.response.status_code == 429
        assert error.value.response.headers["Retry-After"] == "2"
        assert error.value.response["error"] == "ratelimited"
        # views.open is in Tier 4 too, with a bucket of its own; Tier 3 has no rate here.
        client.views_open(trigger_id="1.2", view=MODAL)
        for _ in range(5):
            client.users_lookupByEmail(email="u1@zeist.example")
        clock.advance(2)
        assert client.users_info(user="U1")["ok"] is True


def test_published_limits_by_default() -> None:
    limits = SlackLimits()
    assert limits.rate_for("users.info") == PUBLISHED_TIER_RATES["Tier4"]
    assert limits.rate_for("conversations.history") == PUBLISHED_TIER_RATES["Tier3"]
    assert limits.rate_for("apps.connections.open") == PUBLISHED_TIER_RATES["Tier1"]
    assert limits.rate_for("chat.postMessage") is None  # its own buckets instead
    assert limits.rate_for("auth.test") is None
    assert [rate.per_minute for rate in PUBLISHED_TIER_RATES.values()] == [1, 20, 50, 100]
    assert published_method_tiers()["chat.postMessage"] == "SpecialTier_chat_postMessage"


def test_without_limits_nothing_is_refused(slack: FakeSlackWebApi) -> None:
    client = sync_client(slack)
    assert {post_status(client, "C1") for _ in range(30)} == {(200, None)}


def test_floor_seconds() -> None:
    limits = SlackLimits(
        post_per_channel=Rate(per_minute=60, burst=3),
        post_per_workspace=Rate(per_minute=600, burst=20),
    )
    assert limits.floor_seconds({}) == 0.0
    assert limits.floor_seconds({"C1": 3}) == 0.0
    # One channel: a message a second after its burst.
    assert limits.floor_seconds({"C1": 10}) == 7.0
    # One DM each to 5000 members: the workspace cap, ten a second after its burst.
    assert limits.floor_seconds({f"DU{n:08d}": 1 for n in range(5000)}) == 498.0
    # The slower of the two governs.
    assert limits.floor_seconds({"C1": 10, **{f"D{n}": 1 for n in range(100)}}) == 9.0


def test_a_client_that_honours_retry_after_needs_the_floor() -> None:
    clock = ManualClock()
    limits = SlackLimits(post_per_workspace=Rate(per_minute=60, burst=5))
    channels = [f"C{n}" for n in range(30)]
    with limited_fake(limits, clock) as slack:
        client = sync_client(slack)
        started = clock.now
        for channel in channels:
            while (outcome := post_status(client, channel))[0] == 429:
                assert outcome[1] is not None
                clock.advance(int(outcome[1]))
        assert clock.now - started == limits.floor_seconds(dict.fromkeys(channels, 1)) == 25.0
        assert slack.channels() == channels


# --- random faults --------------------------------------------------------------------


def fault_trace(faults: SlackFaults, posts: int) -> list[tuple[int, str | None]]:
    with FakeSlackWebApi(faults=faults) as slack:
        client = sync_client(slack)
        for n in range(posts):
            post_status(client, f"C{n}")
        return [(call.status, call.fault) for call in slack.calls_to("chat.postMessage")]


def test_error_after_stores_the_message_yet_answers_5xx() -> None:
    with FakeSlackWebApi(faults=SlackFaults(error_after=1.0)) as slack:
        slack.add_user("U1", "u1@zeist.example")
        with pytest.raises(SlackApiError) as error:
            sync_client(slack).chat_postMessage(
                channel="U1", text="Uitnodiging", metadata=delivery_metadata(9)
            )
        assert error.value.response.status_code in (500, 503)
        assert slack.metadata_values(DELIVERY, "delivery_id") == {"DU1": [9]}
        (call,) = slack.injected_faults()
        assert (call.method, call.fault, call.limited) == ("chat.postMessage", "error_after", False)


def test_error_before_and_injected_429_store_nothing() -> None:
    for faults, status in (
        (SlackFaults(error_before=1.0), 500),
        (SlackFaults(ratelimited=1.0), 429),
    ):
        with FakeSlackWebApi(faults=replace(faults, statuses=(500,))) as slack:
            with pytest.raises(SlackApiError) as error:
                sync_client(slack).chat_postMessage(channel="C1", text="x")
            assert error.value.response.status_code == status
            if status == 429:
                assert error.value.response.headers["Retry-After"] == "1"
                assert error.value.response["error"] == "ratelimited"
            assert slack.messages("C1") == []
            assert [call.fault for call in slack.injected_faults()] == [
                "error_before" if status == 500 else "ratelimited"
            ]


def test_faults_spare_auth_test_and_socket_mode_unless_asked() -> None:
    with FakeSlackWebApi(faults=SlackFaults(error_before=1.0)) as slack:
        assert sync_client(slack).auth_test()["ok"] is True
        opened = WebClient(token="xapp-1-fake", base_url=slack.url).apps_connections_open(
            app_token="xapp-1-fake"
        )
        assert opened["ok"] is True
        assert slack.injected_faults() == []
    with FakeSlackWebApi(
        faults=SlackFaults(error_before=1.0, methods=frozenset({"auth.test"}))
    ) as slack:
        with pytest.raises(SlackApiError):
            sync_client(slack).auth_test()
        assert sync_client(slack).chat_postMessage(channel="C1", text="x")["ok"] is True


def test_seeded_faults_are_reproducible() -> None:
    faults = SlackFaults(ratelimited=0.2, error_before=0.2, error_after=0.2, seed=11)
    first = fault_trace(faults, 60)
    assert fault_trace(faults, 60) == first
    assert fault_trace(replace(faults, seed=12), 60) != first
    kinds = {fault for _, fault in first}
    assert kinds == {None, "ratelimited", "error_before", "error_after"}
    assert {status for status, fault in first if fault in ("error_before", "error_after")} <= {
        500,
        503,
    }


def test_an_injected_429_takes_no_token() -> None:
    clock = ManualClock()
    limits = SlackLimits(post_per_channel=Rate(per_minute=60, burst=1))
    with FakeSlackWebApi(limits=limits, faults=SlackFaults(ratelimited=1.0), clock=clock) as slack:
        client = sync_client(slack)
        assert post_status(client, "C1") == (429, "1")
        slack.faults = None
        assert post_status(client, "C1") == (200, None)
        assert post_status(client, "C1") == (429, "1")
        calls = slack.calls_to("chat.postMessage")
        assert [(c.status, c.fault, c.limited) for c in calls] == [
            (429, "ratelimited", False),
            (200, None, False),
            (429, None, True),
        ]


def test_fault_probabilities_are_checked() -> None:
    with pytest.raises(ValueError, match="probabilities"):
        SlackFaults(ratelimited=0.6, error_after=0.6)
    with pytest.raises(ValueError, match="5xx"):
        SlackFaults(statuses=(429,))
    with pytest.raises(ValueError, match="burst"):
        Rate(per_minute=10, burst=0)
