"""A fake Slack Web API on a loopback port, for tests and benchmarks.

The server runs aiohttp on its own event loop in a daemon thread, so plain synchronous
fixtures and scripts can use it; point `slack_sdk` clients at it with `base_url=slack.url`.
Answers are built from the published payloads in `SLACK_FIXTURES / "web_api"`.

    with FakeSlackWebApi() as slack:
        slack.add_user("U123", "a.jansen@zeist.example")
        client = WebClient(token="xoxb-test", base_url=slack.url)
        client.chat_postMessage(channel="D123", text="Hallo")
        assert slack.calls_to("chat.postMessage")[0].params["text"] == "Hallo"

It also plays Slack's side of Socket Mode: `apps.connections.open` (with an app-level
`xapp-` token) answers a `ws://` URL on the same server, where Slack's `hello` greets
each connection; envelopes go out with `send_envelope` and the app's acknowledgements
are recorded in `socket_acks`.

    slack.send_envelope({"envelope_id": "e1", "type": "events_api", "payload": {...}})
    assert slack.wait_for_socket_ack("e1") == {"envelope_id": "e1"}

Posted messages are kept per conversation, with their metadata, and conversations.history
answers from them. A post to a user id lands in the app's DM with that user, whose id is
`dm_channel(user_id)` (`"D" + user_id`); `messages(channel)` and `metadata_values(...)`
show what arrived where. With `strict_users=True` only the users added with `add_user`
exist: a post to any other user id answers `channel_not_found`, as Slack does.

Slack's rate limits (`SlackLimits`) and random failures (`SlackFaults`) are off unless
passed in; both are deterministic for a sequential client (seeded draws, an injectable
clock for the token buckets):

    limits = SlackLimits(post_per_workspace=Rate(per_minute=600, burst=20))
    faults = SlackFaults(ratelimited=0.02, error_before=0.02, error_after=0.02, seed=7)
    with FakeSlackWebApi(limits=limits, faults=faults) as slack:
        ...
        print(limits.floor_seconds({slack.dm_channel(u): 1 for u in slack.users}))
"""

from __future__ import annotations

import asyncio
import copy
import functools
import itertools
import json
import math
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import quote

from aiohttp import WSCloseCode, WSMsgType, web

from testing.fakes import slack_limits
from testing.fakes.served import ServedFake
from testing.published import FIXTURES

SLACK_FIXTURES = FIXTURES / "slack"
WEB_API_FIXTURES = SLACK_FIXTURES / "web_api"

RESPONSE_URL_METHOD = "response_url"
UPLOAD_METHOD = "file_upload"
SOCKET_MODE_METHOD = "apps.connections.open"
SOCKET_MODE_PATH = "/socket-mode"

# Values that are free text: never decoded as JSON, even when a user types "{...}".
_FREE_TEXT_PARAMS = frozenset(
    {"text", "initial_comment", "title", "alt_txt", "filename", "content", "private_metadata"}
)
_VIEW_CONTENT_KEYS = frozenset(
    {"type", "title", "blocks", "submit", "close", "callback_id", "private_metadata", "external_id"}
)
_START_TIMEOUT_SECONDS = 10.0
_SOCKET_CLOSE_SECONDS = 2.0
# Only an app-level token may open a Socket Mode connection; Slack refuses the others.
_APP_TOKEN_METHODS = frozenset({SOCKET_MODE_METHOD})
_APP_TOKEN_PREFIX = "xapp-"

JsonObject = dict[str, Any]


@functools.cache
def _read_fixture(name: str) -> JsonObject:
    with (WEB_API_FIXTURES / f"{name}.json").open(encoding="utf-8") as file:
        payload: JsonObject = json.load(file)
    return payload


def load_fixture(name: str) -> JsonObject:
    """A fresh copy of `web_api/<name>.json`, e.g. `load_fixture("users.info.ok")`."""
    return copy.deepcopy(_read_fixture(name))


def _error_body(method: str, error: str) -> JsonObject:
    """The published error payload for `error` if there is one, else a generic one."""
    own = WEB_API_FIXTURES / f"{method}.error_{error}.json"
    if own.is_file():
        return load_fixture(own.stem)
    # Slack answers the same error the same way for every method, e.g. channel_not_found.
    for other in sorted(WEB_API_FIXTURES.glob(f"*.error_{error}.json")):
        return load_fixture(other.stem)
    return {"ok": False, "error": error}


def _missing_argument(field_name: str) -> JsonObject:
    body = load_fixture("views.open.error_invalid_arguments")
    body["response_metadata"]["messages"] = [f"[ERROR] missing required field: {field_name}"]
    return body


FaultKind = Literal["ratelimited", "error_before", "error_after"]

# Faults are never drawn for these unless SlackFaults.methods names them: a client that
# cannot even start is no test of how it copes with a flaky Slack.
_FAULT_FREE_METHODS = frozenset({"auth.test", SOCKET_MODE_METHOD})
_POST_METHOD = "chat.postMessage"
_HISTORY_LIMIT_DEFAULT = 100
_HISTORY_LIMIT_MAX = 999


@functools.cache
def _published_method_tiers() -> dict[str, str]:
    with (WEB_API_FIXTURES / "rate_limit_tiers.json").open(encoding="utf-8") as file:
        tiers: dict[str, str] = json.load(file)
    return tiers


def published_method_tiers() -> dict[str, str]:
    """Slack's published tier of every Web API method, e.g. `{"users.info": "Tier4"}`;
    special methods have tiers of their own, e.g. `SpecialTier_chat_postMessage`."""
    return dict(_published_method_tiers())


@dataclass(frozen=True)
class Rate:
    """The shape of a token bucket: `per_minute` calls on average, `burst` at once.

    A full bucket holds `burst` tokens; a call takes one; tokens come back evenly at
    `per_minute / 60` a second, up to `burst` again.
    """

    per_minute: float
    burst: int = 1

    def __post_init__(self) -> None:
        if not self.per_minute > 0:
            raise ValueError("per_minute must be positive")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0

    def seconds_for(self, calls: int) -> float:
        """The least time from the first of `calls` calls to the last, from a full bucket."""
        return max(0.0, (calls - self.burst) / self.per_second)


# https://docs.slack.dev/apis/web-api/rate-limits: "1+", "20+", "50+" and "100+" per
# minute, "with occasional bursts"; how large a burst is, Slack does not say.
PUBLISHED_TIER_RATES: Mapping[str, Rate] = MappingProxyType(
    {
        "Tier1": Rate(per_minute=1, burst=2),
        "Tier2": Rate(per_minute=20, burst=3),
        "Tier3": Rate(per_minute=50, burst=5),
        "Tier4": Rate(per_minute=100, burst=10),
    }
)


@dataclass(frozen=True)
class SlackLimits:
    """Slack's Web API rate limits, per app and workspace (the fake is one workspace).

    Every method has its own bucket, shaped by its tier (`methods` maps a method to a
    tier, `tiers` a tier to its `Rate`; a method whose tier has no rate is not limited,
    as are the special tiers other than chat.postMessage's). chat.postMessage has two
    buckets instead: one per channel (about one message a second, short bursts allowed)
    and one for the whole workspace ("several hundred messages per minute"). A call
    over a limit is answered HTTP 429 `ratelimited` with `Retry-After`, the whole
    seconds until every bucket it needs has a token again, at least 1.
    """

    tiers: Mapping[str, Rate] = field(default_factory=lambda: dict(PUBLISHED_TIER_RATES))
    methods: Mapping[str, str] = field(default_factory=published_method_tiers)
    post_per_channel: Rate = Rate(per_minute=60, burst=3)
    post_per_workspace: Rate = Rate(per_minute=600, burst=20)

    def rate_for(self, method: str) -> Rate | None:
        """The rate of `method`'s own bucket; None for chat.postMessage and unlimited ones."""
        tier = self.methods.get(method)
        return None if tier is None else self.tiers.get(tier)

    def floor_seconds(self, posts: Mapping[str, int]) -> float:
        """The least time from the first chat.postMessage to the last in which these
        limits let `posts` (channel → how many messages) through, from full buckets.

        Each channel needs `post_per_channel.seconds_for(n)`, the workspace
        `post_per_workspace.seconds_for(total)`; the limits allow the longest of them.
        One direct message to each of N members: `(N - workspace burst) / rate`.
        """
        per_channel = max(
            (self.post_per_channel.seconds_for(n) for n in posts.values()), default=0.0
        )
        return max(per_channel, self.post_per_workspace.seconds_for(sum(posts.values())))


@dataclass(frozen=True)
class SlackFaults:
    """Random failures, drawn once per Web API call from `random.Random(seed)`.

    With probability `ratelimited` a call is refused with HTTP 429 `Retry-After: 1`;
    with `error_before` it is answered a 5xx (one of `statuses`) and nothing happens;
    with `error_after` it takes effect (a posted message is stored) and is answered a
    5xx all the same, as Slack sometimes does: a client must look before it sends again.
    `methods` limits the faults to those methods; by default every method but
    auth.test and apps.connections.open may fail.
    """

    ratelimited: float = 0.0
    error_before: float = 0.0
    error_after: float = 0.0
    seed: int = 0
    statuses: tuple[int, ...] = (500, 503)
    methods: frozenset[str] | None = None

    def __post_init__(self) -> None:
        chances = (self.ratelimited, self.error_before, self.error_after)
        if any(not 0.0 <= chance <= 1.0 for chance in chances) or sum(chances) > 1.0:
            raise ValueError("fault probabilities must lie in [0, 1] and add up to 1 at most")
        if not self.statuses or any(not 500 <= status <= 599 for status in self.statuses):
            raise ValueError("statuses must be 5xx")

    def applies_to(self, method: str) -> bool:
        if self.methods is None:
            return method not in _FAULT_FREE_METHODS
        return method in self.methods


@dataclass(frozen=True)
class StoredMessage:
    """A message posted through the fake, as conversations.history returns it."""

    channel: str
    ts: str
    text: str
    blocks: list[JsonObject] | None
    metadata: JsonObject | None  # {"event_type": ..., "event_payload": {...}}
    thread_ts: str | None = None
    payload: JsonObject = field(default_factory=dict, repr=False, compare=False)

    def history_item(self, *, include_metadata: bool) -> JsonObject:
        item = copy.deepcopy(self.payload)
        if not include_metadata:
            item.pop("metadata", None)
        return item


class _TokenBucket:
    def __init__(self, rate: Rate, now: float) -> None:
        self._rate = rate
        self._tokens = float(rate.burst)
        self._updated = now

    def wait(self, now: float) -> float:
        """Seconds until a token is free; 0 when one is free now."""
        if now > self._updated:
            refilled = self._tokens + (now - self._updated) * self._rate.per_second
            self._tokens = min(float(self._rate.burst), refilled)
            self._updated = now
        return 0.0 if self._tokens >= 1.0 else (1.0 - self._tokens) / self._rate.per_second

    def take(self) -> None:
        self._tokens -= 1.0


@dataclass(frozen=True)
class Call:
    """One request the fake answered."""

    method: str
    params: JsonObject
    token: str | None = field(default=None, repr=False)  # repr=False: keep it out of logs
    name: str | None = None
    status: int = 200
    fault: FaultKind | None = None  # the random fault injected into this answer, if any
    limited: bool = False  # refused by the rate limits
    refused: str | None = None  # refused for exceeding a limit of Slack's (its error code)
    answer: JsonObject | None = field(default=None, repr=False)  # what the fake answered


@dataclass
class _Fault:
    status: int
    error: str | None
    retry_after: float | None
    remaining: int
    body: JsonObject | None = None  # answered as it is: a malformed answer


@dataclass(frozen=True)
class _User:
    email: str
    name: str | None
    team_id: str


@dataclass
class _Answer:
    body: JsonObject | str
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fault: FaultKind | None = None
    limited: bool = False
    refused: str | None = None


def _refusal(excess: slack_limits.Excess, *, status: int = 200) -> _Answer:
    """Slack's answer to a message or view over one of its limits."""
    body: JsonObject = {
        "ok": False,
        "error": excess.error,
        "errors": [excess.message],
        "response_metadata": {"messages": [f"[ERROR] {excess.message}"]},
    }
    return _Answer(body, status=status, refused=excess.error)


_MESSAGE_METHODS = frozenset({"chat.postMessage", "chat.update", "chat.postEphemeral"})
_VIEW_METHODS = frozenset({"views.open", "views.push", "views.update", "views.publish"})


def _ratelimited(
    retry_after: str, *, fault: FaultKind | None = None, limited: bool = False
) -> _Answer:
    return _Answer(
        {"ok": False, "error": "ratelimited"},
        status=429,
        headers={"Retry-After": retry_after},
        fault=fault,
        limited=limited,
    )


_Handler = Callable[[JsonObject], JsonObject]


class FakeSlackWebApi(ServedFake):
    """A recording, scriptable stand-in for https://slack.com/api/ on 127.0.0.1."""

    def __init__(
        self,
        *,
        latency: float = 0.0,
        team_id: str = "T0001",
        bot_user_id: str = "U0BOT0001",
        bot_id: str = "B0BOT0001",
        app_id: str = "A0BOT0001",
        limits: SlackLimits | None = None,
        faults: SlackFaults | None = None,
        clock: Callable[[], float] = time.monotonic,
        strict_users: bool = False,
        scopes: tuple[str, ...] | None = None,
        block_text_limit: int = slack_limits.MESSAGE_BLOCK_TEXT,
    ) -> None:
        """`limits`: enforce Slack's rate limits (off by default); `faults`: fail calls at
        random (off by default); `clock`: seconds, for the rate limits' buckets;
        `strict_users`: only users added with `add_user` exist, so a post to another
        user id answers `channel_not_found` (by default any user id can get a DM, while
        only added users have a profile); `scopes`: the bot token's scopes, answered in
        the `x-oauth-scopes` header as Slack does (no header when None);
        `block_text_limit`: the characters of block text one message may carry before it is
        refused `msg_blocks_too_long` (Slack's other limits, `slack_limits`, always hold)."""
        self.block_text_limit = block_text_limit
        self._response_url_posts: dict[str, int] = {}
        self.latency = latency
        self.limits = limits
        self.faults = faults
        self.strict_users = strict_users
        self.scopes = scopes
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.app_id = app_id
        self.users: dict[str, str] = {}
        self.uploads: dict[str, bytes] = {}
        self._user_details: dict[str, _User] = {}
        self._calls: list[Call] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._files: dict[str, str] = {}  # file id -> filename, once an upload URL was issued
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._ts_counter = itertools.count(1)
        self._id_counter = itertools.count(1)
        self._ts_base = int(time.time())
        # Posted messages per conversation, oldest first; channels known to be empty.
        self._messages: dict[str, list[StoredMessage]] = {}
        self._channels: set[str] = set()
        self._clock = clock
        self._buckets: dict[tuple[str, str], _TokenBucket] = {}
        self._random = random.Random(faults.seed if faults is not None else 0)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._base: str | None = None
        # Socket Mode: tickets and sockets belong to the server's loop, the rest to _lock.
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []  # open ones, oldest first
        self._socket_acks: list[JsonObject] = []
        self._socket_connections = 0  # accepted (and greeted) so far
        self._open_sockets = 0
        self._methods: dict[str, _Handler] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "conversations.history": self._conversations_history,
            "conversations.open": self._conversations_open,
            "users.info": self._users_info,
            "users.lookupByEmail": self._users_lookup_by_email,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
            SOCKET_MODE_METHOD: self._apps_connections_open,
        }

    # --- life cycle ----------------------------------------------------------------

    def start(self) -> FakeSlackWebApi:
        """Start serving; returns self."""
        if self._thread is not None:
            raise RuntimeError("FakeSlackWebApi is already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="fake-slack-web-api", daemon=True)
        thread.start()
        self._loop, self._thread = loop, thread
        try:
            port = asyncio.run_coroutine_threadsafe(self._serve(), loop).result(
                _START_TIMEOUT_SECONDS
            )
        except BaseException:
            self._stop_loop()
            raise
        self._base = f"http://127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        """Stop serving, closing Socket Mode connections first; safe to call twice."""
        if self._loop is None:
            return
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._close_sockets(), self._loop).result(
                _START_TIMEOUT_SECONDS
            )
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(
                _START_TIMEOUT_SECONDS
            )
            self._runner = None
        self._stop_loop()
        self._base = None

    @property
    def url(self) -> str:
        """Base URL for slack_sdk clients, ending in `/api/`."""
        return f"{self._require_base()}/api/"

    def response_url(self, name: str) -> str:
        """A `response_url` on this server; JSON posts to it are recorded under `name`."""
        return f"{self._require_base()}/response/{quote(name, safe='')}"

    # --- scripting -----------------------------------------------------------------

    def add_user(
        self, user_id: str, email: str, *, name: str | None = None, team_id: str = "T0001"
    ) -> None:
        """Make `users.info` and `users.lookupByEmail` know this user."""
        with self._lock:
            self._user_details[user_id] = _User(email=email, name=name, team_id=team_id)
            self.users[user_id] = email

    def add_channel(self, channel_id: str) -> None:
        """Make conversations.history know this channel before anything is posted to it
        (a user's DM channel is known as soon as the user is)."""
        with self._lock:
            self._channels.add(channel_id)

    @staticmethod
    def dm_channel(user_id: str) -> str:
        """The id of the app's DM with this user, as conversations.open and a
        chat.postMessage to the user id answer it."""
        return "D" + user_id

    def fail_next(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int = 200,
        retry_after: float | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls to `method` with a failure.

        HTTP 429 answers `ratelimited` with `Retry-After` (whole seconds, rounded up;
        1 by default); other statuses answer `error` or `internal_error`, with
        `Retry-After` only if given; status 200 needs `error` and uses the published
        error payload when there is one.
        """
        if status == 200 and error is None:
            raise ValueError("fail_next with status 200 needs an error")
        if times < 1:
            raise ValueError("times must be at least 1")
        fault = _Fault(status=status, error=error, retry_after=retry_after, remaining=times)
        with self._lock:
            self._faults.setdefault(method, deque()).append(fault)

    def answer_next(self, method: str, body: JsonObject, *, times: int = 1) -> None:
        """Answer the next `times` calls to `method` with `body` as it is (HTTP 200), e.g.
        an answer that lacks a field every real one has."""
        fault = _Fault(status=200, error=None, retry_after=None, remaining=times, body=body)
        with self._lock:
            self._faults.setdefault(method, deque()).append(fault)

    # --- inspection ----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every recorded call, oldest first."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls to `method`, oldest first."""
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def refusals(self) -> list[Call]:
        """The calls refused for exceeding one of Slack's limits (`slack_limits`): each is a
        message or view that did not arrive. Oldest first."""
        with self._lock:
            return [call for call in self._calls if call.refused is not None]

    def injected_faults(self) -> list[Call]:
        """The calls answered with a random fault (see `SlackFaults`), oldest first."""
        with self._lock:
            return [call for call in self._calls if call.fault is not None]

    def messages(self, channel: str) -> list[StoredMessage]:
        """The messages posted to this conversation, oldest first; for a DM, pass the DM
        channel id (`dm_channel(user_id)`), also when they were posted to the user id."""
        with self._lock:
            return list(self._messages.get(channel, ()))

    def channels(self) -> list[str]:
        """Every conversation holding a posted message, in the order of their first one."""
        with self._lock:
            return list(self._messages)

    def metadata_values(self, event_type: str, key: str) -> dict[str, list[Any]]:
        """For each conversation, `event_payload[key]` of every message whose metadata
        has this `event_type`, oldest first (None where the payload lacks the key);
        conversations without such a message are left out.

            slack.metadata_values("inbreng_delivery", "delivery_id")
            # {"DU00000001": [17], "DU00000002": [18, 18]}
        """
        values: dict[str, list[Any]] = {}
        with self._lock:
            for channel, stored in self._messages.items():
                for message in stored:
                    metadata = message.metadata or {}
                    if metadata.get("event_type") == event_type:
                        payload = metadata.get("event_payload") or {}
                        values.setdefault(channel, []).append(copy.deepcopy(payload.get(key)))
        return values

    def clear(self) -> None:
        """Forget the recorded calls and Socket Mode acknowledgements (users, uploads,
        posted messages, pending faults and open connections stay)."""
        with self._lock:
            self._calls.clear()
            self._socket_acks.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 30.0) -> list[Call]:
        """Block until at least `count` calls to `method` were recorded; return them all.
        The timeout is generous: on a loaded machine the first summary loads the Dutch
        lemmatizer for seconds, and a wait returns as soon as the calls are there."""

        def matching() -> list[Call]:
            return [call for call in self._calls if call.method == method]

        with self._recorded:
            if self._recorded.wait_for(lambda: len(matching()) >= count, timeout):
                return matching()
            seen = len(matching())
            methods = sorted({call.method for call in self._calls})
        raise AssertionError(
            f"expected at least {count} call(s) to {method} within {timeout:g}s, "
            f"got {seen}; methods called: {methods}"
        )

    # --- Socket Mode -----------------------------------------------------------------

    @property
    def socket_acks(self) -> list[JsonObject]:
        """A snapshot of every message the app sent over Socket Mode, oldest first."""
        with self._lock:
            return list(self._socket_acks)

    @property
    def socket_connections(self) -> int:
        """How many Socket Mode connections were accepted so far, closed ones included."""
        with self._lock:
            return self._socket_connections

    def send_envelope(self, envelope: JsonObject) -> None:
        """Send an envelope (`envelope_id`, `type`, `payload`, ...) as Slack does: over
        one connection, the newest open one. Raises RuntimeError if none is open."""
        self._on_loop(self._send_to_newest(envelope))

    def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every connected app to reconnect, as Slack does before it closes a
        connection (`warning`, `refresh_requested` or `link_disabled`)."""
        message = {
            "type": "disconnect",
            "reason": reason,
            "debug_info": {"host": "applink-fake-slack-web-api"},
        }
        self._on_loop(self._send_to_all(message))

    def wait_for_socket_connection(self, timeout: float = 5.0, *, count: int = 1) -> None:
        """Block until `count` connections were accepted in all and one is still open."""

        def connected() -> bool:
            return self._socket_connections >= count and self._open_sockets > 0

        with self._recorded:
            if self._recorded.wait_for(connected, timeout):
                return
            accepted, open_now = self._socket_connections, self._open_sockets
        raise AssertionError(
            f"expected {count} Socket Mode connection(s) within {timeout:g}s, "
            f"got {accepted} ({open_now} open); calls to {SOCKET_MODE_METHOD}: "
            f"{len(self.calls_to(SOCKET_MODE_METHOD))}"
        )

    def wait_for_socket_ack(self, envelope_id: str, timeout: float = 5.0) -> JsonObject:
        """Block until the app acknowledged this envelope; return its (first) answer."""

        def matching() -> JsonObject | None:
            return next(
                (ack for ack in self._socket_acks if ack.get("envelope_id") == envelope_id), None
            )

        with self._recorded:
            if self._recorded.wait_for(lambda: matching() is not None, timeout):
                found = matching()
                assert found is not None
                return found
            seen = [ack.get("envelope_id") for ack in self._socket_acks]
        raise AssertionError(
            f"expected an acknowledgement of envelope {envelope_id} within {timeout:g}s; "
            f"acknowledged: {seen}"
        )

    def _on_loop(self, coroutine: Coroutine[Any, Any, None]) -> None:
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("FakeSlackWebApi is not running; call start() first")
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(_START_TIMEOUT_SECONDS)

    # --- server --------------------------------------------------------------------

    async def _serve(self) -> int:
        # Upload benchmarks may send files larger than aiohttp's 1 MiB default.
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/response/{name}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_get(SOCKET_MODE_PATH, self._handle_socket)
        # No access log: test output stays quiet.
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        # Binding the socket ourselves gives the real port without private attributes.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        site = web.SockSite(runner, sock)
        await site.start()
        self._runner = runner
        port: int = sock.getsockname()[1]
        return port

    def _stop_loop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_START_TIMEOUT_SECONDS)
        loop.close()
        self._loop, self._thread = None, None

    def _require_base(self) -> str:
        if self._base is None:
            raise RuntimeError("FakeSlackWebApi is not running; call start() first")
        return self._base

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params = await _request_params(request)
        token = _bearer_token(request)
        form_token = params.pop("token", None)
        if token is None and isinstance(form_token, str) and form_token:
            token = form_token

        def answer() -> _Answer:
            handler = self._methods.get(method)
            if handler is None:
                return _Answer({"ok": False, "error": "unknown_method"})
            if token is None:
                return _Answer({"ok": False, "error": "not_authed"})
            if method in _APP_TOKEN_METHODS and not token.startswith(_APP_TOKEN_PREFIX):
                return _Answer({"ok": False, "error": "not_allowed_token_type"})
            refusal, error_after = self._admit(method, params)
            if refusal is not None:
                return refusal
            excess = self._excess(method, params)
            if excess is not None:
                return _refusal(excess)
            body = handler(params)
            headers = {} if self.scopes is None else {"x-oauth-scopes": ",".join(self.scopes)}
            return error_after or _Answer(body, headers=headers)

        return await self._respond(method, params, token, None, answer)

    async def _handle_response_url(self, request: web.Request) -> web.StreamResponse:
        params = await _request_params(request)
        name = request.match_info["name"]

        def answer() -> _Answer:
            excess = slack_limits.message_excess(params, block_text=self.block_text_limit)
            if excess is not None:
                return _refusal(excess, status=400)
            with self._lock:
                used = self._response_url_posts.get(name, 0)
                if used >= slack_limits.RESPONSE_URL_POSTS:
                    # Slack answers a spent response_url 404, in plain text.
                    return _Answer(slack_limits.USED_URL, status=404, refused=slack_limits.USED_URL)
                self._response_url_posts[name] = used + 1
            return _Answer({"ok": True})

        return await self._respond(RESPONSE_URL_METHOD, params, None, name, answer)

    def _excess(self, method: str, params: JsonObject) -> slack_limits.Excess | None:
        if method in _MESSAGE_METHODS:
            return slack_limits.message_excess(params, block_text=self.block_text_limit)
        view = params.get("view")
        if method in _VIEW_METHODS and isinstance(view, dict):
            return slack_limits.view_excess(view)
        return None

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["file_id"]
        data = await _upload_bytes(request)

        def answer() -> _Answer:
            if file_id not in self._files:
                return _Answer("file not found", status=404)
            with self._lock:
                self.uploads[file_id] = data
            # The real upload host answers in plain text, which slack_sdk expects.
            return _Answer(f"OK - {len(data)}")

        params: JsonObject = {"file_id": file_id, "length": len(data)}
        return await self._respond(UPLOAD_METHOD, params, None, None, answer)

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        """A Socket Mode connection: `hello` first, then record what the app sends."""
        if request.query.get("ticket") not in self._tickets:
            raise web.HTTPUnauthorized(text="invalid ticket")
        # autoping: pings (slack_sdk sends "sdk-ping-pong:<time>") get their pong.
        socket_ = web.WebSocketResponse(autoping=True)
        await socket_.prepare(request)
        self._sockets.append(socket_)
        greeted = False
        try:
            await socket_.send_json(self._hello(len(self._sockets)))
            with self._recorded:
                self._socket_connections += 1
                self._open_sockets += 1
                self._recorded.notify_all()
            greeted = True
            async for message in socket_:
                if message.type == WSMsgType.TEXT:
                    self._record_socket_message(message.data)
        finally:
            self._sockets.remove(socket_)
            if greeted:
                with self._recorded:
                    self._open_sockets -= 1
                    self._recorded.notify_all()
        return socket_

    def _hello(self, connections: int) -> JsonObject:
        return {
            "type": "hello",
            "num_connections": connections,
            "debug_info": {
                "host": "applink-fake-slack-web-api",
                "build_number": 1,
                "approximate_connection_time": 18060,
            },
            "connection_info": {"app_id": self.app_id},
        }

    def _record_socket_message(self, data: str) -> None:
        try:
            message: Any = json.loads(data)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            message = {"invalid": data}  # recorded all the same, for the test to see
        with self._recorded:
            self._socket_acks.append(message)
            self._recorded.notify_all()

    async def _send_to_newest(self, envelope: JsonObject) -> None:
        open_sockets = [socket_ for socket_ in self._sockets if not socket_.closed]
        if not open_sockets:
            raise RuntimeError("no Socket Mode connection is open")
        await open_sockets[-1].send_json(envelope)

    async def _send_to_all(self, message: JsonObject) -> None:
        for socket_ in list(self._sockets):
            if not socket_.closed:
                await socket_.send_json(message)

    async def _close_sockets(self) -> None:
        # A close frame, so clients see Slack going away rather than a broken link.
        await asyncio.gather(
            *(
                asyncio.wait_for(
                    socket_.close(code=WSCloseCode.GOING_AWAY, message=b"server stopping"),
                    _SOCKET_CLOSE_SECONDS,
                )
                for socket_ in list(self._sockets)
            ),
            return_exceptions=True,
        )

    async def _respond(
        self,
        method: str,
        params: JsonObject,
        token: str | None,
        name: str | None,
        answer: Callable[[], _Answer],
    ) -> web.StreamResponse:
        result = self._take_fault(method) or answer()
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        call = Call(
            method=method,
            params=params,
            token=token,
            name=name,
            status=result.status,
            fault=result.fault,
            limited=result.limited,
            refused=result.refused,
            answer=result.body if isinstance(result.body, dict) else None,
        )
        with self._recorded:
            self._calls.append(call)
            self._recorded.notify_all()
        if isinstance(result.body, str):
            return web.Response(text=result.body, status=result.status, headers=result.headers)
        return web.json_response(result.body, status=result.status, headers=result.headers)

    def _take_fault(self, method: str) -> _Answer | None:
        with self._lock:
            queue = self._faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining == 0:
                queue.popleft()
        if fault.body is not None:
            return _Answer(fault.body)
        headers: dict[str, str] = {}
        retry_after = fault.retry_after
        if fault.status == 429 and retry_after is None:
            retry_after = 1.0
        if retry_after is not None:
            # Retry-After is whole seconds (RFC 9110); slack_sdk parses it with int().
            headers["Retry-After"] = str(math.ceil(retry_after))
        if fault.status == 429:
            return _Answer({"ok": False, "error": "ratelimited"}, 429, headers)
        if fault.status == 200:
            return _Answer(_error_body(method, fault.error or "internal_error"))
        body = {"ok": False, "error": fault.error or "internal_error"}
        return _Answer(body, fault.status, headers)

    def _admit(self, method: str, params: JsonObject) -> tuple[_Answer | None, _Answer | None]:
        """Rate limits, then a random fault: (a refusal, or None to go on; the 5xx to
        answer after the call took effect, or None). A refused call takes no token."""
        with self._lock:
            now = self._clock()
            buckets = self._buckets_for(method, params, now)
            wait = max((bucket.wait(now) for bucket in buckets), default=0.0)
            if wait > 0:
                retry_after = str(max(1, math.ceil(wait)))
                return _ratelimited(retry_after, limited=True), None
            kind, status = self._draw_fault(method)
            if kind == "ratelimited":
                return _ratelimited("1", fault=kind), None
            for bucket in buckets:
                bucket.take()
            if kind is None:
                return None, None
            error = _Answer({"ok": False, "error": "internal_error"}, status=status, fault=kind)
            return (error, None) if kind == "error_before" else (None, error)

    def _buckets_for(self, method: str, params: JsonObject, now: float) -> list[_TokenBucket]:
        """The buckets a call to `method` takes a token from; call with the lock held."""
        limits = self.limits
        if limits is None:
            return []
        if method == _POST_METHOD:
            requested = str(params.get("channel") or "")
            channel = self._resolve_channel(requested) or requested
            return [
                self._bucket(("channel", channel), limits.post_per_channel, now),
                self._bucket(("workspace", ""), limits.post_per_workspace, now),
            ]
        rate = limits.rate_for(method)
        return [] if rate is None else [self._bucket(("method", method), rate, now)]

    def _bucket(self, key: tuple[str, str], rate: Rate, now: float) -> _TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _TokenBucket(rate, now)
        return bucket

    def _draw_fault(self, method: str) -> tuple[FaultKind | None, int]:
        """(the fault for this call or None, its 5xx status); one draw per call that
        faults apply to, so a seed replays the same run. Call with the lock held."""
        faults = self.faults
        if faults is None or not faults.applies_to(method):
            return None, 200
        chances: tuple[tuple[FaultKind, float], ...] = (
            ("ratelimited", faults.ratelimited),
            ("error_before", faults.error_before),
            ("error_after", faults.error_after),
        )
        draw = self._random.random()
        for kind, chance in chances:
            if draw < chance:
                status = 429 if kind == "ratelimited" else self._random.choice(faults.statuses)
                return kind, status
            draw -= chance
        return None, 200

    # --- ids -----------------------------------------------------------------------

    def _next_ts(self) -> str:
        # Strictly increasing like Slack's: seconds plus a six-digit sequence.
        n = next(self._ts_counter)
        return f"{self._ts_base + n // 1_000_000}.{n % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._id_counter):08d}"

    # --- methods -------------------------------------------------------------------

    def _auth_test(self, params: JsonObject) -> JsonObject:
        return {
            "ok": True,
            "url": "https://inbreng-test.slack.com/",
            "team": "Inbreng Test",
            "user": "inbreng",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, params: JsonObject) -> JsonObject:
        ticket = f"{self._ts_base:x}-{next(self._id_counter):08d}"
        self._tickets.add(ticket)
        base = self._require_base().replace("http://", "ws://", 1)
        return {"ok": True, "url": f"{base}{SOCKET_MODE_PATH}?ticket={ticket}&app_id={self.app_id}"}

    def _message(self, params: JsonObject, ts: str) -> JsonObject:
        message: JsonObject = load_fixture("chat.postMessage.ok")["message"]
        message.pop("attachments", None)
        message.update(
            {"bot_id": self.bot_id, "user": self.bot_user_id, "username": "inbreng", "ts": ts}
        )
        message["text"] = params.get("text", "")
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in params:
                message[key] = params[key]
        return message

    def _content_error(self, params: JsonObject) -> JsonObject | None:
        if not params.get("channel"):
            return _error_body("chat.postMessage", "channel_not_found")
        if not any(params.get(key) for key in ("text", "blocks", "attachments")):
            return {"ok": False, "error": "no_text"}
        return None

    def _resolve_channel(self, channel: str) -> str | None:
        """Where a post to `channel` lands: a user id means the app's DM with that user
        (None for an unknown user); anything else is taken as a channel id. Call with the
        lock held."""
        if _is_user_id(channel):
            return self.dm_channel(channel) if self._user_exists(channel) else None
        return channel

    def _user_exists(self, user_id: str) -> bool:
        """Call with the lock held."""
        return user_id in self.users or not self.strict_users

    def _known_channel(self, channel: str) -> bool:
        """Call with the lock held."""
        if channel in self._messages or channel in self._channels:
            return True
        user_id = channel.removeprefix("D")
        return channel.startswith("D") and _is_user_id(user_id) and self._user_exists(user_id)

    def _chat_post_message(self, params: JsonObject) -> JsonObject:
        error = self._content_error(params)
        if error is not None:
            return error
        metadata = params.get("metadata")
        if metadata is not None and not _valid_metadata(metadata):
            return {"ok": False, "error": "invalid_metadata_format"}
        body = load_fixture("chat.postMessage.ok")
        with self._lock:
            channel = self._resolve_channel(str(params["channel"]))
            if channel is None:
                return _error_body(_POST_METHOD, "channel_not_found")
            ts = self._next_ts()
            message = self._message(params, ts)
            thread_ts = params.get("thread_ts")
            stored = StoredMessage(
                channel=channel,
                ts=ts,
                text=str(message["text"]),
                blocks=copy.deepcopy(params.get("blocks")),
                metadata=copy.deepcopy(metadata),
                thread_ts=str(thread_ts) if thread_ts else None,
                payload=copy.deepcopy(message),
            )
            self._messages.setdefault(channel, []).append(stored)
        body.update({"channel": channel, "ts": ts, "message": message})
        return body

    def _chat_post_ephemeral(self, params: JsonObject) -> JsonObject:
        error = self._content_error(params)
        if error is not None:
            return error
        if not params.get("user"):
            return _missing_argument("user")
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_update(self, params: JsonObject) -> JsonObject:
        error = self._content_error(params)
        if error is not None:
            return error
        if not params.get("ts"):
            return {"ok": False, "error": "message_not_found"}
        ts = str(params["ts"])
        self._update_stored(str(params["channel"]), ts, params)
        return {
            "ok": True,
            "channel": params["channel"],
            "ts": ts,
            "text": params.get("text", ""),
            "message": self._message(params, ts),
        }

    def _update_stored(self, channel: str, ts: str, params: JsonObject) -> None:
        """chat.update of a message posted through the fake changes the stored one."""
        with self._lock:
            stored = self._messages.get(channel, [])
            for index, message in enumerate(stored):
                if message.ts != ts:
                    continue
                payload = copy.deepcopy(message.payload)
                payload["text"] = params.get("text", "")
                changes: JsonObject = {"text": str(payload["text"])}
                for key in ("blocks", "metadata"):
                    if key in params:
                        payload[key] = copy.deepcopy(params[key])
                        changes[key] = copy.deepcopy(params[key])
                stored[index] = replace(message, payload=payload, **changes)
                return

    def _conversations_history(self, params: JsonObject) -> JsonObject:
        """The conversation's messages, newest first, without thread replies; with
        `include_all_metadata`, each with its metadata. `oldest` and `latest` bound the
        timestamps (exclusive unless `inclusive`); no cursor paging: `has_more` says
        whether `limit` cut the list short."""
        channel = str(params.get("channel") or "")
        try:
            oldest = Decimal(str(params.get("oldest") or "0"))
            latest = Decimal(str(params["latest"])) if params.get("latest") else None
            limit = int(params.get("limit") or _HISTORY_LIMIT_DEFAULT)
        except (InvalidOperation, ValueError):
            return {"ok": False, "error": "invalid_arguments"}
        limit = min(max(limit, 1), _HISTORY_LIMIT_MAX)
        inclusive = _true(params.get("inclusive"))
        include_metadata = _true(params.get("include_all_metadata"))

        def in_range(message: StoredMessage) -> bool:
            ts = Decimal(message.ts)
            after = ts >= oldest if inclusive else ts > oldest
            before = latest is None or (ts <= latest if inclusive else ts < latest)
            return after and before

        with self._lock:
            if not self._known_channel(channel):
                return _error_body("conversations.history", "channel_not_found")
            found = [
                message
                for message in reversed(self._messages.get(channel, []))
                if message.thread_ts in (None, message.ts) and in_range(message)
            ]
        return {
            "ok": True,
            "messages": [
                message.history_item(include_metadata=include_metadata) for message in found[:limit]
            ],
            "has_more": len(found) > limit,
            "pin_count": 0,
            "channel_actions_ts": None,
            "channel_actions_count": 0,
            "response_metadata": {"next_cursor": ""},
        }

    def _conversations_open(self, params: JsonObject) -> JsonObject:
        body = load_fixture("conversations.open.ok")
        if params.get("channel"):
            body["channel"]["id"] = str(params["channel"])
            return body
        users = [user for user in str(params.get("users", "")).split(",") if user]
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        # Stable ids, so tests can predict where a member's DM goes.
        body["channel"]["id"] = "D" + users[0] if len(users) == 1 else "G" + "".join(sorted(users))
        return body

    def _user_object(self, user_id: str) -> JsonObject:
        details = self._user_details.get(user_id)
        email = self.users[user_id]
        name = details.name if details and details.name else email.split("@", 1)[0]
        team_id = details.team_id if details else "T0001"
        user: JsonObject = load_fixture("users.info.ok")["user"]
        user.update({"id": user_id, "name": name, "real_name": name, "team_id": team_id})
        user.update({"is_admin": False})
        user["profile"].update(
            {
                "email": email,
                "team": team_id,
                "real_name": name,
                "real_name_normalized": name,
                "display_name": name,
                "display_name_normalized": name,
            }
        )
        return user

    def _users_info(self, params: JsonObject) -> JsonObject:
        user_id = str(params.get("user", ""))
        with self._lock:
            if user_id not in self.users:
                return _error_body("users.info", "user_not_found")
            return {"ok": True, "user": self._user_object(user_id)}

    def _users_lookup_by_email(self, params: JsonObject) -> JsonObject:
        email = str(params.get("email", "")).casefold()
        with self._lock:
            for user_id, known in self.users.items():
                if known.casefold() == email:
                    return {"ok": True, "user": self._user_object(user_id)}
        return {"ok": False, "error": "users_not_found"}

    def _view(self, submitted: JsonObject, view_id: str) -> JsonObject:
        fixture = load_fixture("views.open.ok")["view"]
        view = {key: value for key, value in fixture.items() if key not in _VIEW_CONTENT_KEYS}
        view.update({"callback_id": "", "private_metadata": "", "external_id": "", "blocks": []})
        view.update(submitted)
        view.update(
            {
                "id": view_id,
                "root_view_id": view_id,
                "team_id": self.team_id,
                "bot_id": self.bot_id,
                "hash": f"{self._ts_base}.{next(self._id_counter):08d}",
                "state": {"values": {}},
            }
        )
        return {"ok": True, "view": view}

    def _views_open(self, params: JsonObject) -> JsonObject:
        if not params.get("trigger_id") and not params.get("interactivity_pointer"):
            return _missing_argument("trigger_id")
        view = params.get("view")
        if not isinstance(view, dict):
            return _missing_argument("view")
        return self._view(view, self._next_id("V"))

    def _views_update(self, params: JsonObject) -> JsonObject:
        view = params.get("view")
        if not isinstance(view, dict):
            return _missing_argument("view")
        if not params.get("view_id") and not params.get("external_id"):
            return _missing_argument("view_id")
        # An update keeps the id of the view it replaces, as Slack does.
        return self._view(view, str(params.get("view_id") or self._next_id("V")))

    def _views_publish(self, params: JsonObject) -> JsonObject:
        if not params.get("user_id"):
            return _missing_argument("user_id")
        view = params.get("view")
        if not isinstance(view, dict):
            return _missing_argument("view")
        return self._view(view, self._next_id("V"))

    def _files_get_upload_url(self, params: JsonObject) -> JsonObject:
        if not params.get("filename"):
            return _missing_argument("filename")
        if not str(params.get("length", "")).isdigit():
            return _missing_argument("length")
        file_id = self._next_id("F")
        self._files[file_id] = str(params["filename"])
        return {
            "ok": True,
            "upload_url": f"{self._require_base()}/upload/{file_id}",
            "file_id": file_id,
        }

    def _files_complete_upload(self, params: JsonObject) -> JsonObject:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return _missing_argument("files")
        answered: list[JsonObject] = []
        with self._lock:
            for item in files:
                file_id = item.get("id") if isinstance(item, dict) else None
                if file_id not in self.uploads:
                    return {"ok": False, "error": "file_not_found"}
                filename = self._files[file_id]
                answered.append(
                    {
                        "id": file_id,
                        "title": item.get("title") or filename,
                        "name": filename,
                        "size": len(self.uploads[file_id]),
                    }
                )
        return {"ok": True, "files": answered}


async def _request_params(request: web.Request) -> JsonObject:
    """Query string and body merged, with JSON-valued form fields decoded."""
    params: JsonObject = dict(request.query)
    if request.content_type == "application/json":
        body: Any = await request.json() if request.can_read_body else {}
        if isinstance(body, dict):
            params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        # File parts stay out: only uploads need their bytes, and they read the body.
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return {key: _decode(key, value) for key, value in params.items()}


def _is_user_id(value: str) -> bool:
    return value.startswith(("U", "W"))


def _valid_metadata(metadata: Any) -> bool:
    """Slack's message metadata: an event type and an object of values."""
    return (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and bool(metadata["event_type"])
        and isinstance(metadata.get("event_payload", {}), dict)
    )


def _true(value: Any) -> bool:
    """A boolean argument, as clients send it: JSON true, or "1" / "true" in a form."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true")
    return value is True or value == 1


def _decode(key: str, value: Any) -> Any:
    if key in _FREE_TEXT_PARAMS or not isinstance(value, str):
        return value
    if not value.lstrip().startswith(("{", "[")):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _bearer_token(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def _upload_bytes(request: web.Request) -> bytes:
    """The uploaded file: the raw body, or the first file part of a multipart form."""
    if request.content_type != "multipart/form-data":
        return await request.read()
    form = await request.post()
    for value in form.values():
        if isinstance(value, web.FileField):
            return value.file.read()
    return b""


__all__ = [
    "PUBLISHED_TIER_RATES",
    "RESPONSE_URL_METHOD",
    "SLACK_FIXTURES",
    "SOCKET_MODE_METHOD",
    "SOCKET_MODE_PATH",
    "UPLOAD_METHOD",
    "WEB_API_FIXTURES",
    "Call",
    "FakeSlackWebApi",
    "FaultKind",
    "Rate",
    "SlackFaults",
    "SlackLimits",
    "StoredMessage",
    "load_fixture",
    "published_method_tiers",
]
