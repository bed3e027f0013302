"""A fan-out paced within the platforms' published rate limits: nothing refused, nothing
lost, nothing twice.

Slack: real `inbreng serve` processes (one on SQLite, two sharing PostgreSQL) invite the
members of a network through the fake Web API with Slack's rate limits on; before pacing,
the instances sent as fast as they could and Slack refused the posts beyond its burst.
Teams: the server invites members through the fake connector with Teams' limits on.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.slack import pacing as slack_pacing
from adapters.teams import pacing as teams_pacing
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.network_file import load_network_file
from bot.outbox.pacing import Pace, Pacer
from bot.ports import UnitOfWorkFactory
from bot.services.network import load_network
from bot.services.rounds import RoundRequest
from storage.database import create_database_engine
from testing.fakes.slack_web_api import (
    PUBLISHED_TIER_RATES,
    FakeSlackWebApi,
    SlackLimits,
    published_method_tiers,
)
from testing.fakes.teams_connector import (
    PER_CONVERSATION,
    FakeTeamsConnector,
    TeamsLimits,
    Window,
)
from testing.teams_harness import TeamsServer, team_install
from tests.inbreng.test_cli import inbreng, succeeded
from tests.inbreng.test_many_instances import (
    check_created,
    delivered,
    serving,
    start_round,
    wait_for,
)
from tests.support import OPERATOR, FakeClock

MEMBERS = 60
PILLAR = "financien"
FINISH_TIMEOUT = 120.0  # an upper bound to wait, not an expectation
CLAIM_SECONDS = 60  # longer than a paced batch takes: no claim runs out under a live instance


def slack_user_id(number: int) -> str:
    return f"UPACE{number:04d}"


def member_email(number: int) -> str:
    return f"lid{number:04d}@gemeente-{number % 6}.example"


def write_network(path: Path, *, teams: bool = False, members: int = MEMBERS) -> None:
    """`members` members following one pillar without channels: the round's only messages
    are the invitations. (JSON is YAML.)"""
    platform_id = "teams_user_id" if teams else "slack_user_id"
    network = {
        "network": {"name": "Netwerk in de maat", "language": "nl"},
        "organisations": [{"slug": f"gemeente-{n}", "name": f"Gemeente {n}"} for n in range(6)],
        "members": [
            {
                "email": member_email(n),
                "name": f"Lid {n}",
                "organisation": f"gemeente-{n % 6}",
                platform_id: teams_user_id(n) if teams else slack_user_id(n),
            }
            for n in range(members)
        ],
        "pillars": [
            {
                "slug": PILLAR,
                "name": "Financiën",
                "topics": [
                    {
                        "slug": "gemeentefonds",
                        "name": "Gemeentefonds",
                        "description": "Algemene uitkering en financiële ruimte.",
                    }
                ],
            }
        ],
    }
    path.write_text(json.dumps(network, ensure_ascii=False), encoding="utf-8")


def unsettled(url: str) -> int:
    """Deliveries still pending or claimed; -1 before the round made any."""
    engine = create_database_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT status FROM deliveries").all()
    finally:
        engine.dispose()
    if not rows:
        return -1
    return sum(1 for (status,) in rows if status in ("pending", "claimed"))


@pytest.fixture
def limited_slack() -> Iterator[FakeSlackWebApi]:
    with FakeSlackWebApi(limits=SlackLimits(), strict_users=True) as fake:
        for n in range(MEMBERS):
            fake.add_user(slack_user_id(n), member_email(n))
        yield fake


def test_a_fan_out_stays_within_slacks_rate_limits(
    database_url: str, limited_slack: FakeSlackWebApi, tmp_path: Path
) -> None:
    network_file = tmp_path / "network.yaml"
    write_network(network_file)
    succeeded(inbreng("network", "load", str(network_file), cwd=tmp_path, url=database_url))
    instances = 2 if database_url.startswith("postgresql") else 1

    with serving(instances, database_url, limited_slack, tmp_path,
                 {"INBRENG_CLAIM_SECONDS": str(CLAIM_SECONDS)}) as running:  # fmt: skip
        creating = start_round(database_url, tmp_path)
        wait_for(
            lambda: unsettled(database_url) == 0,
            instances=running,
            what="every invitation sent",
            timeout=FINISH_TIMEOUT,
            creating=creating,
        )
        check_created(creating)

    refused = [call for call in limited_slack.calls if call.limited]
    assert refused == []
    per_member = Counter(post.user_id for post in delivered(limited_slack))
    assert per_member == {slack_user_id(n): 1 for n in range(MEMBERS)}


def test_slacks_paces_stay_inside_its_published_limits() -> None:
    limits = SlackLimits()
    workspace, channel = limits.post_per_workspace, limits.post_per_channel
    for ours, theirs in (
        (slack_pacing.WORKSPACE_POSTS, workspace),
        (slack_pacing.CHANNEL_POSTS, channel),
    ):
        assert ours.per_minute < theirs.per_minute and ours.burst < theirs.burst
    published = published_method_tiers()
    for method, tier in slack_pacing.METHOD_TIERS.items():
        assert published[method] == tier, method
        ours, theirs = slack_pacing.TIERS[tier], PUBLISHED_TIER_RATES[tier]
        assert ours.per_minute < theirs.per_minute and ours.burst <= theirs.burst


# --- Teams ------------------------------------------------------------------------------


def teams_user_id(number: int) -> str:
    return f"29:pace-{number:04d}"


def within(pace: Pace, windows: tuple[Window, ...]) -> bool:
    return all(pace.within(window.calls, seconds=window.seconds) for window in windows)


def test_teams_paces_stay_inside_every_window_of_its_published_limits() -> None:
    assert within(teams_pacing.CONVERSATION_SENDS, PER_CONVERSATION["send"])
    assert within(teams_pacing.CONVERSATION_CREATES, PER_CONVERSATION["create"])
    assert within(teams_pacing.CONVERSATION_READS, PER_CONVERSATION["members"])
    assert within(teams_pacing.TENANT_CALLS, TeamsLimits().per_app)


def test_the_fake_connector_refuses_what_exceeds_a_conversations_limit() -> None:
    clock = [0.0]
    with FakeTeamsConnector(limits=TeamsLimits(), clock=lambda: clock[0]) as connector:
        conversation = f"{connector.url}v3/conversations/a:29:x/activities"
        statuses = [_post(conversation) for _ in range(8)]
        clock[0] = 1.0  # the 1 s window has room again, the 2 s one not yet
        statuses.append(_post(conversation))
        clock[0] = 2.0
        statuses.append(_post(conversation))

    assert statuses == [201] * 7 + [429, 201, 201]
    assert [call.limited for call in connector.calls] == [False] * 7 + [True, False, False]


def _post(url: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps({"type": "message", "text": "hallo"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@contextmanager
def teams_network(
    conversation: Conversation, uow_factory: UnitOfWorkFactory, tmp_path: Path, *, members: int
) -> Iterator[tuple[TeamsServer, FakeTeamsConnector]]:
    """`members` Teams members, a connector enforcing Teams' limits, and the server with
    its pacer, in a team of that connector."""
    network_file = tmp_path / "network.yaml"
    write_network(network_file, teams=True, members=members)
    load_network(uow_factory, load_network_file(network_file))
    with FakeTeamsConnector(limits=TeamsLimits()) as connector:
        for n in range(members):
            connector.add_user(teams_user_id(n), name=f"Lid {n}", email=member_email(n))
        server = TeamsServer(conversation, pacer=Pacer())
        try:
            assert server.post(team_install(connector.url)).status in (200, 201)
            yield server, connector
        finally:
            server.stop()


def open_round(core: Core, clock: FakeClock, title: str) -> None:
    core.rounds.create(
        RoundRequest(
            pillar_slug=PILLAR,
            meeting_title=title,
            meeting_at=clock.now() + timedelta(days=14),
            closes_at=clock.now() + timedelta(days=7),
        ),
        actor=OPERATOR,
    )


def test_a_fan_out_stays_within_teams_rate_limits(
    conversation: Conversation,
    core: Core,
    clock: FakeClock,
    uow_factory: UnitOfWorkFactory,
    tmp_path: Path,
) -> None:
    with teams_network(conversation, uow_factory, tmp_path, members=MEMBERS) as (server, teams):
        open_round(core, clock, "Pijleroverleg Financiën")
        outcomes = server.run_outbox()

    assert [call.path for call in teams.calls if call.limited] == []
    assert outcomes["sent"] == MEMBERS
    invited = {n: len(teams.activities(f"a:{teams_user_id(n)}")) for n in range(MEMBERS)}
    assert invited == dict.fromkeys(range(MEMBERS), 1)


def test_many_messages_to_one_member_keep_to_the_limit_of_their_chat(
    conversation: Conversation,
    core: Core,
    clock: FakeClock,
    uow_factory: UnitOfWorkFactory,
    tmp_path: Path,
) -> None:
    # Eight rounds open at once: eight invitations for the one member's personal chat,
    # where Teams takes 7 a second and 8 in two.
    rounds = 8
    with teams_network(conversation, uow_factory, tmp_path, members=1) as (server, teams):
        for number in range(rounds):
            open_round(core, clock, f"Pijleroverleg {number}")
        outcomes = server.run_outbox()

    assert [call.path for call in teams.calls if call.limited] == []
    assert outcomes["sent"] == rounds
    assert len(teams.activities(f"a:{teams_user_id(0)}")) == rounds
