"""A fake Bot Framework connector (the REST API v3 Teams serves) on a loopback port.

Put its `url` in an activity's `serviceUrl`: botbuilder's ConnectorClient then sends the
bot's replies, proactive messages and member look-ups here. The server runs aiohttp on
its own event loop in a daemon thread, so synchronous tests can use it:

    with FakeTeamsConnector() as teams:
        teams.add_user("29:jansen", name="A. Jansen", email="a.jansen@zeist.example")
        teams.add_team("19:team@thread.tacv2", name="PMG", members=["29:jansen"])
        ...
        assert teams.activities("a:29:jansen")[0]["attachments"]

A personal chat with a user has the id `personal_chat(user_id)` ("a:" + user id), also
when the bot creates it (Teams keeps one per user). A post to a channel id starts a
thread there. `fail_next` answers the next calls of a kind with 429 (with Retry-After),
a 5xx before anything happens, a 5xx after the activity was stored (`after=True`: the
client cannot know it arrived), or 403/404 as Teams does for a blocked bot or an unknown
conversation. msrest's aiohttp sender, which the connector client uses, does not retry by
itself, so every answer reaches the bot's own code.

Every activity sent, updated or posted with a new conversation is measured against Teams'
published limits (`testing.fakes.teams_limits`): one beyond them is refused as Teams refuses
it (413 MessageSizeTooBig for size) or, where Teams would take it but not show it (an
inline image above 1024x1024 px, actions past the sixth), with a 400, so that an excess is
a lost message in a test. `refused` lists them.

Teams' published rate limits (`TeamsLimits`) are off unless passed in; a call over one is
answered 429 with Retry-After, and recorded with `limited=True`:

    with FakeTeamsConnector(limits=TeamsLimits()) as teams:
        ...
        assert not [call for call in teams.calls if call.limited]
"""

from __future__ import annotations

import asyncio
import itertools
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from aiohttp import web

from testing.fakes import teams_limits
from testing.fakes.served import ServedFake

JsonObject = dict[str, Any]
Kind = Literal["create", "send", "update", "delete", "member", "members"]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    kind: Kind
    body: Any
    headers: dict[str, str]
    limited: bool = False  # refused by the rate limits (429)


@dataclass(frozen=True)
class Window:
    """At most `calls` calls in any `seconds`."""

    seconds: float
    calls: int


def _windows(*pairs: tuple[float, int]) -> tuple[Window, ...]:
    return tuple(Window(seconds, calls) for seconds, calls in pairs)


# https://learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit, "Per bot per
# thread limit": per conversation (a personal chat, a group chat, a channel).
_SENDS = _windows((1, 7), (2, 8), (30, 60), (3600, 1800))
PER_CONVERSATION: Mapping[str, tuple[Window, ...]] = MappingProxyType(
    {
        "send": _SENDS,  # "Send to conversation"; updates and deletes count as sends here
        "create": _SENDS,  # "Create conversation"
        "members": _windows((1, 14), (2, 16), (30, 120), (3600, 3600)),
    }
)
_LIMIT_GROUPS: Mapping[Kind, str] = MappingProxyType(
    {
        "send": "send",
        "update": "send",
        "delete": "send",
        "create": "create",
        "member": "members",
        "members": "members",
    }
)


@dataclass(frozen=True)
class TeamsLimits:
    """Teams' rate limits for one bot: per conversation and kind of call
    (`per_conversation`), and for all its calls in the tenant together (`per_app`: "the
    global limit per app per tenant is 50 requests per second"). Each is a set of
    sliding windows; a call that would exceed one is refused (HTTP 429, Retry-After:
    the whole seconds until the window has room, at least 1)."""

    per_conversation: Mapping[str, tuple[Window, ...]] = field(
        default_factory=lambda: dict(PER_CONVERSATION)
    )
    per_app: tuple[Window, ...] = _windows((1, 50))

    def floor_seconds(self, calls: Mapping[str, int]) -> float:
        """The least time from the first call to the last in which these limits let
        `calls` (a conversation and kind, as "send:a:29:x", to how many calls) through:
        `n` calls under "`k` in `s` seconds" need `(ceil(n / k) - 1) * s`."""

        def least(windows: tuple[Window, ...], count: int) -> float:
            return max(((math.ceil(count / w.calls) - 1) * w.seconds for w in windows), default=0.0)

        per_conversation = max(
            (
                least(self.per_conversation.get(key.split(":", 1)[0], ()), count)
                for key, count in calls.items()
            ),
            default=0.0,
        )
        return max(per_conversation, least(self.per_app, sum(calls.values())))


class _SlidingWindows:
    """The moments of the calls admitted, per key, as long as a window can need them."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[float]] = {}

    def wait(self, key: str, windows: tuple[Window, ...], now: float) -> float:
        """Seconds until a call under `key` fits every window; 0 when it fits now."""
        seen = self._seen.get(key)
        if not seen or not windows:
            return 0.0
        longest = max(window.seconds for window in windows)
        while seen and seen[0] <= now - longest:
            seen.popleft()
        wait = 0.0
        for window in windows:
            inside = [moment for moment in seen if moment > now - window.seconds]
            if len(inside) >= window.calls:
                # Room once the oldest call that makes the window full has left it.
                oldest = inside[len(inside) - window.calls]
                wait = max(wait, oldest + window.seconds - now)
        return wait

    def admit(self, key: str, now: float) -> None:
        self._seen.setdefault(key, deque()).append(now)


@dataclass
class _Fault:
    status: int
    retry_after: float | None
    after: bool
    remaining: int


@dataclass
class _User:
    id: str
    name: str
    email: str
    upn: str
    aad_object_id: str
    tenant_id: str

    def account(self) -> JsonObject:
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "email": self.email,
            "userPrincipalName": self.upn,
            "tenantId": self.tenant_id,
            "userRole": "user",
        }


@dataclass
class _Team:
    id: str
    name: str
    members: list[str] = field(default_factory=list)


def personal_chat(user_id: str) -> str:
    return f"a:{user_id}"


class FakeTeamsConnector(ServedFake):
    def __init__(
        self, *, limits: TeamsLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """`limits`: enforce Teams' rate limits (off by default); `clock`: seconds, for
        their windows."""
        self.limits = limits
        self._clock = clock
        self._windows = _SlidingWindows()
        self._lock = threading.Lock()
        self._users: dict[str, _User] = {}
        self._teams: dict[str, _Team] = {}
        self._activities: dict[str, list[JsonObject]] = {}
        self._calls: list[Call] = []
        self._faults: dict[str, deque[_Fault]] = {}
        self._ids = itertools.count(1)
        self._refused: list[tuple[JsonObject, list[teams_limits.Excess]]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # -- life cycle ----------------------------------------------------------------

    def start(self) -> FakeTeamsConnector:
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def serve() -> None:
            app = web.Application(client_max_size=4 * 1024 * 1024)
            app.router.add_route("*", "/{tail:.*}", self._dispatch)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self._port = self._runner.addresses[0][1]

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(serve())
            ready.set()
            loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake Teams connector did not start")
        return self

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None:
            return
        if runner is not None:
            asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        loop.close()
        self._loop = None

    @property
    def url(self) -> str:
        """The serviceUrl, ending in a slash as Teams' do."""
        return f"http://127.0.0.1:{self._port}/"

    # -- set-up and inspection --------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        email: str,
        upn: str | None = None,
        aad_object_id: str | None = None,
        tenant_id: str = "",
    ) -> None:
        with self._lock:
            self._users[user_id] = _User(
                id=user_id,
                name=name,
                email=email,
                upn=upn or email,
                aad_object_id=aad_object_id or f"aad-{user_id}",
                tenant_id=tenant_id,
            )

    def add_team(self, team_id: str, *, name: str, members: list[str]) -> None:
        with self._lock:
            self._teams[team_id] = _Team(id=team_id, name=name, members=list(members))

    def fail_next(
        self,
        kind: Kind,
        *,
        status: int,
        retry_after: float | None = None,
        after: bool = False,
        times: int = 1,
    ) -> None:
        with self._lock:
            self._faults.setdefault(kind, deque()).append(
                _Fault(status=status, retry_after=retry_after, after=after, remaining=times)
            )

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    @property
    def refused(self) -> list[tuple[JsonObject, list[teams_limits.Excess]]]:
        """Activities refused for going beyond Teams' limits, with the limits they broke."""
        with self._lock:
            return list(self._refused)

    def calls_of(self, kind: Kind) -> list[Call]:
        return [c for c in self.calls if c.kind == kind]

    def activities(self, conversation_id: str) -> list[JsonObject]:
        """What the bot posted in a conversation, in order, as last updated; deleted ones
        are gone."""
        with self._lock:
            return [dict(a) for a in self._activities.get(conversation_id, [])]

    def conversations(self) -> list[str]:
        with self._lock:
            return [c for c, found in self._activities.items() if found]

    def wait_for(
        self, check: Callable[[], bool], *, timeout: float = 5.0, what: str = "a call"
    ) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                raise AssertionError(f"the fake Teams connector did not see {what}")
            time.sleep(0.01)

    # -- the API --------------------------------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.match_info["tail"].split("/") if p]
        body = await request.json() if request.can_read_body else None
        route = self._route(request.method, parts)
        if route is None:
            return _error(404, "BadArgument", f"no route {request.method} {request.path}")
        kind, handler = route
        with self._lock:
            retry_after = self._over_limit(kind, parts, body)
            self._calls.append(
                Call(
                    request.method,
                    request.path,
                    kind,
                    body,
                    dict(request.headers),
                    limited=retry_after is not None,
                )
            )
            if retry_after is not None:
                return _throttled(retry_after)
            fault = self._take_fault(kind)
        if fault is not None and not fault.after:
            return _fault_answer(fault)
        refusal = self._beyond_limits(kind, body)
        if refusal is not None:
            return refusal
        answer = handler(parts, body, request)
        if fault is not None:
            return _fault_answer(fault)
        return answer

    def _route(
        self, method: str, parts: list[str]
    ) -> tuple[Kind, Callable[[list[str], Any, web.Request], web.Response]] | None:
        if parts[:2] != ["v3", "conversations"]:
            return None
        rest = parts[2:]
        shape = (method, len(rest), rest[1] if len(rest) > 1 else None)
        routes: dict[tuple[str, int, str | None], tuple[Kind, Any]] = {
            ("POST", 0, None): ("create", self._create),
            ("POST", 2, "activities"): ("send", self._send),
            ("POST", 3, "activities"): ("send", self._send),
            ("PUT", 3, "activities"): ("update", self._update),
            ("DELETE", 3, "activities"): ("delete", self._delete),
            ("GET", 3, "members"): ("member", self._member),
            ("GET", 2, "members"): ("members", self._members),
            ("GET", 2, "pagedmembers"): ("members", self._paged_members),
        }
        return routes.get(shape)

    def _beyond_limits(self, kind: Kind, body: Any) -> web.Response | None:
        activity = body.get("activity") if kind == "create" and isinstance(body, dict) else body
        if kind not in ("create", "send", "update") or not isinstance(activity, dict):
            return None
        found = teams_limits.excesses(activity)
        if not found:
            return None
        with self._lock:
            self._refused.append((activity, found))
        first = found[0]
        return _error(first.status, first.code, "; ".join(str(e) for e in found))

    def _over_limit(self, kind: Kind, parts: list[str], body: Any) -> float | None:
        """Seconds to wait when this call exceeds a limit, else None (and it counts).
        Call with the lock held."""
        if self.limits is None:
            return None
        group = _LIMIT_GROUPS[kind]
        keys = [
            (
                f"{group}:{_limited_conversation(kind, parts, body)}",
                self.limits.per_conversation.get(group, ()),
            ),
            ("app", self.limits.per_app),
        ]
        now = self._clock()
        wait = max(self._windows.wait(key, windows, now) for key, windows in keys)
        if wait > 0:
            return wait
        for key, _ in keys:
            self._windows.admit(key, now)
        return None

    def _take_fault(self, kind: Kind) -> _Fault | None:
        queue = self._faults.get(kind)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining <= 0:
            queue.popleft()
        return fault

    def _create(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        body = body or {}
        channel = (body.get("channelData") or {}).get("channel") or {}
        members = body.get("members") or []
        if channel.get("id"):
            conversation_id = f"{channel['id']};messageid={next(self._ids)}"
        elif len(members) == 1 and not body.get("isGroup"):
            conversation_id = personal_chat(str(members[0].get("id")))
        else:
            return _error(400, "BadArgument", "unsupported conversation")
        activity_id = None
        with self._lock:
            self._activities.setdefault(conversation_id, [])
            if body.get("activity"):
                activity_id = self._store(conversation_id, body["activity"])
        return web.json_response(
            {"id": conversation_id, "activityId": activity_id, "serviceUrl": self.url},
            status=201,
        )

    def _send(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        with self._lock:
            activity_id = self._store(parts[2], body or {})
        return web.json_response({"id": activity_id}, status=201)

    def _update(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        conversation_id, activity_id = parts[2], parts[4]
        with self._lock:
            found = self._activities.get(conversation_id, [])
            for index, activity in enumerate(found):
                if activity.get("id") == activity_id:
                    found[index] = {**(body or {}), "id": activity_id}
                    return web.json_response({"id": activity_id})
        return _error(404, "NotFound", "no such activity")

    def _delete(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        conversation_id, activity_id = parts[2], parts[4]
        with self._lock:
            found = self._activities.get(conversation_id, [])
            self._activities[conversation_id] = [a for a in found if a.get("id") != activity_id]
        return web.Response(status=200)

    def _member(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        with self._lock:
            user = self._users.get(parts[4])
        if user is None:
            return _error(404, "MemberNotFoundInConversation", "Member not found")
        return web.json_response(user.account())

    def _team_accounts(self, conversation_id: str) -> list[JsonObject]:
        with self._lock:
            team = self._teams.get(conversation_id)
            ids = team.members if team is not None else []
            return [self._users[i].account() for i in ids if i in self._users]

    def _members(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        return web.json_response(self._team_accounts(parts[2]))

    def _paged_members(self, parts: list[str], body: Any, request: web.Request) -> web.Response:
        accounts = self._team_accounts(parts[2])
        size = int(request.query.get("pageSize") or 50)
        start = int(request.query.get("continuationToken") or 0)
        page: JsonObject = {"members": accounts[start : start + size]}
        if start + size < len(accounts):
            page["continuationToken"] = str(start + size)
        return web.json_response(page)

    def _store(self, conversation_id: str, activity: JsonObject) -> str:
        activity_id = f"1:{next(self._ids)}"
        stored = {**activity, "id": activity_id}
        self._activities.setdefault(conversation_id, []).append(stored)
        return activity_id


def _limited_conversation(kind: Kind, parts: list[str], body: Any) -> str:
    """The conversation a call counts against: the one in its path, or for a new
    conversation the one it creates (a channel's thread, or the user's personal chat)."""
    if kind != "create":
        return parts[2]
    body = body or {}
    channel = (body.get("channelData") or {}).get("channel") or {}
    if channel.get("id"):
        return str(channel["id"])
    members = body.get("members") or [{}]
    return personal_chat(str(members[0].get("id")))


def _throttled(retry_after: float) -> web.Response:
    return web.json_response(
        {"error": {"code": "Throttled", "message": "too many requests"}},
        status=429,
        headers={"Retry-After": str(max(1, math.ceil(retry_after)))},
    )


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


def _fault_answer(fault: _Fault) -> web.Response:
    codes = {403: "ConversationBlockedByUser", 404: "ConversationNotFound", 429: "Throttled"}
    headers = {}
    if fault.status == 429 or fault.retry_after is not None:
        headers["Retry-After"] = str(int(fault.retry_after or 1))
    return web.json_response(
        {"error": {"code": codes.get(fault.status, "ServiceError"), "message": "fault"}},
        status=fault.status,
        headers=headers,
    )
