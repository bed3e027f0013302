"""Slack through the real HTTP route: signed requests in, Web API calls to a fake out."""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.actions import action_id
from adapters.slack.settings import SlackSettings
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import DeliveryKind, DeliveryStatus, Round
from testing.fakes.slack_web_api import Call, FakeSlackWebApi
from testing.slack_harness import (
    BOT_TOKEN,
    ENGLISH_ID,
    FORM,
    JSON,
    LEAD_ID,
    MEMBER_ID,
    SECRETARIAT_ID,
    SIGNING_SECRET,
    SLACK_USERS,
    STRANGER_ID,
    TEAM,
    SlackServer,
    all_text,
    command_body,
    fixture,
    shown_strings,
    wait_until,
)
from tests.db_snapshot import snapshot
from tests.inbreng.test_cli import INBRENG
from tests.support import OPERATOR

T = TypeVar("T")
WORD_JOINER = "\u2060"  # invisible; keeps a typed @channel from notifying everyone


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def test_help_command_answers_privately(slack: SlackServer) -> None:
    reply = slack.command(MEMBER_ID, "hulp")
    assert reply.status == 200
    [call] = slack.slack.wait_for("response_url")
    assert call.params["response_type"] == "ephemeral"
    assert "Anna Jansen" in str(call.params["blocks"])


# -- helpers ----------------------------------------------------------------------------


def opened_modal(slack: SlackServer, count: int = 1) -> dict[str, Any]:
    return cast(dict[str, Any], slack.slack.wait_for("views.open", count)[-1].params["view"])


def dm_posts(slack: SlackServer, user_id: str) -> list[Call]:
    """Posts to the user's DM: by its channel id, or by the user id, which opens it."""
    return [
        c
        for c in slack.slack.calls_to("chat.postMessage")
        if c.params.get("channel") in (user_id, f"D{user_id}")
    ]


def button_ids(call: Call) -> dict[str, str]:
    """Button label -> action id, for every button in a posted message."""
    return {
        element["text"]["text"]: element["action_id"]
        for block in call.params.get("blocks") or []
        if block["type"] == "actions"
        for element in block["elements"]
    }


def answer_values(text: str = "Scholen zijn te duur om te verduurzamen.") -> dict[str, Any]:
    return {
        "topic": "onderwijshuisvesting",
        "text": text,
        "network_help": "",
        "attribution": "organisation",
    }


# -- the server --------------------------------------------------------------------------


def test_healthz_and_slack_off_without_settings(
    conversation: Conversation, slack_api: FakeSlackWebApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = SlackServer(conversation, slack_api, settings=SlackSettings(_env_file=None))
    try:
        assert server.get("/healthz").json() == {"status": "ok"}
        assert server.command(MEMBER_ID, "hulp").status == 404
    finally:
        server.stop()
    assert "Slack is off" in caplog.text
    assert slack_api.calls == []


def test_url_verification_answers_the_challenge(slack: SlackServer) -> None:
    body = fixture("events/url_verification.json")
    reply = slack.post_signed(json.dumps(body), content_type=JSON)
    assert reply.status == 200
    assert body["challenge"] in reply.body


# -- security ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "not-the-signing-secret"},
        {"age": 10 * 60},  # older than Slack's 5 minutes
        {"age": -10 * 60},
    ],
    ids=["forged", "stale", "future"],
)
def test_unsigned_forged_or_stale_requests_are_refused(
    slack: SlackServer, database_url: str, signing: dict[str, Any]
) -> None:
    before = snapshot(database_url)
    # The moment is taken when the test runs, not when tests are collected minutes earlier.
    if "age" in signing:
        signing = {"timestamp": int(time.time()) - signing["age"]}
    assert slack.command(MEMBER_ID, "niets 1", **signing).status == 401
    body = command_body(slack.slack, MEMBER_ID, "niets 1")
    assert slack.post(body, content_type=FORM, headers={}).status == 401
    assert snapshot(database_url) == before
    assert slack.slack.calls == []


def test_a_replayed_request_is_processed_once(slack: SlackServer, open_round: Round) -> None:
    body = command_body(slack.slack, MEMBER_ID, f"niets {open_round.id}")
    sent_at = int(time.time())  # one moment: the same signature, as a replay has
    first = slack.post_signed(body, content_type=FORM, timestamp=sent_at)
    again = slack.post_signed(body, content_type=FORM, timestamp=sent_at)
    assert (first.status, again.status) == (200, 200)
    slack.slack.wait_for("response_url")
    time.sleep(0.3)  # room for a second reply, which must not come
    assert len(slack.slack.calls_to("response_url")) == 1


def test_an_events_api_retry_is_processed_once_even_after_a_restart(
    conversation: Conversation, slack_api: FakeSlackWebApi
) -> None:
    message = {
        **fixture("events/message_im_inner_event.json"),
        "user": MEMBER_ID,
        "channel": f"D{MEMBER_ID}",
        "channel_type": "im",
        "text": "hulp",
    }
    first = SlackServer(conversation, slack_api)
    try:
        assert first.event(message, event_id="Ev0001").status == 200
        wait_until(lambda: dm_posts(first, MEMBER_ID))
        retry = first.event(
            message,
            event_id="Ev0001",
            headers={"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
        )
        assert retry.status == 200
    finally:
        first.stop()
    restarted = SlackServer(conversation, slack_api)
    try:
        late = restarted.event(message, event_id="Ev0001", headers={"X-Slack-Retry-Num": "2"})
        assert late.status == 200
        assert restarted.event(message, event_id="Ev0002").status == 200
        wait_until(lambda: len(dm_posts(restarted, MEMBER_ID)) >= 2 or None)
        time.sleep(0.3)
    finally:
        restarted.stop()
    assert len(dm_posts(restarted, MEMBER_ID)) == 2  # Ev0001 once, Ev0002 once


def test_a_non_member_gets_a_polite_answer_and_nothing_is_stored(
    slack: SlackServer, database_url: str, open_round: Round
) -> None:
    before = snapshot(database_url)
    slack.command(STRANGER_ID, f"niets {open_round.id}")
    [call] = slack.slack.wait_for("response_url")
    assert "ken ik u niet" in all_text(call) or "ik ken u niet" in all_text(call)
    after = snapshot(database_url)
    after.pop("processed_events"), before.pop("processed_events")
    assert after == before


# -- members -----------------------------------------------------------------------------


def test_invitation_answer_modal_confirmation_and_home(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    slack.run_outbox()
    [invitation] = dm_posts(slack, MEMBER_ID)
    assert "Uw inbreng voor Pijleroverleg Financiën" in all_text(invitation)
    buttons = button_ids(invitation)
    assert {"Inbreng geven", "Niets deze keer"} <= set(buttons)

    slack.click(MEMBER_ID, buttons["Inbreng geven"], str(open_round.id))
    modal = opened_modal(slack)
    assert [b["block_id"] for b in modal["blocks"] if b["type"] == "input"] == [
        "topic",
        "text",
        "network_help",
        "attribution",
    ]

    empty = slack.submit(MEMBER_ID, modal, answer_values(text=""))
    assert empty.json()["response_action"] == "errors"
    assert set(empty.json()["errors"]) == {"text"}
    member = core.members.by_email(SLACK_USERS[MEMBER_ID])
    assert member is not None and core.responses.of_member(member) == []

    stored = slack.submit(MEMBER_ID, modal, answer_values())
    assert (stored.status, stored.body) == (200, "")
    slack.settle()  # stored after the acknowledgement
    [response] = core.responses.of_member(member)
    assert response.text == "Scholen zijn te duur om te verduurzamen."
    confirmation = wait_until(lambda: dm_posts(slack, MEMBER_ID)[1:])[0]
    assert "Scholen zijn te duur" in all_text(confirmation)
    assert {"Wijzigen", "Intrekken", "Nog een"} <= set(button_ids(confirmation))
    home = slack.slack.wait_for("views.publish")[-1]
    assert home.params["user_id"] == MEMBER_ID
    assert "Scholen zijn te duur" in json.dumps(home.params["view"], ensure_ascii=False)


def test_decline_button_stops_reminders(slack: SlackServer, core: Core, open_round: Round) -> None:
    slack.run_outbox()
    [invitation] = slack.slack.messages(slack.slack.dm_channel(MEMBER_ID))
    slack.click(
        MEMBER_ID,
        action_id("decline", 1),
        str(open_round.id),
        channel=invitation.channel,
        message_ts=invitation.ts,
    )
    [reply] = slack.slack.wait_for("chat.update")  # in the invitation's place
    assert "geen herinneringen" in all_text(reply)
    member = core.members.by_email(SLACK_USERS[MEMBER_ID])
    assert member is not None
    assert not core.deliveries.still_to_remind(member, open_round)


def test_typed_message_gets_a_helpful_answer_with_an_answer_button(
    slack: SlackServer, open_round: Round
) -> None:
    message = {
        "type": "message",
        "user": MEMBER_ID,
        "channel": f"D{MEMBER_ID}",
        "channel_type": "im",
        "text": "goedemorgen",
        "ts": "1700000000.000200",
    }
    slack.event(message, event_id="EvTyped1")
    reply = wait_until(lambda: dm_posts(slack, MEMBER_ID))[0]
    assert "Inbreng voor Pijleroverleg Financiën" in button_ids(reply)


def test_messages_from_bots_and_edits_are_ignored(slack: SlackServer) -> None:
    bot_message = {
        "type": "message",
        "bot_id": "B0BOT0001",
        "channel": f"D{MEMBER_ID}",
        "channel_type": "im",
        "text": "hulp",
        "ts": "1.2",
    }
    edited = {
        "type": "message",
        "subtype": "message_changed",
        "channel": f"D{MEMBER_ID}",
        "channel_type": "im",
        "ts": "1.3",
    }
    slack.event(bot_message, event_id="EvBot1")
    slack.event(edited, event_id="EvEdit1")
    slack.command(MEMBER_ID, "hulp")  # something that does answer, to wait for
    slack.slack.wait_for("response_url")
    assert dm_posts(slack, MEMBER_ID) == []


def test_app_home_shows_open_rounds_and_own_answers(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    event = {
        **fixture("events/app_home_opened_event_callback.json")["event"],
        "user": MEMBER_ID,
        "channel": f"D{MEMBER_ID}",
        "tab": "home",
    }
    slack.event(event, event_id="EvHome1")
    [home] = slack.slack.wait_for("views.publish")
    view = json.dumps(home.params["view"], ensure_ascii=False)
    assert home.params["view"]["type"] == "home"
    assert "Pijleroverleg Financiën" in view and "Open uitvragen" in view
    assert "U heeft nog geen inbreng gegeven." in view


@pytest.mark.parametrize("text", ["hulp", "help", "HULP"])
def test_slash_command_words_in_dutch_and_english(slack: SlackServer, text: str) -> None:
    slack.command(MEMBER_ID, text)
    [call] = slack.slack.wait_for("response_url")
    assert "wat kan ik voor u doen" in all_text(call)


def test_unknown_subcommand_gets_the_help(slack: SlackServer) -> None:
    slack.command(MEMBER_ID, "blabla")
    [call] = slack.slack.wait_for("response_url")
    assert "blabla" in all_text(call) and "wat kan ik voor u doen" in all_text(call)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rondes", "Pijleroverleg Financiën"),
        ("mijn", "nog geen inbreng"),
        ("privacy", "Mijn gegevens downloaden"),
    ],
)
def test_member_subcommands(
    slack: SlackServer, open_round: Round, text: str, expected: str
) -> None:
    slack.command(MEMBER_ID, text)
    [call] = slack.slack.wait_for("response_url")
    assert expected in all_text(call)


def test_answer_subcommand_opens_the_modal(slack: SlackServer, open_round: Round) -> None:
    slack.command(MEMBER_ID, "inbreng")
    modal = opened_modal(slack)
    assert modal["type"] == "modal"
    assert json.loads(modal["private_metadata"])["context"] == f"round:{open_round.id}"


def test_export_arrives_as_a_file_in_the_dm(slack: SlackServer) -> None:
    slack.command(MEMBER_ID, "privacy export")
    slack.slack.wait_for("files.completeUploadExternal")
    [content] = slack.slack.uploads.values()
    assert json.loads(content)["member"]["email"] == SLACK_USERS[MEMBER_ID]


def test_english_member_gets_english(slack: SlackServer) -> None:
    slack.command(ENGLISH_ID, "help")
    [call] = slack.slack.wait_for("response_url")
    assert "what can I do for you" in all_text(call)


# -- leads and the secretariat -----------------------------------------------------------


def test_status_preview_and_post_to_the_pillar_channel(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    slack.command(LEAD_ID, f"status {open_round.id}")
    [preview] = slack.slack.wait_for("response_url")
    assert preview.params["response_type"] == "ephemeral"
    post = button_ids(preview)["Plaats in #kanaal"]
    slack.click(LEAD_ID, post, f"status {open_round.id}", ephemeral=True)
    slack.slack.wait_for("response_url", 2)
    slack.run_outbox()
    channel_posts = [
        c for c in slack.slack.calls_to("chat.postMessage") if c.params["channel"] == "C05PMGFIN01"
    ]
    assert len(channel_posts) == 1
    assert "Respons" in all_text(channel_posts[0]) or "gemeenten" in all_text(channel_posts[0])


def test_a_member_cannot_see_status(slack: SlackServer, open_round: Round) -> None:
    slack.command(MEMBER_ID, f"status {open_round.id}")
    [call] = slack.slack.wait_for("response_url")
    assert "pijlertrekker" in all_text(call)


def test_a_channel_that_does_not_exist_makes_the_post_dead_with_its_error(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    slack.run_outbox()  # the invitations first
    core.deliveries.post_to_channels(open_round, DeliveryKind.SUMMARY, actor=OPERATOR)
    slack.slack.fail_next("chat.postMessage", error="channel_not_found", times=5)
    slack.run_outbox()
    [post] = [
        d for d in core.deliveries.for_round(open_round.id) if str(d.channel) == "slack:C05PMGFIN01"
    ]
    assert (post.status, post.last_error) == (DeliveryStatus.DEAD, "slack: channel_not_found")


def test_charts_that_cannot_follow_the_summary_leave_it_posted(
    slack: SlackServer, core: Core, open_round: Round, caplog: pytest.LogCaptureFixture
) -> None:
    """Without the files:write scope (an app installed before it was asked for), the
    summary still arrives, once; the missing charts are logged."""
    slack.run_outbox()  # the invitations first
    core.deliveries.post_to_channels(open_round, DeliveryKind.SUMMARY, actor=OPERATOR)
    charts = len(core.exports.charts(open_round.id, language="nl"))
    slack.slack.fail_next("files.getUploadURLExternal", error="missing_scope", times=charts)
    with caplog.at_level(logging.WARNING):
        slack.run_outbox()
    [post] = [
        d for d in core.deliveries.for_round(open_round.id) if str(d.channel) == "slack:C05PMGFIN01"
    ]
    assert post.status == DeliveryStatus.SENT
    channel_posts = [
        c for c in slack.slack.calls_to("chat.postMessage") if c.params["channel"] == "C05PMGFIN01"
    ]
    assert len(channel_posts) == 1 and not slack.slack.uploads
    assert sum("missing_scope" in r.getMessage() for r in caplog.records) == charts


def test_secretariat_creates_a_round_in_a_modal(slack: SlackServer, core: Core) -> None:
    slack.command(SECRETARIAT_ID, "nieuw")
    modal = opened_modal(slack)
    values = {
        "pillar": "bestuur",
        "meeting_title": "Pijleroverleg Bestuur",
        # Picked with Slack's datetimepicker, which sends Unix time (UTC).
        "meeting_at": int(datetime(2026, 12, 20, 13, 0, tzinfo=UTC).timestamp()),
        "opens_at": None,  # as prefilled: now
        "closes_at": int(datetime(2026, 12, 15, 16, 0, tzinfo=UTC).timestamp()),
        "question": "",
        "reminders": "7d,2d",
        "audience": "pillar",
    }
    reply = slack.submit(SECRETARIAT_ID, modal, values)
    assert (reply.status, reply.body) == (200, "")
    slack.settle()  # stored after the acknowledgement
    assert [r.meeting.title for r in core.rounds.find()] == ["Pijleroverleg Bestuur"]


def test_a_member_cannot_open_the_round_form(slack: SlackServer) -> None:
    slack.command(MEMBER_ID, "nieuw")
    [call] = slack.slack.wait_for("response_url")
    assert "secretariaat" in all_text(call)
    assert slack.slack.calls_to("views.open") == []


# -- hostile and oversized text ----------------------------------------------------------

HOSTILE = "<!channel> <!here> <@U0LEAD> <https://evil.example|klik> @channel & *vet*"


def test_hostile_answer_text_is_shown_as_typed_and_inert_in_the_confirmation_and_the_channel(
    slack: SlackServer, open_round: Round
) -> None:
    slack.command(MEMBER_ID, "inbreng")
    stored = slack.submit(MEMBER_ID, opened_modal(slack), answer_values(text=HOSTILE))
    assert stored.status == 200
    confirmation = wait_until(lambda: dm_posts(slack, MEMBER_ID))[0]
    slack.command(LEAD_ID, f"samenvatting {open_round.id}")
    preview = slack.slack.wait_for("response_url")[-1]
    slack.click(
        LEAD_ID,
        button_ids(preview)["Plaats in #kanaal"],
        f"summary {open_round.id}",
        ephemeral=True,
    )
    slack.slack.wait_for("response_url", 2)
    slack.run_outbox()
    channel_post = next(
        c for c in slack.slack.calls_to("chat.postMessage") if c.params["channel"] == "C05PMGFIN01"
    )
    for call in (confirmation, preview, channel_post):
        blocks = call.params["blocks"]
        blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
        # Rich text and plain text only: nothing Slack would read mentions or links into.
        assert '"mrkdwn"' not in json.dumps(blocks)
        shown = [text.replace(WORD_JOINER, "") for text in shown_strings(blocks)]
        assert any(HOSTILE in text for text in shown)  # whole, exactly as typed
        for text in shown_strings(blocks):  # a broadcast typed literally cannot ping
            assert re.search(r"@(channel|here)\b", text) is None
        for ping in ("<!channel>", "<!here>", "<@U0LEAD>", "<https://evil"):
            assert ping not in call.params["text"]  # the notification: escaped mrkdwn


def test_oversized_answer_gets_an_inline_error_and_nothing_is_stored(
    slack: SlackServer, database_url: str, open_round: Round
) -> None:
    slack.command(MEMBER_ID, "inbreng")
    modal = opened_modal(slack)
    before = snapshot(database_url)
    reply = slack.submit(MEMBER_ID, modal, answer_values(text="x" * 5000))
    assert reply.json()["response_action"] == "errors"
    assert "3000" in reply.json()["errors"]["text"]
    after = snapshot(database_url)
    after.pop("processed_events"), before.pop("processed_events")
    assert after == before


def test_an_oversized_request_is_refused(slack: SlackServer) -> None:
    reply = slack.command(MEMBER_ID, "x" * (2 * 1024 * 1024))
    assert reply.status == 413


# -- the Web API's limits ----------------------------------------------------------------


def test_a_rate_limited_reply_is_retried_after_retry_after(
    slack: SlackServer, open_round: Round
) -> None:
    slack.slack.fail_next("chat.postMessage", status=429, retry_after=1)
    slack.run_outbox()
    posted = dm_posts(slack, MEMBER_ID)
    assert next(c.status for c in slack.slack.calls_to("chat.postMessage")) == 429
    assert posted and posted[-1].status == 200


def test_app_rate_limited_notice_is_acknowledged_and_logged(
    slack: SlackServer, caplog: pytest.LogCaptureFixture
) -> None:
    # Slack sends this one outside any event_callback (Events API documentation).
    notice = {
        "token": "t",
        "type": "app_rate_limited",
        "team_id": TEAM,
        "minute_rate_limited": 1518467820,
        "api_app_id": "A0APP",
    }
    caplog.set_level(logging.WARNING)
    assert slack.post_signed(json.dumps(notice), content_type=JSON).status == 200
    assert "dropping events" in caplog.text


def test_a_mention_in_a_channel_is_answered_privately(slack: SlackServer) -> None:
    mention = {
        **fixture("events/app_mention_event_callback.json")["event"],
        "user": MEMBER_ID,
        "channel": "C05PMGFIN01",
        "text": "<@U0BOT0001> hoe werkt dit?",
    }
    slack.event(mention, event_id="EvMention1")
    [reply] = slack.slack.wait_for("chat.postEphemeral")
    assert (reply.params["channel"], reply.params["user"]) == ("C05PMGFIN01", MEMBER_ID)
    assert "wat kan ik voor u doen" in all_text(reply)
    assert slack.slack.calls_to("chat.postMessage") == []


def test_inbreng_serve_runs_slack_and_stops_on_sigterm(
    conversation: Conversation, slack_api: FakeSlackWebApi, database_url: str, tmp_path: Path
) -> None:
    """The installed `inbreng serve`, configured only by its environment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INBRENG_", "SLACK_"))}
    env |= {
        "INBRENG_DATABASE_URL": database_url,
        "INBRENG_PORT": str(port),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api.url,
    }
    server = subprocess.Popen(
        [str(INBRENG), "serve"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_until(lambda: _healthy(port), timeout=20)
        body = command_body(slack_api, MEMBER_ID, "hulp")
        timestamp = str(int(time.time()))
        signature = SignatureVerifier(SIGNING_SECRET).generate_signature(
            timestamp=timestamp, body=body
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/slack/events",
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": signature or "",
            },
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
        [reply] = slack_api.wait_for("response_url")
        assert "wat kan ik voor u doen" in all_text(reply)
    finally:
        server.send_signal(signal.SIGTERM)
        _, log = server.communicate(timeout=30)
    assert server.returncode == 0
    assert "Slack is on" in log
    assert BOT_TOKEN not in log and SIGNING_SECRET not in log


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def test_lead_exports_a_round_as_a_markdown_file(slack: SlackServer, open_round: Round) -> None:
    slack.command(LEAD_ID, f"export {open_round.id}")
    slack.slack.wait_for("files.completeUploadExternal")
    [content] = slack.slack.uploads.values()
    assert "Pijleroverleg Financiën" in content.decode()


def test_a_member_exports_own_data_with_export(slack: SlackServer) -> None:
    slack.command(MEMBER_ID, "export")
    slack.slack.wait_for("files.completeUploadExternal")
    [content] = slack.slack.uploads.values()
    assert json.loads(content)["member"]["email"] == SLACK_USERS[MEMBER_ID]


def test_a_slack_id_from_the_network_file_needs_no_profile_lookup(slack: SlackServer) -> None:
    # r.hoogendoorn has `slack_user_id: U05R7HGD2KQ` in the example network; the fake Web
    # API does not know this user, so only the network file can say who it is.
    slack.command("U05R7HGD2KQ", "hulp")
    [call] = slack.slack.wait_for("response_url")
    assert "wat kan ik voor u doen" in all_text(call)
    assert slack.slack.calls_to("users.info") == []


def test_dead_deliveries_show_their_error_in_the_round_details(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    core.deliveries.post_to_channels(open_round, DeliveryKind.SUMMARY, actor=OPERATOR)
    slack.slack.fail_next("chat.postMessage", error="channel_not_found", times=100)
    slack.run_outbox()
    slack.command(SECRETARIAT_ID, f"ronde {open_round.id}")
    [details] = slack.slack.wait_for("response_url")
    assert "Mislukte berichten" in all_text(details)
    assert "× slack: channel_not_found" in all_text(details)  # the invitations failed too
