"""Acknowledge first, store once: Slack's requests answered before the database work,
repeats (double clicks, re-signed retries) stored once, and nothing lost when the
database is away. Through the real HTTP route, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Round
from testing.database_outage import database_down
from testing.fakes.slack_web_api import Call, FakeSlackWebApi
from testing.slack_harness import (
    FORM,
    MEMBER_ID,
    SECRETARIAT_ID,
    SLACK_USERS,
    SlackServer,
    all_text,
    button_payload,
    fixture,
    shown_strings,
    view_submission,
    wait_until,
)
from tests.adapters.slack.test_slack_server import (
    WORD_JOINER,
    answer_values,
    button_ids,
    dm_posts,
    opened_modal,
)


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def answers_of(core: Core, user_id: str) -> list[str]:
    member = core.members.by_email(SLACK_USERS[user_id])
    assert member is not None
    return [r.text for r in core.responses.of_member(member)]


def confirmations(slack: SlackServer) -> list[Call]:
    return [c for c in dm_posts(slack, MEMBER_ID) if "Dank u wel" in all_text(c)]


def submission_body(slack: SlackServer, modal: dict[str, Any], **changes: Any) -> str:
    """A submission of the modal as Slack would send it, form-encoded."""
    body = view_submission(MEMBER_ID, {**slack.shown_view(modal), **modal}, answer_values())
    body.update(changes)
    return urlencode({"payload": json.dumps(body)})


# -- one answer per submit -----------------------------------------------------------------


def test_a_double_click_stores_one_answer_and_sends_one_confirmation(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    slack.command(MEMBER_ID, "inbreng")
    modal = opened_modal(slack)

    # Each click is a request of its own (a new trigger_id), of the same view.
    first = slack.post_signed(submission_body(slack, modal, trigger_id="1.1"), content_type=FORM)
    second = slack.post_signed(submission_body(slack, modal, trigger_id="1.2"), content_type=FORM)

    assert (first.status, second.status) == (200, 200)
    slack.settle()
    assert answers_of(core, MEMBER_ID) == ["Scholen zijn te duur om te verduurzamen."]
    assert len(confirmations(slack)) == 1


@pytest.mark.parametrize("later", [1, 120], ids=["signed-again-1s-later", "retry-new-timestamp"])
def test_the_same_submission_signed_again_is_stored_once(
    slack: SlackServer, core: Core, open_round: Round, later: int
) -> None:
    slack.command(MEMBER_ID, "inbreng")
    body = submission_body(slack, opened_modal(slack))
    sent_at = int(time.time()) - later  # the first signing; the second is now

    assert slack.post_signed(body, content_type=FORM, timestamp=sent_at).status == 200
    assert slack.post_signed(body, content_type=FORM).status == 200

    slack.settle()
    assert answers_of(core, MEMBER_ID) == ["Scholen zijn te duur om te verduurzamen."]
    assert len(confirmations(slack)) == 1


def test_two_modals_give_two_answers(slack: SlackServer, core: Core, open_round: Round) -> None:
    slack.command(MEMBER_ID, "inbreng")
    first = opened_modal(slack)
    slack.command(MEMBER_ID, "inbreng")
    second = opened_modal(slack, 2)

    slack.submit(MEMBER_ID, first, answer_values("Eerste vraagstuk."))
    slack.submit(MEMBER_ID, second, answer_values("Tweede vraagstuk."))

    slack.settle()
    assert sorted(answers_of(core, MEMBER_ID)) == ["Eerste vraagstuk.", "Tweede vraagstuk."]


def test_the_same_button_press_signed_again_is_handled_once(
    slack: SlackServer, open_round: Round
) -> None:
    slack.run_outbox()
    [invitation] = dm_posts(slack, MEMBER_ID)
    press = button_payload(
        slack.slack,
        MEMBER_ID,
        button_ids(invitation)["Niets deze keer"],
        str(open_round.id),
        channel=invitation.params["channel"],
        ephemeral=False,
    )
    body = urlencode({"payload": json.dumps(press)})

    assert slack.post_signed(body, content_type=FORM, timestamp=int(time.time()) - 5).status == 200
    assert slack.post_signed(body, content_type=FORM).status == 200

    slack.settle()
    assert len(slack.slack.calls_to("chat.update")) == 1


# -- the acknowledgement carries no database work ------------------------------------------


def test_a_field_error_comes_back_in_the_acknowledgement_without_the_database(
    slack: SlackServer, core: Core, database_url: str
) -> None:
    slack.command(SECRETARIAT_ID, "nieuw")
    modal = opened_modal(slack)
    values = {"pillar": "bestuur", "meeting_at": None, "opens_at": None, "closes_at": None,
              "reminders": "elke dag", "audience": "pillar"}  # fmt: skip

    with database_down(database_url):
        reply = slack.submit(SECRETARIAT_ID, modal, values)

    assert reply.status == 200
    answer = reply.json()
    assert answer["response_action"] == "errors"
    assert {"meeting_at", "closes_at", "reminders"} <= set(answer["errors"])
    slack.settle()
    assert core.rounds.find() == []


def test_a_submission_while_the_database_is_down_is_acknowledged_and_given_back(
    slack: SlackServer, core: Core, database_url: str, open_round: Round
) -> None:
    typed = "<!channel> Wat ik typte, *precies* zo & niet kwijt."
    slack.command(MEMBER_ID, "inbreng")
    modal = opened_modal(slack)

    with database_down(database_url):
        reply = slack.submit(MEMBER_ID, modal, {**answer_values(typed), "network_help": "Hulp"})
        assert (reply.status, reply.body) == (200, "")
        [given_back] = wait_until(lambda: dm_posts(slack, MEMBER_ID))
        slack.settle()

    shown = all_text(given_back)
    assert "Niet opgeslagen" in shown
    blocks = given_back.params["blocks"]
    strings = [s.replace(WORD_JOINER, "") for s in shown_strings(blocks)]
    assert any(typed in s for s in strings)  # whole, exactly as typed
    assert any("Hulp" in s for s in strings)
    assert '"mrkdwn"' not in json.dumps(blocks)  # shown as text: nothing pings
    assert "<!channel>" not in given_back.params["text"]
    assert answers_of(core, MEMBER_ID) == []


def test_a_slash_command_while_the_database_is_down_gets_an_answer(
    slack: SlackServer, database_url: str
) -> None:
    with database_down(database_url):
        assert slack.command(MEMBER_ID, "mijn").status == 200
        [answer] = slack.slack.wait_for("response_url")
        slack.settle()

    assert "Dat lukte niet" in all_text(answer)
    assert answer.params.get("response_type") == "ephemeral"


def test_a_direct_message_while_the_database_is_down_is_not_acknowledged(
    slack: SlackServer, database_url: str
) -> None:
    message = {
        **fixture("events/message_im_inner_event.json"),
        "user": MEMBER_ID,
        "channel": f"D{MEMBER_ID}",
        "channel_type": "im",
        "text": "hulp",
    }
    with database_down(database_url):
        refused = slack.event(message, event_id="EvDown1")
    assert not 200 <= refused.status < 300  # so Slack sends it again

    retry = slack.event(message, event_id="EvDown1", headers={"X-Slack-Retry-Num": "1"})
    assert retry.status == 200
    wait_until(lambda: dm_posts(slack, MEMBER_ID))
    slack.settle()
    [answer] = dm_posts(slack, MEMBER_ID)  # answered once, by whichever got it recorded
    assert "rondes" in all_text(answer)


def test_a_button_while_the_database_is_down_gets_an_answer(
    slack: SlackServer, database_url: str, open_round: Round
) -> None:
    slack.run_outbox()
    [invitation] = dm_posts(slack, MEMBER_ID)
    with database_down(database_url):
        pressed = slack.click(
            MEMBER_ID,
            button_ids(invitation)["Niets deze keer"],
            str(open_round.id),
            message_ts=invitation.params.get("ts", "1700000000.000100"),
        )
        assert pressed.status == 200
        [answer] = slack.slack.wait_for("response_url")
        slack.settle()

    assert "Dat lukte niet" in all_text(answer)
    assert slack.slack.calls_to("chat.update") == []
