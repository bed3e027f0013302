"""The real server with Teams on, on a loopback port, and the activities Teams posts to it,
built from Microsoft's published payloads with their serviceUrl pointing at the fake
connector."""

from __future__ import annotations

import copy
import itertools
import json
import urllib.error
import urllib.request
from collections import Counter
from typing import Any

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.conversation.conversation import Conversation
from bot.outbox.pacing import Pacer
from inbreng.server.app import Server, start
from testing.published import FIXTURES
from testing.slack_harness import LoopThread, Reply

TEAMS_FIXTURES = FIXTURES / "teams"
TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
BOT_ID = "28:inbreng-bot"
TEAM_ID = "19:pmg-team@thread.tacv2"

JsonObject = dict[str, Any]
_ACTIVITY_IDS = itertools.count(1_000_000)


def fixture_activity(name: str) -> JsonObject:
    """A published activity; recordings keep it under "body"."""
    raw: JsonObject = json.loads((TEAMS_FIXTURES / name).read_text(encoding="utf-8"))
    return copy.deepcopy(raw.get("body", raw))


def personal_message(
    service_url: str,
    user_id: str,
    *,
    text: str | None = None,
    value: Any = None,
    tenant: str = TENANT,
    **extra: Any,
) -> JsonObject:
    """A message in the user's personal chat with the bot (Microsoft's sample, re-addressed),
    from a user of `tenant`."""
    activity = fixture_activity("personal_message_sample.json")
    activity.update(
        serviceUrl=service_url,
        id=extra.pop("id", f"1:{next(_ACTIVITY_IDS)}"),
        text=text,
        value=value,
        **{"from": {"id": user_id, "name": "Lid"}},
        recipient={"id": BOT_ID, "name": "Inbreng"},
        conversation={"conversationType": "personal", "id": f"a:{user_id}", "tenantId": tenant},
        channelData={"tenant": {"id": tenant}},
        **extra,
    )
    return {k: v for k, v in activity.items() if v is not None}


def personal_install(service_url: str, user_id: str, *, tenant: str = TENANT) -> JsonObject:
    """The bot added in a user's personal scope (Microsoft's sample, re-addressed)."""
    activity = fixture_activity("conversation_update_personal_bot_installed.json")
    activity.update(
        serviceUrl=service_url,
        **{"from": {"id": user_id}},
        recipient={"id": BOT_ID, "name": "Inbreng"},
        membersAdded=[{"id": user_id}, {"id": BOT_ID}],
        conversation={"conversationType": "personal", "id": f"a:{user_id}"},
        channelData={"tenant": {"id": tenant}},
    )
    return activity


def team_install(
    service_url: str, *, team_id: str = TEAM_ID, name: str = "PMG", tenant: str = TENANT
) -> JsonObject:
    """The bot added to a team of `tenant` (the published teamMemberAdded event, with the
    bot added)."""
    activity = fixture_activity("conversation_update_team_member_added.recording.json")
    activity.update(
        serviceUrl=service_url,
        recipient={"id": BOT_ID, "name": "Inbreng"},
        membersAdded=[{"id": BOT_ID}],
        conversation={
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": tenant,
            "id": team_id,
        },
        channelData={
            "team": {"id": team_id, "name": name},
            "eventType": "teamMemberAdded",
            "tenant": {"id": tenant},
        },
    )
    return activity


async def _no_wait(seconds: float) -> None:
    """No waiting for the pacer's slots: the connector enforces no limits to keep to."""


class TeamsServer:
    """`inbreng serve`'s server with Teams on (and Slack as given): with an app id in
    `teams`, or else as for the Bot Framework Emulator (INBRENG_TEAMS_EMULATOR)."""

    def __init__(
        self,
        conversation: Conversation,
        *,
        teams: TeamsSettings | None = None,
        slack: SlackSettings | None = None,
        emulator: bool = True,
        host: str = "127.0.0.1",
        pacer: Pacer | None = None,
    ) -> None:
        """`pacer`: the outbox's pacer; by default its slots come at once, for tests with
        a connector that enforces no rate limits."""
        self._loop = LoopThread()
        self.server: Server = self._loop.run(
            start(
                conversation,
                slack or SlackSettings(_env_file=None),
                teams=teams or TeamsSettings(_env_file=None),
                host=host,
                port=0,
                tick_seconds=None,
                teams_emulator=emulator,
                pacer=pacer or Pacer(sleep=_no_wait),
            )
        )
        self.url = f"http://127.0.0.1:{self.server.port}"

    def stop(self) -> None:
        self._loop.run(self.server.stop())
        self._loop.close()

    def run_outbox(self) -> Counter[str]:
        """One run of the scheduler's tick: due rounds, then the outbox; what happened."""
        return self._loop.run(self.server.jobs.tick())

    def post(
        self,
        activity: JsonObject | str | bytes,
        *,
        token: str | None = None,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> Reply:
        if isinstance(activity, dict):
            body = json.dumps(activity).encode()
        else:
            body = activity.encode() if isinstance(activity, str) else activity
        request = urllib.request.Request(
            self.url + "/api/messages",
            data=body,
            method="POST",
            headers={
                "Content-Type": content_type,
                **({"Authorization": f"Bearer {token}"} if token else {}),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())
