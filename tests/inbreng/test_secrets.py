"""Secrets come from the environment and never reach a log line.

One server with Slack and Teams on, doing what it does on an ordinary day and on a bad one
(a forged Slack request, an invalid Teams token, a send that fails, a Teams reply for which
no token can be had), with every logger at DEBUG: none of the secrets, nor the tokens
presented to the bot, is in any record.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from adapters.slack.settings import SlackSettings
from adapters.teams.settings import TeamsSettings
from bot.conversation.conversation import Conversation
from bot.domain import Round
from testing.fakes.bot_framework_auth import FakeBotFrameworkAuth
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.fakes.teams_connector import FakeTeamsConnector
from testing.slack_harness import (
    BOT_TOKEN,
    FORM,
    MEMBER_ID,
    SIGNING_SECRET,
    command_body,
    post_signed,
)
from testing.teams_harness import TeamsServer, personal_message, team_install
from tests.support import teams_tenant_of

APP_ID = "0c7d4e2a-5b1f-4a3c-9d8e-7f6a5b4c3d2e"
APP_PASSWORD = "Qw8~secret.client.value-never-logged"
ZEIST = teams_tenant_of("a.jansen@zeist.example")


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def test_no_secret_and_no_token_is_ever_logged(
    conversation: Conversation, open_round: Round, everything_logged: pytest.LogCaptureFixture
) -> None:
    with (
        FakeSlackWebApi() as slack,
        FakeTeamsConnector() as connector,
        FakeBotFrameworkAuth() as auth,
    ):
        slack.add_user(MEMBER_ID, "a.jansen@zeist.example")
        connector.add_user("29:anna", name="Anna", email="a.jansen@zeist.example", tenant_id=ZEIST)
        connector.add_team("19:zeist@thread.tacv2", name="Zeist", members=["29:anna"])
        server = TeamsServer(
            conversation,
            slack=SlackSettings(
                bot_token=BOT_TOKEN, signing_secret=SIGNING_SECRET, api_url=slack.url,
                _env_file=None,
            ),
            teams=TeamsSettings(
                app_id=APP_ID, app_password=APP_PASSWORD, openid_metadata_url=auth.metadata_url,
                _env_file=None,
            ),
            emulator=False,
        )  # fmt: skip
        try:
            token = auth.token(app_id=APP_ID, service_url=connector.url)
            install = team_install(connector.url, team_id="19:zeist@thread.tacv2", tenant=ZEIST)
            assert server.post(install, token=token).status == 201
            hello = personal_message(connector.url, "29:anna", text="hulp", tenant=ZEIST)
            assert server.post(hello, token=token).status in (200, 201)
            assert server.post(hello, token="not.a.token").status == 401
            slack.fail_next("chat.postMessage", error="internal_error", status=500)
            # Invitations on both platforms: one Slack send fails; Teams can get no token
            # here (no Entra ID), which is a failed delivery, not a failed run.
            outcomes = server.run_outbox()
            assert outcomes["sent"] and outcomes["retry"] >= 2
            command = command_body(slack, MEMBER_ID, "hulp")
            assert post_signed(server.url, command, content_type=FORM).status == 200
            forged = post_signed(server.url, command, content_type=FORM, secret="wrong")
            assert forged.status == 401
        finally:
            server.stop()

    logged = "\n".join(_everything_in(r) for r in everything_logged.records)
    assert logged, "nothing was logged at all"
    for secret in (BOT_TOKEN, SIGNING_SECRET, APP_PASSWORD, token):
        assert secret not in logged


def _everything_in(record: logging.LogRecord) -> str:
    """The message, its arguments, and any traceback or extra fields of a record."""
    parts = [record.getMessage(), repr(record.args), repr(record.__dict__)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(parts)
