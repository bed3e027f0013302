"""The real server on a loopback port, Slack's requests signed as Slack signs them, and
payloads built from Slack's published examples."""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlencode

from slack_sdk.signature import SignatureVerifier

from adapters.slack.settings import SlackSettings
from bot.conversation.conversation import Conversation
from bot.outbox.pacing import Pacer
from inbreng.server.app import Server, start
from testing.fakes.slack_web_api import SLACK_FIXTURES, Call, FakeSlackWebApi

T = TypeVar("T")

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"  # Slack's documentation example
BOT_TOKEN = "xoxb-test-token"
TEAM = "T0001"

# Slack users of the example network: user id -> e-mail on their Slack profile.
SLACK_USERS = {
    "UMEMBER01": "a.jansen@zeist.example",
    "UENGLISH1": "e.mulder@veldhoven.example",
    "ULEAD0001": "i.hendriks@oss.example",
    "USECRET01": "y.schouten@pmg.example",
    "USTRANGER": "someone@elsewhere.example",
}
MEMBER_ID, ENGLISH_ID, LEAD_ID, SECRETARIAT_ID, STRANGER_ID = SLACK_USERS


def fixture(path: str) -> Any:
    return json.loads((SLACK_FIXTURES / path).read_text(encoding="utf-8"))


class LoopThread:
    """An asyncio loop in a daemon thread, for running the server beside sync tests."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


@dataclass(frozen=True)
class Reply:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body)


async def _no_wait(seconds: float) -> None:
    """The pacer's slots come and go at once: the fake enforces no limits to keep to."""


def pacer_for(slack: FakeSlackWebApi) -> Pacer:
    """The outbox's pacer: waiting for its slots when the fake enforces Slack's rate
    limits, and not otherwise, so that tests of other things need not wait for them."""
    return Pacer() if slack.limits is not None else Pacer(sleep=_no_wait)


class SlackServer:
    """`inbreng serve`'s server with Slack on, pointed at the fake Web API."""

    def __init__(
        self,
        conversation: Conversation,
        slack: FakeSlackWebApi,
        *,
        settings: SlackSettings | None = None,
    ) -> None:
        self.slack = slack
        self._loop = LoopThread()
        settings = settings or SlackSettings(
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            api_url=slack.url,
            _env_file=None,
        )
        self.server: Server = self._loop.run(
            start(
                conversation,
                settings,
                host="127.0.0.1",
                port=0,
                tick_seconds=None,
                pacer=pacer_for(slack),
            )
        )
        self.url = f"http://127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        self._loop.run(self.server.stop())
        self._loop.close()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the server's event loop."""
        return self._loop.run(coroutine, timeout)

    def begin(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Start a coroutine on the server's event loop, without waiting for it."""
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop.loop)

    def settle(self, timeout: float = 60) -> None:
        """Wait for what the bot does after acknowledging the requests sent so far."""
        assert self.server.slack is not None
        assert self._loop.run(self.server.slack.finish(timeout), timeout + 5) == 0

    def run_outbox(self) -> Counter[str]:
        """One run of the scheduler's tick: due rounds, then the outbox; what happened."""
        return self._loop.run(self.server.jobs.tick())

    # -- HTTP ----------------------------------------------------------------------

    def get(self, path: str) -> Reply:
        return send(urllib.request.Request(self.url + path))

    def post_signed(
        self,
        body: str,
        *,
        content_type: str,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        return post_signed(
            self.url,
            body,
            content_type=content_type,
            timestamp=timestamp,
            secret=secret,
            headers=headers,
        )

    def post(self, body: str, *, content_type: str, headers: dict[str, str]) -> Reply:
        return post(self.url, body, content_type=content_type, headers=headers)

    # -- what Slack sends ----------------------------------------------------------

    def command(self, user_id: str, text: str, **signing: Any) -> Reply:
        return self.post_signed(
            command_body(self.slack, user_id, text), content_type=FORM, **signing
        )

    def click(
        self,
        user_id: str,
        action_id: str,
        value: str,
        *,
        channel: str | None = None,
        ephemeral: bool = False,
        message_ts: str = "1700000000.000100",
    ) -> Reply:
        """A press on a button of the message `message_ts` in `channel` (the DM)."""
        body = button_payload(
            self.slack,
            user_id,
            action_id,
            value,
            channel=channel or f"D{user_id}",
            ephemeral=ephemeral,
            message_ts=message_ts,
        )
        return self.post_signed(urlencode({"payload": json.dumps(body)}), content_type=FORM)

    def submit(
        self, user_id: str, view: dict[str, Any], values: dict[str, Any], **signing: Any
    ) -> Reply:
        """Submit a modal the bot opened, with the id and hash Slack gave it."""
        body = view_submission(user_id, {**self.shown_view(view), **view}, values)
        return self.post_signed(
            urlencode({"payload": json.dumps(body)}), content_type=FORM, **signing
        )

    def shown_view(self, view: dict[str, Any]) -> dict[str, Any]:
        """The id and hash the fake gave `view` (as sent to views.open) when it opened it:
        the call that sent this very view, else the latest that sent an equal one."""
        opened = [c for c in self.slack.calls_to("views.open") if c.answer and c.answer.get("ok")]
        call = next((c for c in opened if c.params.get("view") is view), None) or next(
            (c for c in reversed(opened) if c.params.get("view") == view), None
        )
        if call is None or call.answer is None:
            return {}
        shown = call.answer["view"]
        return {"id": shown["id"], "hash": shown["hash"]}

    def event(
        self, event: dict[str, Any], *, event_id: str, headers: dict[str, str] | None = None
    ) -> Reply:
        body = fixture("events/message_im_event_callback.json")
        body.update(team_id=TEAM, event=event, event_id=event_id, event_time=int(time.time()))
        return self.post_signed(json.dumps(body), content_type=JSON, headers=headers)


FORM = "application/x-www-form-urlencoded"
_REQUESTS = itertools.count(1)  # numbers each request's response_url
JSON = "application/json"


def post_signed(
    url: str,
    body: str,
    *,
    content_type: str,
    timestamp: int | None = None,
    secret: str = SIGNING_SECRET,
    headers: dict[str, str] | None = None,
) -> Reply:
    """POST to `/slack/events` of the server at `url`, signed as Slack signs."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    return post(
        url,
        body,
        content_type=content_type,
        headers={
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature,
            **(headers or {}),
        },
    )


def post(url: str, body: str, *, content_type: str, headers: dict[str, str]) -> Reply:
    request = urllib.request.Request(
        url + "/slack/events",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": content_type, **headers},
    )
    return send(request)


def send(request: urllib.request.Request) -> Reply:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(response.status, response.read().decode())
    except urllib.error.HTTPError as error:
        return Reply(error.code, error.read().decode())


def command_fields(slack: FakeSlackWebApi, user_id: str, text: str) -> dict[str, str]:
    """Slack's documented slash command, as this user and with this text."""
    raw = (SLACK_FIXTURES / "commands/slash_command_slack_docs_example.txt").read_text()
    parsed = parse_qs(raw.strip(), keep_blank_values=True)
    fields = {key: values[0] for key, values in parsed.items()}
    number = next(_REQUESTS)
    fields.update(
        team_id=TEAM,
        user_id=user_id,
        command="/inbreng",
        text=text,
        channel_id="C0GENERAL",
        # Slack gives every command a response_url and a trigger_id of its own.
        response_url=slack.response_url(f"command-{user_id}-{number}"),
        trigger_id=f"{number}.{fields.get('trigger_id', '1')}",
    )
    return fields


def command_body(slack: FakeSlackWebApi, user_id: str, text: str) -> str:
    return urlencode(command_fields(slack, user_id, text))


def all_text(call: Call) -> str:
    """Everything a posted message shows, as a reader sees it, a piece per line: the
    notification text, then each text object and each rich text block (its elements joined),
    in order."""
    blocks = call.params.get("blocks")
    if isinstance(blocks, str):  # form-encoded (response_url or the SDK's form posts)
        blocks = json.loads(blocks)
    return "\n".join([str(call.params.get("text") or ""), *shown_strings(blocks)])


def shown_strings(node: Any) -> list[str]:
    """The strings Block Kit shows in `node`: text objects and rich text, in order."""
    if isinstance(node, list):
        return [text for item in node for text in shown_strings(item)]
    if not isinstance(node, dict):
        return []
    if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
        return [str(node["text"])]
    if node.get("type") == "rich_text":
        elements = [e for section in node.get("elements", []) for e in section.get("elements", [])]
        return ["".join(str(e.get("text", "")) for e in elements)]
    return [text for value in node.values() for text in shown_strings(value)]


def wait_until(check: Callable[[], T | None], timeout: float = 30.0) -> T:
    """For what the bot does after it has acknowledged a request."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("the expected call did not arrive in time")


def button_payload(
    slack: FakeSlackWebApi,
    user_id: str,
    action_id: str,
    value: str,
    *,
    channel: str,
    ephemeral: bool,
    message_ts: str = "1700000000.000100",
) -> dict[str, Any]:
    body: dict[str, Any] = fixture("interactivity/block_actions_button.json")
    body["team"] = {"id": TEAM, "domain": "pmg"}
    body["user"] = {"id": user_id, "username": user_id.lower(), "team_id": TEAM}
    body["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    body["channel"] = {"id": channel, "name": "directmessage"}
    number = next(_REQUESTS)
    body["response_url"] = slack.response_url(f"action-{user_id}-{number}")
    body["actions"] = [
        {
            "action_id": action_id,
            "block_id": "b1",
            "value": value,
            "type": "button",
            "action_ts": f"1700000000.{number}",  # Slack's moment of each press
        }
    ]
    return body


def view_submission(user_id: str, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Submit a modal the bot opened (`view` as sent to views.open) with these values:
    a string for text inputs and selects, a list for checkboxes, Unix time for a
    datetimepicker (None: as prefilled)."""
    body: dict[str, Any] = fixture("interactivity/view_submission.json")
    body["team"] = {"id": TEAM, "domain": "pmg"}
    body["user"] = {"id": user_id, "username": user_id.lower(), "team_id": TEAM}
    state: dict[str, dict[str, Any]] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        given = values.get(block["block_id"])
        state[block["block_id"]] = {element["action_id"]: _state(element, given)}
    body["view"] = {**body["view"], **view, "state": {"values": state}}
    return body


def _state(element: dict[str, Any], given: Any) -> dict[str, Any]:
    kind = element["type"]
    if kind == "plain_text_input":
        return {"type": kind, "value": given}
    if kind == "datetimepicker":
        picked = element.get("initial_date_time") if given is None else given
        return {"type": kind, "selected_date_time": picked}
    options = {o["value"]: o for o in element.get("options", [])}
    if kind in ("checkboxes", "multi_static_select"):
        return {"type": kind, "selected_options": [options[v] for v in given or []]}
    return {"type": kind, "selected_option": options.get(given) if given else None}
