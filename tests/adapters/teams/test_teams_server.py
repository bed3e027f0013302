"""Teams through the real endpoint: POST /api/messages on `inbreng serve`'s server, with
the Bot Framework connector faked on a loopback port (the activities' serviceUrl points at
it), and Microsoft's published payloads."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from adapters.slack.settings import SlackSettings
from adapters.teams import references
from adapters.teams.settings import TeamsSettings
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Platform, Round
from bot.services.rounds import RoundRequest
from testing.fakes.bot_framework_auth import FakeBotFrameworkAuth, new_key
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.fakes.teams_connector import FakeTeamsConnector
from testing.slack_harness import BOT_TOKEN, SIGNING_SECRET
from testing.teams_harness import (
    TEAMS_FIXTURES,
    JsonObject,
    TeamsServer,
    fixture_activity,
    personal_install,
    personal_message,
    team_install,
)
from tests import teams_cards
from tests.db_snapshot import snapshot
from tests.support import OPERATOR, FakeClock, teams_tenant_of

# Teams users: id -> e-mail (the first three are members of the example network).
JANSEN, MULDER, HENDRIKS, STRANGER = "29:jansen", "29:mulder", "29:hendriks", "29:stranger"
PNG = b"\x89PNG\r\n\x1a\n"  # the signature every PNG file starts with
NETWORK_FILE_ID = "29:1kq8Xw3vYb7TzR2mLpN0aHs5dE9fGcUo"  # r.hoogendoorn in examples/pmg
TEAMS_USERS = {
    JANSEN: "a.jansen@zeist.example",
    MULDER: "e.mulder@veldhoven.example",
    HENDRIKS: "i.hendriks@oss.example",
    STRANGER: "someone@elsewhere.example",
}
# Each municipality has its own Microsoft 365 tenant, with a team the bot was added to; the
# stranger has an account in Zeist's tenant but is no member.
TENANT_OF = {
    JANSEN: teams_tenant_of(TEAMS_USERS[JANSEN]),
    MULDER: teams_tenant_of(TEAMS_USERS[MULDER]),
    HENDRIKS: teams_tenant_of(TEAMS_USERS[HENDRIKS]),
    STRANGER: teams_tenant_of(TEAMS_USERS[JANSEN]),
}
TEAM_OF_TENANT = {
    TENANT_OF[JANSEN]: "19:zeist@thread.tacv2",
    TENANT_OF[MULDER]: "19:veldhoven@thread.tacv2",
    TENANT_OF[HENDRIKS]: "19:oss@thread.tacv2",
}
TEAM_ID = TEAM_OF_TENANT[TENANT_OF[JANSEN]]


def message(connector: FakeTeamsConnector, user_id: str, **fields: Any) -> JsonObject:
    """A message from the user, in their own tenant."""
    return personal_message(connector.url, user_id, tenant=TENANT_OF[user_id], **fields)


def install_everywhere(server: TeamsServer, connector: FakeTeamsConnector) -> None:
    """The bot added to each municipality's team."""
    for tenant, team_id in TEAM_OF_TENANT.items():
        install = team_install(connector.url, team_id=team_id, name=team_id, tenant=tenant)
        assert server.post(install).status == 201


def add_people(connector: FakeTeamsConnector, users: dict[str, str]) -> None:
    for user_id, email in users.items():
        connector.add_user(user_id, name=email, email=email, tenant_id=TENANT_OF[user_id])
    for tenant, team_id in TEAM_OF_TENANT.items():
        members = [user_id for user_id in users if TENANT_OF[user_id] == tenant]
        connector.add_team(team_id, name=team_id, members=members)


@pytest.fixture
def connector() -> Iterator[FakeTeamsConnector]:
    with FakeTeamsConnector() as fake:
        add_people(fake, TEAMS_USERS)
        yield fake


@pytest.fixture
def teams(conversation: Conversation) -> Iterator[TeamsServer]:
    server = TeamsServer(conversation)
    yield server
    server.stop()


def teams_identity(core: Core, email: str) -> str | None:
    """The member's stored Teams address, or None without a Teams identity."""
    member = core.members.by_email(email)
    assert member is not None
    found = [i for i in core.deliveries.reach(member).identities if i.platform == Platform.TEAMS]
    return found[0].address if found else None


def replies(connector: FakeTeamsConnector, user_id: str) -> list[str]:
    """The text of every card the bot sent into the user's personal chat."""
    return [teams_cards.text(a) for a in connector.activities(f"a:{user_id}")]


def test_a_member_found_by_email_gets_help_and_the_chat_becomes_the_address(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core
) -> None:
    reply = teams.post(message(connector, JANSEN, text="hulp"))

    assert reply.status in (200, 201)
    (shown,) = replies(connector, JANSEN)
    assert "rondes" in shown
    address = teams_identity(core, "a.jansen@zeist.example")
    assert address is not None
    assert references.load(address).service_url == connector.url


def test_a_stranger_gets_a_polite_answer_and_nothing_is_stored(
    teams: TeamsServer, connector: FakeTeamsConnector, database_url: str
) -> None:
    before = snapshot(database_url)

    teams.post(personal_install(connector.url, STRANGER, tenant=TENANT_OF[STRANGER]))
    teams.post(message(connector, STRANGER, text="mijn"))

    shown = replies(connector, STRANGER)
    assert len(shown) == 2 and all("niets van u opgeslagen" in s for s in shown)
    assert all("stored nothing about you" in s for s in shown)
    after = snapshot(database_url)
    after.pop("processed_events"), before.pop("processed_events")
    assert after == before


def test_installing_in_a_personal_chat_welcomes_the_member(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, open_round: Round
) -> None:
    teams.post(personal_install(connector.url, MULDER, tenant=TENANT_OF[MULDER]))

    shown = "\n".join(replies(connector, MULDER))
    assert "Welcome to Inbreng" in shown and "Pijleroverleg Financiën" in shown
    assert teams_identity(core, "e.mulder@veldhoven.example") is not None


@pytest.mark.parametrize(
    "name", sorted(p.name for p in TEAMS_FIXTURES.glob("*.json") if "outbound" not in p.name)
)
def test_every_published_payload_gets_an_answer_teams_accepts(
    teams: TeamsServer, connector: FakeTeamsConnector, name: str
) -> None:
    activity = fixture_activity(name)
    activity["serviceUrl"] = connector.url

    reply = teams.post(activity)

    if activity["type"] == "invoke":
        assert reply.status == 200 and reply.json() == {}
    else:
        assert reply.status in (200, 201)
    sent = [c for c in connector.calls if c.method == "POST" and "activities" in c.path]
    for call in sent:  # whatever the bot said is a card with text in it
        assert teams_cards.text(call.body).strip()


def test_requests_that_are_not_activities_get_a_clear_answer(teams: TeamsServer) -> None:
    assert teams.post("{not json").status == 400
    assert teams.post(json.dumps([1, 2])).status == 400
    assert teams.post(json.dumps({"text": "no type"})).status == 400
    assert teams.post("hallo", content_type="text/plain").status == 415
    assert teams.post(b"{" + b" " * (2 * 1024 * 1024) + b"}").status == 413


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "203.0.113.7"},
        {"Forwarded": "for=203.0.113.7"},
        {"X-Real-IP": "203.0.113.7"},
        {"Via": "1.1 proxy.example"},
    ],
)
def test_the_emulator_endpoint_refuses_what_a_proxy_forwards(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, header: dict[str, str]
) -> None:
    forwarded = teams.post(message(connector, JANSEN, text="hulp"), headers=header)

    assert forwarded.status == 403
    assert connector.calls == []
    assert teams_identity(core, "a.jansen@zeist.example") is None


def test_the_bot_added_to_a_team_remembers_it(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core
) -> None:
    teams.post(team_install(connector.url, team_id=TEAM_ID, tenant=TENANT_OF[JANSEN]))

    (team,) = core.installations.of(Platform.TEAMS)
    assert (team.conversation_id, team.name, team.tenant) == (TEAM_ID, "PMG", TENANT_OF[JANSEN])
    assert references.load(team.address).service_url == connector.url

    removed = team_install(connector.url, team_id=TEAM_ID, tenant=TENANT_OF[JANSEN])
    removed.update(membersAdded=None, membersRemoved=[{"id": removed["recipient"]["id"]}])
    teams.post(removed)
    assert core.installations.of(Platform.TEAMS) == []


# -- one round across Slack and Teams ------------------------------------------------------

SLACK_USERS = {"ULEAD0001": "i.hendriks@oss.example", "UVGINKEL1": "d.vanginkel@veenendaal.example"}
TEAMS_MEMBERS = {JANSEN: "a.jansen@zeist.example", MULDER: "e.mulder@veldhoven.example"}
FINANCE_CHANNELS = {
    "slack": "C05PMGFIN01",
    "teams": "19:4f1c9a7e5b2d4c6e8a0b1d3f5e7a9c1b@thread.tacv2",
}


def test_one_round_reaches_each_member_on_their_own_platform_and_posts_to_both_channels(
    conversation: Conversation, core: Core, clock: FakeClock
) -> None:
    slack = FakeSlackWebApi(strict_users=True)
    connector = FakeTeamsConnector()
    with slack, connector:
        for user_id, email in SLACK_USERS.items():
            slack.add_user(user_id, email)
        slack.add_channel(FINANCE_CHANNELS["slack"])
        add_people(connector, TEAMS_MEMBERS)
        slack_settings = SlackSettings(
            bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack.url, _env_file=None
        )
        server = TeamsServer(conversation, slack=slack_settings)
        try:
            install_everywhere(server, connector)
            round_ = core.rounds.create(
                RoundRequest(
                    pillar_slug="financien",
                    meeting_title="Pijleroverleg Financiën",
                    meeting_at=clock.now() + timedelta(days=14),
                    closes_at=clock.now() + timedelta(days=7),
                    reminders=(timedelta(days=2),),
                    post_summary_directly=True,
                ),
                actor=OPERATOR,
            )

            server.run_outbox()

            # Invitations: each member once, on their own platform only.
            for user_id in TEAMS_MEMBERS:
                (invitation,) = connector.activities(f"a:{user_id}")
                assert "Pijleroverleg Financiën" in teams_cards.text(invitation)
            for user_id in SLACK_USERS:
                assert len(slack.messages(slack.dm_channel(user_id))) == 1
            assert {c.split(":")[0] for c in connector.conversations()} == {"a"}
            address = teams_identity(core, "a.jansen@zeist.example")
            assert address is not None and references.load(address).conversation.id == f"a:{JANSEN}"

            # Jansen answers in Teams, from the invitation card.
            invitation = connector.activities(f"a:{JANSEN}")[0]
            answer = next(
                t for t, d in teams_cards.actions(invitation).items() if d.get("action") == "answer"
            )
            server.post(
                message(
                    connector,
                    JANSEN,
                    value=teams_cards.press(invitation, answer),
                    replyToId=invitation["id"],
                )
            )
            form = connector.activities(f"a:{JANSEN}")[-1]
            topic = teams_cards.inputs(form)["topic"]["choices"][0]["value"]
            submit = next(
                t for t, d in teams_cards.actions(form).items() if d.get("inbreng") == "form"
            )
            value = teams_cards.press(
                form, submit, topic=topic, text="Het ravijnjaar 2026 raakt ons hard."
            )
            server.post(message(connector, JANSEN, value=value, replyToId=form["id"]))
            member = core.members.by_email("a.jansen@zeist.example")
            assert member is not None and len(core.responses.of_member(member)) == 1

            # Monday: the reminder (due on Sunday) goes to who has not answered, on their platform.
            clock.advance(days=6)
            server.run_outbox()
            assert len(connector.activities(f"a:{MULDER}")) == 2
            assert len(connector.activities(f"a:{JANSEN}")) == 2  # invitation and the form
            assert len(slack.messages(slack.dm_channel("UVGINKEL1"))) == 2

            # Closed: the summary goes straight to the pillar's channel on both platforms.
            clock.advance(days=2)
            server.run_outbox()
            assert core.rounds.get(round_.id).status.value == "summarised"
            (teams_post,) = connector.activities(FINANCE_CHANNELS["teams"])
            assert "Het ravijnjaar 2026 raakt ons hard." in teams_cards.text(teams_post)
            slack_posts = slack.messages(FINANCE_CHANNELS["slack"])
            assert slack_posts and "ravijnjaar" in json.dumps([m.blocks for m in slack_posts])
            # With the charts: inline images in Teams, files shared in the Slack channel.
            images = [
                element["url"]
                for attachment in teams_post["attachments"]
                for element in attachment["content"]["body"]
                if element["type"] == "Image"
            ]
            charts = core.exports.charts(round_.id, language="nl")
            assert len(images) == len(charts) >= 2  # a chart may take several images
            prefix = "data:image/png;base64,"
            assert all(base64.b64decode(u.removeprefix(prefix))[:8] == PNG for u in images)
            shared = slack.calls_to("files.completeUploadExternal")
            assert [c.params["channel_id"] for c in shared] == [FINANCE_CHANNELS["slack"]] * len(
                charts
            )
            assert [content[:8] for content in slack.uploads.values()] == [PNG] * len(charts)
        finally:
            server.stop()


# -- the connector refusing ------------------------------------------------------------------


def invitations(connector: FakeTeamsConnector) -> dict[str, int]:
    """Invitation cards per personal chat."""
    return {
        c: sum("Pijleroverleg Financiën" in teams_cards.text(a) for a in connector.activities(c))
        for c in connector.conversations()
    }


def test_a_member_the_bot_never_met_is_found_in_a_team_and_a_chat_is_created(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, open_round: Round
) -> None:
    install_everywhere(teams, connector)

    teams.run_outbox()

    # The three in their municipality's team, and one whose Teams id is in the network file.
    expected = (JANSEN, MULDER, HENDRIKS, NETWORK_FILE_ID)
    assert invitations(connector) == {f"a:{u}": 1 for u in expected}
    created = {c.body["members"][0]["id"]: c.body for c in connector.calls_of("create")}
    assert created[JANSEN]["members"] == [{"id": JANSEN}]
    assert created[JANSEN]["channelData"] == {"tenant": {"id": TENANT_OF[JANSEN]}}
    assert created[MULDER]["channelData"] == {"tenant": {"id": TENANT_OF[MULDER]}}
    assert created[JANSEN]["isGroup"] is False
    address = teams_identity(core, "e.mulder@veldhoven.example")
    assert address is not None and references.load(address).conversation.id == f"a:{MULDER}"


def test_without_a_team_or_an_address_a_member_is_unreachable_not_lost(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, open_round: Round
) -> None:
    outcomes = teams.run_outbox()

    assert connector.calls_of("send") == [] and outcomes["dead"] > 0
    jansen = core.members.by_email("a.jansen@zeist.example")
    assert jansen is not None
    (mine,) = [d for d in core.deliveries.for_round(open_round.id) if d.member_id == jansen.id]
    assert mine.last_error == "member not found on any connected platform"


def test_rate_limits_wait_server_errors_are_retried_and_a_blocked_bot_gives_up(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, clock: FakeClock,
    open_round: Round,
) -> None:  # fmt: skip
    install_everywhere(teams, connector)
    connector.fail_next("send", status=429, retry_after=30)
    connector.fail_next("send", status=502, after=True)
    connector.fail_next("send", status=403)

    first = teams.run_outbox()

    assert (first["throttled"], first["retry"], first["dead"] >= 1) == (1, 1, True)
    assert sum(invitations(connector).values()) == 2  # the 502 one arrived all the same
    failed = [d for d in core.deliveries.for_round(open_round.id) if d.last_error]
    assert {"teams: HTTP 429", "teams: HTTP 502", "teams: HTTP 403"} <= {
        d.last_error for d in failed
    }
    blocked = next(d for d in failed if d.last_error == "teams: HTTP 403")
    assert blocked.status.value == "dead"

    clock.advance(seconds=31)
    teams.run_outbox()

    # Teams cannot say whether the 502 one arrived, so it is sent again: once too often,
    # never lost. The throttled one waited for Retry-After and then went.
    assert sorted(invitations(connector).values()) == [1, 1, 2]


# -- authentication ----------------------------------------------------------------------------

APP_ID = "7b4a1c2e-0f3d-4e5a-9b8c-1d2e3f4a5b6c"


def test_with_an_app_id_only_requests_with_a_valid_token_are_processed(
    conversation: Conversation, core: Core, connector: FakeTeamsConnector, database_url: str
) -> None:
    with FakeBotFrameworkAuth() as auth:
        settings = TeamsSettings(
            app_id=APP_ID,
            app_password="not-used-here",
            openid_metadata_url=auth.metadata_url,
            _env_file=None,
        )
        server = TeamsServer(conversation, teams=settings)
        try:
            url = connector.url
            refused = {
                "no token": None,
                "not a token": "zzz.not-a.jwt",
                "another key": auth.token(app_id=APP_ID, service_url=url, key=new_key()),
                "expired": auth.token(app_id=APP_ID, service_url=url, expires_in=-600),
                "another bot": auth.token(app_id="someone-else", service_url=url),
                "another service": auth.token(app_id=APP_ID, service_url="https://evil.example/"),
                "another issuer": auth.token(
                    app_id=APP_ID, service_url=url, issuer="https://evil.example"
                ),
            }
            before = snapshot(database_url)
            for reason, token in refused.items():
                reply = server.post(team_install(url, team_id=TEAM_ID), token=token)
                assert reply.status == 401, reason
            assert snapshot(database_url) == before and connector.calls == []

            # A forwarded request is fine here: the token, not the address, is the proof.
            valid = auth.token(app_id=APP_ID, service_url=url)
            reply = server.post(
                team_install(url, team_id=TEAM_ID),
                token=valid,
                headers={"X-Forwarded-For": "52.112.0.1"},
            )
            assert reply.status == 201
            assert [t.conversation_id for t in core.installations.of(Platform.TEAMS)] == [TEAM_ID]
        finally:
            server.stop()
