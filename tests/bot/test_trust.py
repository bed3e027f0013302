"""A member is who the network says: attacks on identity, through the real HTTP routes.

Each test is an attempt to be someone else, or to make the bot work for a stranger: signed
Slack requests from workspaces the network does not trust, Teams activities from tenants that
are not the member's own, identities whose tenant the network stopped trusting, the outbox
finding an address in the wrong place, and the Teams endpoint on a server that others can
reach. Every one must be refused, store nothing of the attacker's, and (where it claims to
be someone) leave a trace in the audit log without what was sent.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import yaml

from adapters.slack import payloads
from adapters.teams.settings import TeamsSettings
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import AuditEntry, Identity, Round
from bot.network_file import parse_network
from bot.ports import UnitOfWorkFactory
from bot.services.network import load_network
from testing.fakes.bot_framework_auth import FakeBotFrameworkAuth
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.fakes.teams_connector import FakeTeamsConnector
from testing.published import FIXTURES
from testing.slack_harness import (
    FORM,
    MEMBER_ID,
    SlackServer,
    all_text,
    command_fields,
    fixture,
    view_submission,
)
from testing.teams_harness import TeamsServer, personal_message, team_install
from tests.db_snapshot import snapshot
from tests.inbreng.test_cli import inbreng, succeeded
from tests.support import (
    EXAMPLES,
    MEMBER,
    OTHER_TEAM,
    OTHER_TENANT,
    TRUSTED_TEAM,
    answer,
    teams_tenant_of,
)

ANNA = MEMBER  # a.jansen@zeist.example, member of Zeist
SECRET_TEXT = "Dit mag niemand anders lezen: geheime inbreng"
UNTRUSTED_NL = "die het netwerk hiervoor niet vertrouwt"
UNTRUSTED_EN = "does not trust for this"
ATTACKER = "UATTACK01"  # a Slack user whose profile shows Anna's e-mail address

Edit = Callable[[dict[str, Any]], None]


def audit(uow_factory: UnitOfWorkFactory, action: str) -> list[AuditEntry]:
    with uow_factory() as uow:
        return [e for e in uow.audit.list() if e.action == action]


def identities_of(uow_factory: UnitOfWorkFactory, email: str) -> list[Identity]:
    with uow_factory() as uow:
        member = uow.members.by_email(email)
        assert member is not None
        return uow.identities.for_member(member.id)


def reload_network(uow_factory: UnitOfWorkFactory, edit: Edit) -> None:
    """The example network file, changed by `edit`, loaded again."""
    data = yaml.safe_load((EXAMPLES / "network.yaml").read_text(encoding="utf-8"))
    edit(data)
    load_network(uow_factory, parse_network(yaml.safe_dump(data, allow_unicode=True)))


def organisation_entry(data: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(o for o in data["organisations"] if o["slug"] == slug)


def assert_no_trace_of(text: str, database_url: str) -> None:
    """What a refused person sent is nowhere in the database, the audit log included."""
    assert text not in json.dumps(snapshot(database_url), default=str, ensure_ascii=False)


# -- Slack -------------------------------------------------------------------------------------


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def command_from(slack: SlackServer, *, team_id: str, user_id: str, text: str) -> None:
    """`/inbreng text` from a user of this team, outside any Enterprise Grid."""
    fields = command_fields(slack.slack, user_id, text)
    fields.update(team_id=team_id, enterprise_id="")
    assert slack.post_signed(urlencode(fields), content_type=FORM).status == 200


def ephemeral_replies(slack: SlackServer, count: int = 1) -> str:
    return "\n".join(all_text(c) for c in slack.slack.wait_for("response_url", count))


def test_a_slack_user_of_another_workspace_with_a_members_email_is_a_stranger(
    slack: SlackServer,
    core: Core,
    open_round: Round,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
) -> None:
    """The attack as found: a signed request from team T0OTHER (a Slack Connect guest, say)
    whose profile e-mail is Anna's was linked to Anna and saw and edited her answers."""
    slack.slack.add_user(ATTACKER, ANNA, team_id=OTHER_TEAM)
    answer(core, open_round, ANNA, "onderwijshuisvesting", SECRET_TEXT)  # what they are after

    command_from(slack, team_id=OTHER_TEAM, user_id=ATTACKER, text="mijn")

    shown = ephemeral_replies(slack)
    assert UNTRUSTED_NL in shown and UNTRUSTED_EN in shown
    assert SECRET_TEXT not in shown
    # Not linked: nothing of Anna's is the attacker's, now or later.
    assert [i.user_id for i in identities_of(uow_factory, ANNA)] == []
    (refused,) = audit(uow_factory, "identity.refused")
    assert refused.details == {
        "platform": "slack",
        "tenant": OTHER_TEAM,
        "enterprise": "",
        "user_id": ATTACKER,
        "reason": "workspace_not_trusted",
    }
    assert refused.subject_id is None and refused.actor_member_id is None


def test_a_guest_in_the_networks_workspace_whose_own_team_is_another_is_a_stranger(
    slack: SlackServer, uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    """Slack Connect: the request comes from the network's workspace (T0001), but the user's
    profile belongs to another organisation's workspace, which vouches for the e-mail."""
    slack.slack.add_user(ATTACKER, ANNA, team_id=OTHER_TEAM)

    command_from(slack, team_id=TRUSTED_TEAM, user_id=ATTACKER, text="mijn")

    assert UNTRUSTED_NL in ephemeral_replies(slack)
    assert identities_of(uow_factory, ANNA) == []
    # The user's own team is the one that vouches for the profile, and it is not trusted.
    (refused,) = audit(uow_factory, "identity.refused")
    assert (refused.details["tenant"], refused.details["reason"]) == (
        OTHER_TEAM,
        "workspace_not_trusted",
    )


def test_an_answer_form_submitted_from_another_workspace_stores_nothing(
    slack: SlackServer, open_round: Round, uow_factory: UnitOfWorkFactory, database_url: str
) -> None:
    slack.slack.add_user(ATTACKER, ANNA, team_id=OTHER_TEAM)
    # The answer form as the bot opens it for members (taken from Anna's own request).
    command_from(slack, team_id=TRUSTED_TEAM, user_id=MEMBER_ID, text=f"inbreng {open_round.id}")
    view = slack.slack.wait_for("views.open")[-1].params["view"]
    body = view_submission(
        ATTACKER,
        view,
        {"topic": "onderwijshuisvesting", "text": SECRET_TEXT, "attribution": "name"},
    )
    body["team"] = {"id": OTHER_TEAM, "domain": "other"}
    body["user"]["team_id"] = OTHER_TEAM

    reply = slack.post_signed(urlencode({"payload": json.dumps(body)}), content_type=FORM)

    assert reply.status == 200
    with uow_factory() as uow:
        assert uow.responses.for_round(open_round.id) == []
    assert_no_trace_of(SECRET_TEXT, database_url)
    assert [e.details["tenant"] for e in audit(uow_factory, "identity.refused")] == [OTHER_TEAM]


def test_a_linked_slack_identity_stops_working_when_its_workspace_is_no_longer_trusted(
    slack: SlackServer, uow_factory: UnitOfWorkFactory
) -> None:
    command_from(slack, team_id=TRUSTED_TEAM, user_id=MEMBER_ID, text="hulp")
    assert "Anna Jansen" in ephemeral_replies(slack)
    assert [i.tenant for i in identities_of(uow_factory, ANNA)] == [TRUSTED_TEAM]

    def distrust_the_workspace(data: dict[str, Any]) -> None:
        data["network"]["slack_workspaces"] = ["T0NEW"]

    reload_network(uow_factory, distrust_the_workspace)
    command_from(slack, team_id=TRUSTED_TEAM, user_id=MEMBER_ID, text="help")

    second = all_text(slack.slack.wait_for("response_url", 2)[-1])
    assert UNTRUSTED_NL in second and "Anna Jansen" not in second
    (refused,) = audit(uow_factory, "identity.refused")
    assert refused.details["reason"] == "identity_not_trusted"


def test_an_enterprise_grid_id_trusts_every_workspace_of_that_grid(
    slack: SlackServer, uow_factory: UnitOfWorkFactory
) -> None:
    """Slack's documented slash command comes from team T0001 of grid E0001."""

    def trust_the_grid_only(data: dict[str, Any]) -> None:
        data["network"]["slack_workspaces"] = ["E0001"]

    reload_network(uow_factory, trust_the_grid_only)
    raw = FIXTURES / "slack/commands/slash_command_slack_docs_example.txt"
    fields = dict(item.split("=", 1) for item in raw.read_text().strip().split("&"))
    assert fields["enterprise_id"] == "E0001"
    mine = command_fields(slack.slack, MEMBER_ID, "hulp")
    body = urlencode({**mine, "team_id": "T0GRIDWS1", "enterprise_id": "E0001"})
    slack.slack.add_user(MEMBER_ID, ANNA, team_id="T0GRIDWS1")

    assert slack.post_signed(body, content_type=FORM).status == 200

    assert "Anna Jansen" in ephemeral_replies(slack)
    (linked,) = identities_of(uow_factory, ANNA)
    assert (linked.tenant, linked.enterprise) == ("T0GRIDWS1", "E0001")


def test_the_outbox_does_not_invite_an_address_found_in_another_workspace(
    conversation: Conversation, core: Core, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    """users.lookupByEmail can answer with a user outside the network's workspace; the
    invitation (and with it the round) must not go to them."""
    with FakeSlackWebApi(strict_users=True) as api:
        api.add_user(ATTACKER, ANNA, team_id=OTHER_TEAM)
        server = SlackServer(conversation, api)
        try:
            server.run_outbox()
        finally:
            server.stop()
        assert api.messages(api.dm_channel(ATTACKER)) == []
        assert identities_of(uow_factory, ANNA) == []
        anna = core.members.by_email(ANNA)
        assert anna is not None
        (invitation,) = [
            d for d in core.deliveries.for_round(open_round.id) if d.member_id == anna.id
        ]
        assert invitation.last_error == "member not found on any connected platform"


# -- Teams -------------------------------------------------------------------------------------

ZEIST = teams_tenant_of(ANNA)
VELDHOVEN = teams_tenant_of("e.mulder@veldhoven.example")
ATTACKER_29 = "29:attacker"


@pytest.fixture
def connector() -> Iterator[FakeTeamsConnector]:
    with FakeTeamsConnector() as fake:
        yield fake


@pytest.fixture
def teams(conversation: Conversation) -> Iterator[TeamsServer]:
    server = TeamsServer(conversation)
    yield server
    server.stop()


def teams_replies(connector: FakeTeamsConnector, user_id: str) -> str:
    return json.dumps(connector.activities(f"a:{user_id}"), ensure_ascii=False)


@pytest.mark.parametrize(
    ("tenant", "reason"),
    [(OTHER_TENANT, "workspace_not_trusted"), (VELDHOVEN, "email_not_trusted")],
    ids=["unknown-tenant", "another-municipalitys-tenant"],
)
def test_a_teams_user_with_a_members_email_in_a_tenant_not_hers_is_a_stranger(
    teams: TeamsServer,
    connector: FakeTeamsConnector,
    core: Core,
    open_round: Round,
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    tenant: str,
    reason: str,
) -> None:
    answer(core, open_round, ANNA, "onderwijshuisvesting", SECRET_TEXT)
    connector.add_user(ATTACKER_29, name="Anna", email=ANNA, tenant_id=tenant)

    reply = teams.post(personal_message(connector.url, ATTACKER_29, text="mijn", tenant=tenant))

    assert reply.status in (200, 201)
    shown = teams_replies(connector, ATTACKER_29)
    assert UNTRUSTED_NL in shown and SECRET_TEXT not in shown
    assert identities_of(uow_factory, ANNA) == []
    (refused,) = audit(uow_factory, "identity.refused")
    assert (refused.details["tenant"], refused.details["reason"]) == (tenant, reason)
    assert "mijn" not in json.dumps(refused.details)


def test_a_linked_teams_identity_stops_working_when_the_municipality_changes_tenant(
    teams: TeamsServer, connector: FakeTeamsConnector, uow_factory: UnitOfWorkFactory
) -> None:
    connector.add_user("29:anna", name="Anna", email=ANNA, tenant_id=ZEIST)
    teams.post(personal_message(connector.url, "29:anna", text="hulp", tenant=ZEIST))
    assert "Anna Jansen" in teams_replies(connector, "29:anna")
    assert [i.tenant for i in identities_of(uow_factory, ANNA)] == [ZEIST]

    def zeist_moves(data: dict[str, Any]) -> None:
        organisation_entry(data, "zeist")["teams_tenant"] = "aaaaaaaa-0000-4000-8000-000000000001"

    reload_network(uow_factory, zeist_moves)
    teams.post(personal_message(connector.url, "29:anna", text="hulp", tenant=ZEIST))

    last = connector.activities("a:29:anna")[-1]
    assert UNTRUSTED_NL in json.dumps(last, ensure_ascii=False)
    assert [e.details["reason"] for e in audit(uow_factory, "identity.refused")] == [
        "identity_not_trusted"
    ]


def test_the_outbox_does_not_look_for_a_member_in_a_team_of_a_tenant_not_hers(
    teams: TeamsServer,
    connector: FakeTeamsConnector,
    core: Core,
    open_round: Round,
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The bot is in a team of another tenant, whose roster has an account with Anna's
    address (a guest, or someone who took it): no personal chat is made with it."""
    connector.add_user(ATTACKER_29, name="Anna", email=ANNA, tenant_id=OTHER_TENANT)
    connector.add_team("19:elsewhere@thread.tacv2", name="Elders", members=[ATTACKER_29])
    assert (
        teams.post(
            team_install(connector.url, team_id="19:elsewhere@thread.tacv2", tenant=OTHER_TENANT)
        ).status
        == 201
    )

    teams.run_outbox()

    assert connector.activities(f"a:{ATTACKER_29}") == []
    assert all(c.body["members"] != [{"id": ATTACKER_29}] for c in connector.calls_of("create"))
    assert identities_of(uow_factory, ANNA) == []


# -- the Teams endpoint ------------------------------------------------------------------------

APP_ID = "7b4a1c2e-0f3d-4e5a-9b8c-1d2e3f4a5b6c"


def test_without_an_app_id_there_is_no_teams_endpoint(
    conversation: Conversation, connector: FakeTeamsConnector, caplog: pytest.LogCaptureFixture
) -> None:
    """Before, a request without X-Forwarded-For or Forwarded was served (X-Real-IP passed,
    and so did a proxy adding neither), acting as any Teams user, calling any serviceUrl."""
    caplog.set_level(logging.INFO)
    server = TeamsServer(conversation, emulator=False)
    try:
        activity = personal_message(connector.url, ATTACKER_29, text="hulp", tenant=ZEIST)
        for headers in ({}, {"X-Real-IP": "203.0.113.7"}):
            assert server.post(activity, headers=headers).status == 404
    finally:
        server.stop()
    assert connector.calls == []
    assert "Teams is off: POST /api/messages answers 404" in caplog.text


def test_a_slack_only_installation_never_serves_teams(
    conversation: Conversation, slack_api: FakeSlackWebApi, connector: FakeTeamsConnector
) -> None:
    server = SlackServer(conversation, slack_api)  # as `inbreng serve` with Slack settings only
    try:
        activity = personal_message(connector.url, ATTACKER_29, text="hulp", tenant=ZEIST)
        request = urllib.request.Request(
            server.url + "/api/messages",
            data=json.dumps(activity).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 404
    finally:
        server.stop()
    assert connector.calls == []


def test_the_emulator_setting_does_nothing_on_an_address_others_can_reach(
    conversation: Conversation, connector: FakeTeamsConnector, caplog: pytest.LogCaptureFixture
) -> None:
    server = TeamsServer(conversation, emulator=True, host="0.0.0.0")
    try:
        activity = personal_message(connector.url, ATTACKER_29, text="hulp", tenant=ZEIST)
        assert server.post(activity).status == 404
    finally:
        server.stop()
    assert connector.calls == []
    assert "allowed only while INBRENG_HOST is a loopback address (it is 0.0.0.0)" in caplog.text


@pytest.fixture
def authenticated_teams(conversation: Conversation) -> Iterator[tuple[TeamsServer, Any]]:
    with FakeBotFrameworkAuth() as auth:
        settings = TeamsSettings(
            app_id=APP_ID,
            app_password="not-used-here",
            openid_metadata_url=auth.metadata_url,
            _env_file=None,
        )
        server = TeamsServer(conversation, teams=settings, emulator=False)
        try:
            yield server, auth
        finally:
            server.stop()


def test_a_valid_token_does_not_send_the_bot_to_another_service_url(
    authenticated_teams: tuple[TeamsServer, Any],
    connector: FakeTeamsConnector,
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A token the channel issued for its own service URL, replayed with an activity that
    names another service (or none): the bot would call it with its own credentials."""
    server, auth = authenticated_teams
    with FakeTeamsConnector() as evil:
        token = auth.token(app_id=APP_ID, service_url=connector.url)
        elsewhere = personal_message(evil.url, "29:anna", text="hulp", tenant=ZEIST)
        nowhere = personal_message(connector.url, "29:anna", text="hulp", tenant=ZEIST)
        del nowhere["serviceUrl"]
        unvouched = auth.token(app_id=APP_ID, service_url=None)

        assert server.post(elsewhere, token=token).status == 401
        assert server.post(nowhere, token=token).status == 401
        assert server.post(nowhere, token=unvouched).status == 401
        assert evil.calls == []
    assert connector.calls == []
    assert identities_of(uow_factory, ANNA) == []


def test_network_file_ids_from_slack_still_need_the_trusted_workspace(
    slack: SlackServer, uow_factory: UnitOfWorkFactory
) -> None:
    """r.hoogendoorn has a Slack user id in the network file (valid in any tenant of the
    file's word): from another workspace, the same id is a stranger."""
    slack.slack.add_user("U05R7HGD2KQ", "r.hoogendoorn@de-ronde-venen.example", team_id=OTHER_TEAM)

    command_from(slack, team_id=OTHER_TEAM, user_id="U05R7HGD2KQ", text="hulp")

    shown = ephemeral_replies(slack)
    assert UNTRUSTED_NL in shown and "Ruud" not in shown
    (refused,) = audit(uow_factory, "identity.refused")
    assert refused.details["reason"] == "identity_not_trusted"


def test_the_published_slack_command_payload_names_its_grid() -> None:
    """The enterprise id the trust check reads is where Slack's documentation puts it."""
    body = dict(
        item.split("=", 1)
        for item in (
            FIXTURES / "slack/commands/slash_command_slack_docs_example.txt"
        )
        .read_text()
        .strip()
        .split("&")
    )
    sender = payloads.sender(body)
    assert sender is not None and (sender.team_id, sender.enterprise_id) == ("T0001", "E0001")
    event = fixture("events/message_im_event_callback.json")
    event["event"]["user_team"] = "T0HOME"
    sender = payloads.sender(event)
    assert sender is not None and sender.team_id == "T0HOME"


def test_network_load_explains_who_cannot_be_recognised(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    network = yaml.safe_load((EXAMPLES / "network.yaml").read_text(encoding="utf-8"))
    network["network"]["slack_workspaces"] = []
    del organisation_entry(network, "lochem")["teams_tenant"]
    (tmp_path / "network.yaml").write_text(yaml.safe_dump(network, allow_unicode=True))

    loaded = succeeded(
        inbreng("network", "load", "network.yaml", cwd=tmp_path, url=sqlite_database_url)
    )

    assert "! Vertrouwen: het netwerkbestand noemt geen vertrouwde Slack-werkruimte" in loaded
    assert (
        "! Vertrouwen: Lochem heeft geen Microsoft 365-tenant (teams_tenant) en het netwerk geen "
        "standaard (network.teams_tenants), dus haar leden worden via Teams niet herkend."
    ) in loaded
    # The example network as it is trusts its workspace and every municipality's tenant.
    again = succeeded(
        inbreng(
            "network", "load", str(EXAMPLES / "network.yaml"), cwd=tmp_path, url=sqlite_database_url
        )
    )
    assert "Vertrouwen" not in again
