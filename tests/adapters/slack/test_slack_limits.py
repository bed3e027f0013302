"""Slack's published limits, held by every message the bot sends there.

The fake Web API refuses what Slack refuses (`testing/fakes/slack_limits.py`), so a message
that does not fit shows up here as a refusal, i.e. a lost message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import (
    ANSWER_MAX_CHARS,
    Attribution,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Member,
    Response,
    ResponseData,
    Round,
)
from bot.markup import plain
from bot.outbox import compose
from bot.ports import UnitOfWorkFactory
from bot.services.rounds import RoundRequest
from testing.fakes.slack_web_api import Call, FakeSlackWebApi, StoredMessage
from testing.slack_harness import (
    ENGLISH_ID,
    LEAD_ID,
    MEMBER_ID,
    SECRETARIAT_ID,
    SLACK_USERS,
    SlackServer,
    all_text,
    fixture,
    shown_strings,
)
from tests.large_round import large_round, long_text
from tests.support import OPERATOR, FakeClock


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def member_of(core: Core, user_id: str) -> Member:
    member = core.members.by_email(SLACK_USERS[user_id])
    assert member is not None
    return member


def stored_answers(
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    member: Member,
    round_: Round,
    *,
    count: int = 1,
    length: int = ANSWER_MAX_CHARS,
) -> list[Response]:
    """Answers as an import or an earlier limit left them: past today's answer limit."""
    with uow_factory() as uow:
        added = [
            uow.responses.add(
                ResponseData(
                    round_id=round_.id,
                    member_id=member.id,
                    organisation_id=member.organisation_id,
                    topic_id=None,
                    text=long_text(index, "onderwijshuisvesting", "Zeist", length=length),
                    network_help=f"Antwoord {index}: een benchmark.",
                    attribution=Attribution.NAME,
                ),
                at=clock.now(),
            )
            for index in range(count)
        ]
        uow.commit()
    return added


def opened_view(slack: SlackServer, count: int = 1) -> dict[str, Any]:
    return cast(dict[str, Any], slack.slack.wait_for("views.open", count)[-1].params["view"])


def text_inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        block["block_id"]: block["element"]
        for block in view["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "plain_text_input"
    }


# -- 1. no surface cuts a member's text ----------------------------------------------------


def test_an_answer_stored_longer_than_one_slack_input_is_edited_whole(
    slack: SlackServer,
    core: Core,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    open_round: Round,
) -> None:
    member = member_of(core, MEMBER_ID)
    [stored] = stored_answers(uow_factory, clock, member, open_round, length=3500)

    slack.command(MEMBER_ID, f"wijzig {stored.id}")
    view = opened_view(slack)
    inputs = text_inputs(view)
    assert list(inputs) == ["text", "text~2", "network_help"]
    assert all(len(e.get("initial_value", "")) <= 3000 for e in inputs.values())
    assert all(e["max_length"] <= 3000 for e in inputs.values())
    first, second = inputs["text"]["initial_value"], inputs["text~2"]["initial_value"]
    assert first + second == stored.text

    # Saved with its last words changed, the answer is whole.
    values = {
        "topic": "anders",
        "text": first,
        "text~2": second[:-12] + " Aanvulling.",
        "network_help": stored.network_help,
        "attribution": "name",
    }
    assert slack.submit(MEMBER_ID, view, values).body == ""
    slack.settle()  # stored after the acknowledgement
    [edited] = core.responses.of_member(member)
    assert edited.text == stored.text[:-12] + " Aanvulling."
    assert len(edited.text) == 3500


def test_an_edit_may_not_grow_a_long_answer_and_keeps_what_was_typed(
    slack: SlackServer,
    core: Core,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    open_round: Round,
) -> None:
    member = member_of(core, MEMBER_ID)
    [stored] = stored_answers(uow_factory, clock, member, open_round, length=3500)
    slack.command(MEMBER_ID, f"wijzig {stored.id}")
    view = opened_view(slack)
    inputs = text_inputs(view)
    values = {
        "topic": "anders",
        "text": inputs["text"]["initial_value"],
        "text~2": inputs["text~2"]["initial_value"] + "x" * 600,
        "network_help": "",
        "attribution": "name",
    }
    reply = slack.submit(MEMBER_ID, view, values).json()
    assert reply["response_action"] == "errors"  # the modal stays open with what was typed
    assert "4100" in reply["errors"]["text"] and "3500" in reply["errors"]["text"]
    [unchanged] = core.responses.of_member(member)
    assert unchanged.text == stored.text


def test_new_answers_are_limited_to_what_one_slack_input_holds(
    slack: SlackServer, open_round: Round
) -> None:
    slack.command(MEMBER_ID, "inbreng")
    inputs = text_inputs(opened_view(slack))
    assert list(inputs) == ["text", "network_help"]
    assert inputs["text"]["max_length"] == ANSWER_MAX_CHARS == 3000


# -- 5. the fake refuses what Slack refuses ------------------------------------------------


def rich(text: str) -> dict[str, Any]:
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return {"type": "rich_text", "elements": [section]}


def refused(slack_api: FakeSlackWebApi, method: str, **params: Any) -> str:
    client = WebClient(token="xoxb-test", base_url=slack_api.url)
    with pytest.raises(SlackApiError) as raised:
        client.api_call(method, json=params)
    return str(raised.value.response["error"])


def test_the_fake_refuses_messages_over_slacks_limits(slack_api: FakeSlackWebApi) -> None:
    client = WebClient(token="xoxb-test", base_url=slack_api.url)
    fits = [rich("x" * 2400) for _ in range(5)]  # 12,000 characters: just fits
    assert client.chat_postMessage(channel="C1", text="t", blocks=fits)["ok"]

    too_long = [*fits, rich("y")]
    assert refused(slack_api, "chat.postMessage", channel="C1", blocks=too_long) == (
        "msg_blocks_too_long"
    )
    dividers = [{"type": "divider"}] * 51
    assert refused(slack_api, "chat.update", channel="C1", ts="1.1", blocks=dividers) == (
        "invalid_blocks"
    )
    header = [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}]
    assert refused(slack_api, "chat.postEphemeral", channel="C1", user="U1", blocks=header) == (
        "invalid_blocks"
    )
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "value": "v"}
    actions = [{"type": "actions", "elements": [button]}]
    assert refused(slack_api, "chat.postMessage", channel="C1", blocks=actions) == (
        "invalid_blocks"
    )
    assert refused(slack_api, "chat.postMessage", channel="C1", text="t" * 40_001) == (
        "msg_too_long"
    )
    assert [call.refused for call in slack_api.refusals()] == [
        "msg_blocks_too_long",
        "invalid_blocks",
        "invalid_blocks",
        "invalid_blocks",
        "msg_too_long",
    ]
    assert len(slack_api.messages("C1")) == 1


def test_the_fake_refuses_views_over_slacks_limits(slack_api: FakeSlackWebApi) -> None:
    home = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert refused(slack_api, "views.publish", user_id="U1", view=home) == "invalid_arguments"
    text_input = {"type": "plain_text_input", "action_id": "a", "initial_value": "x" * 3001}
    field = {"type": "input", "label": {"type": "plain_text", "text": "l"}, "element": text_input}
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "t"}, "blocks": [field]}
    assert refused(slack_api, "views.open", trigger_id="1.2", view=modal) == "invalid_arguments"
    text_input["initial_value"] = "x" * 3000
    client = WebClient(token="xoxb-test", base_url=slack_api.url)
    assert client.views_open(trigger_id="1.2", view=modal)["ok"]


def test_a_response_url_takes_five_posts(slack_api: FakeSlackWebApi) -> None:
    url = slack_api.response_url("command-U1")
    webhook = WebhookClient(url)
    statuses = [webhook.send(text=f"post {n}").status_code for n in range(6)]
    assert statuses == [200, 200, 200, 200, 200, 404]
    assert [call.refused for call in slack_api.refusals()] == ["used_url"]


# -- reading what arrived ------------------------------------------------------------------


def posted_blocks(call: Call) -> list[dict[str, Any]]:
    """The blocks of a posted message, or of a published or opened view."""
    blocks = call.params.get("blocks") or (call.params.get("view") or {}).get("blocks") or []
    return cast(list[dict[str, Any]], json.loads(blocks) if isinstance(blocks, str) else blocks)


Posts = list[Call] | list[StoredMessage]


def blocks_of(posts: Posts) -> list[list[dict[str, Any]]]:
    return [
        posted_blocks(post) if isinstance(post, Call) else list(post.blocks or []) for post in posts
    ]


def part_labels(posts: Posts) -> list[str]:
    """What each post says it continues ("…, deel 2 van 4"), in order."""
    return [
        "".join(shown_strings(block))
        for blocks in blocks_of(posts)
        for block in blocks
        if str(block.get("block_id", "")).startswith("part-")
    ]


def reading(posts: Posts) -> str:
    """What a reader reads in these posts, in order and without the part labels: rich text
    that one text was divided over runs on as one text; other blocks on lines of their own."""
    pieces: list[str] = []
    for blocks in blocks_of(posts):
        for block in blocks:
            if str(block.get("block_id", "")).startswith("part-"):
                continue
            if block.get("type") == "rich_text":
                pieces.append("".join(shown_strings(block)))
            else:
                pieces.append("\n" + "\n".join(shown_strings(block)) + "\n")
    return "".join(pieces)


def dm_posts(slack: SlackServer, user_id: str) -> list[Call]:
    return [
        call
        for call in slack.slack.calls_to("chat.postMessage")
        if call.params.get("channel") in (user_id, f"D{user_id}")
    ]


# -- 3. a response_url takes five posts -----------------------------------------------------


def test_mine_with_29_long_answers_arrives_whole_in_the_dm(
    slack: SlackServer,
    core: Core,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    open_round: Round,
) -> None:
    member = member_of(core, MEMBER_ID)
    answers = stored_answers(uow_factory, clock, member, open_round, count=29)

    slack.command(MEMBER_ID, "mijn")
    slack.settle()
    posts = dm_posts(slack, MEMBER_ID)
    [note] = slack.slack.calls_to("response_url")
    assert f"in {len(posts)} berichten in uw privéchat" in all_text(note)
    assert slack.slack.refusals() == []
    read = reading(posts)
    assert all(answer.text in read for answer in answers)
    assert part_labels(posts) == [
        f"Uw inbreng, deel {k} van {len(posts)}" for k in range(1, len(posts) + 1)
    ]


def test_mine_with_a_few_answers_stays_where_it_was_asked(
    slack: SlackServer,
    core: Core,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    open_round: Round,
) -> None:
    member = member_of(core, MEMBER_ID)
    answers = stored_answers(uow_factory, clock, member, open_round, count=6)
    slack.command(MEMBER_ID, "mijn")
    slack.settle()
    replies = slack.slack.calls_to("response_url")
    assert 2 <= len(replies) <= 5 and dm_posts(slack, MEMBER_ID) == []
    assert all(answer.text in reading(replies) for answer in answers)
    assert slack.slack.refusals() == []


# -- 4. App Home shows at most 100 blocks ---------------------------------------------------


def test_app_home_shows_the_answers_that_fit_and_says_how_many_more_there_are(
    slack: SlackServer,
    core: Core,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    open_round: Round,
) -> None:
    member = member_of(core, MEMBER_ID)
    answers = stored_answers(uow_factory, clock, member, open_round, count=29)
    event = {
        **fixture("events/app_home_opened_event_callback.json")["event"],
        "user": MEMBER_ID,
        "channel": f"D{MEMBER_ID}",
        "tab": "home",
    }
    slack.event(event, event_id="EvHomeLong")
    slack.settle()
    [home] = slack.slack.calls_to("views.publish")
    assert slack.slack.refusals() == []
    blocks = home.params["view"]["blocks"]
    assert len(blocks) <= 100
    shown = sum(answer.text in reading([home]) for answer in answers)
    assert shown >= 5
    assert f"En nog {29 - shown} meer; typ /inbreng mijn voor alles." in reading([home])


# -- 2. large messages ----------------------------------------------------------------------

CHANNEL = "C05PMGFIN01"  # the Financiën pillar's Slack channel in the example network


def post_summary(slack: SlackServer, core: Core, round_: Round) -> list[Call]:
    """The round's summary through the outbox to the pillar's channel; its posts."""
    core.deliveries.post_to_channels(round_, DeliveryKind.SUMMARY, actor=OPERATOR)
    slack.run_outbox()
    return [c for c in slack.slack.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]


def channel_deliveries(core: Core, round_: Round) -> list[Delivery]:
    return [d for d in core.deliveries.for_round(round_.id) if str(d.channel) == f"slack:{CHANNEL}"]


def assert_whole_summary(core: Core, round_: Round, arrived: list[StoredMessage]) -> None:
    """Everything the channel's summary says arrived (its text, and each theme with its
    quotes), and each part says which one it is."""
    [delivery] = channel_deliveries(core, round_)
    summary = compose.for_channel(core, delivery)
    assert summary is not None and len(summary.fields) > 1
    read = reading(arrived)
    assert plain(summary.text) in read
    assert all(plain(field.value) in read for field in summary.fields)
    # The channel quotes each answer's beginning (the whole answer is for `samenvatting`).
    quotes = [
        quote.text for theme in core.reports.summary(round_.id).shown for quote in theme.quotes
    ]
    assert quotes and all(quote[:100] in read for quote in quotes)
    expected = [
        f"Samenvatting uitvraag {round_.id}, deel {k} van {len(arrived)}"
        for k in range(1, len(arrived) + 1)
    ]
    assert part_labels(arrived) == (expected if len(arrived) > 1 else [])


def test_the_summary_of_a_300_answer_round_reaches_the_channel_whole(
    slack: SlackServer, core: Core, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    round_ = large_round(core, uow_factory, clock)
    posts = post_summary(slack, core, round_)
    assert slack.slack.refusals() == []
    assert posts
    assert_whole_summary(core, round_, slack.slack.messages(CHANNEL))
    [delivery] = channel_deliveries(core, round_)
    assert delivery.status == DeliveryStatus.SENT


def test_a_summary_slack_finds_too_long_after_all_goes_out_in_smaller_parts(
    conversation: Conversation, core: Core, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Slack does not publish its limit on a message's block text: when it is lower than
    the bot assumes, the refused part and the rest are divided smaller and still arrive."""
    round_ = large_round(core, uow_factory, clock)
    with FakeSlackWebApi(block_text_limit=5000) as strict:
        server = SlackServer(conversation, strict)
        try:
            posts = post_summary(server, core, round_)
        finally:
            server.stop()
        arrived = strict.messages(CHANNEL)
    refused = [post.refused for post in posts if post.refused is not None]
    assert refused == ["msg_blocks_too_long"] * 2  # at 12,000, then 6,000 characters
    assert_whole_summary(core, round_, arrived)
    [delivery] = channel_deliveries(core, round_)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts <= 1


def test_a_message_slack_always_finds_too_long_is_given_up_at_once(
    conversation: Conversation, core: Core, open_round: Round
) -> None:
    with FakeSlackWebApi(block_text_limit=10) as strict:
        server = SlackServer(conversation, strict)
        try:
            posts = post_summary(server, core, open_round)
        finally:
            server.stop()
    # The first try and three smaller ones, in one attempt: not eight attempts.
    assert [post.refused for post in posts] == ["msg_blocks_too_long"] * 4
    [delivery] = channel_deliveries(core, open_round)
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.last_error == "slack: msg_blocks_too_long"


# -- 6. every message at the sizes of a 300-answer round -----------------------------------


def home_opened(slack: SlackServer, user_id: str, event_id: str) -> None:
    event = {
        **fixture("events/app_home_opened_event_callback.json")["event"],
        "user": user_id,
        "channel": f"D{user_id}",
        "tab": "home",
    }
    slack.event(event, event_id=event_id)


def test_every_slack_message_of_a_300_answer_round_fits_slacks_limits(
    slack: SlackServer,
    core: Core,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    open_round: Round,
) -> None:
    """Invitations, reminders, confirmations, mijn (29 and 300 answers), status, rondes,
    the summary (the lead's draft, the lead's command and the channel's post), App Home,
    the modals (a new answer, a long answer's edit, a new round), help and the privacy
    export, all through the real routes and the fake that refuses what Slack refuses."""
    round_ = large_round(core, uow_factory, clock)  # 300 answers of 4,000 characters
    member, english = member_of(core, MEMBER_ID), member_of(core, ENGLISH_ID)
    mine = stored_answers(uow_factory, clock, member, round_, count=300, length=4000)
    stored_answers(uow_factory, clock, english, round_, count=29, length=4000)

    slack.run_outbox()  # invitations to both open rounds
    for user_id, text in (
        (SECRETARIAT_ID, "hulp"),
        (MEMBER_ID, "hulp"),
        (MEMBER_ID, "rondes"),
        (MEMBER_ID, "mijn"),
        (ENGLISH_ID, "mine"),
        (LEAD_ID, f"status {round_.id}"),
        (MEMBER_ID, "privacy export"),
    ):
        slack.command(user_id, text)
        slack.settle()
    home_opened(slack, MEMBER_ID, "EvHome300")
    slack.settle()

    for user_id, text in (
        (SECRETARIAT_ID, "nieuw"),  # the round form
        (MEMBER_ID, f"wijzig {mine[0].id}"),  # 4,000 characters over two inputs
        (MEMBER_ID, f"inbreng {round_.id}"),
    ):
        slack.command(user_id, text)
        slack.settle()
    edit = slack.slack.calls_to("views.open")[1].params["view"]
    assert list(text_inputs(edit)) == ["text", "text~2", "network_help"]
    new_answer = opened_view(slack, 3)
    values = {
        "topic": "anders",
        "text": long_text(7, "jeugdzorg", "Zeist", length=ANSWER_MAX_CHARS),
        "network_help": long_text(8, "lobby", "Den Haag", length=ANSWER_MAX_CHARS),
        "attribution": "name",
    }
    assert slack.submit(MEMBER_ID, new_answer, values).body == ""  # and its confirmation
    slack.settle()

    # The open round's reminder, two days before it closes: on a Sunday, so on Monday.
    clock.advance(days=6, hours=1)
    slack.run_outbox()
    core.rounds.close(round_.id, actor=OPERATOR)
    slack.run_outbox()  # the summary draft to the pillar's lead
    slack.command(LEAD_ID, f"samenvatting {round_.id}")
    slack.settle()
    core.deliveries.post_to_channels(round_, DeliveryKind.SUMMARY, actor=OPERATOR)
    slack.run_outbox()

    assert slack.slack.refusals() == []
    methods = {call.method for call in slack.slack.calls}
    assert {"chat.postMessage", "response_url", "views.open", "views.publish"} <= methods
    assert "files.completeUploadExternal" in methods
    assert len(slack.slack.calls_to("views.open")) == 3
    delivered = delivered_kinds(core)
    assert delivered.keys() >= {DeliveryKind.INVITATION, DeliveryKind.REMINDER}, delivered
    summaries = {
        str(d.channel) if d.channel else f"member {d.member_id}"
        for d in delivered[DeliveryKind.SUMMARY]
    }
    assert summaries == {f"slack:{CHANNEL}", f"member {member_of(core, LEAD_ID).id}"}
    confirmation = "Dank u wel! Uw inbreng (nr. "
    assert any(confirmation in all_text(call) for call in dm_posts(slack, MEMBER_ID))
    assert_whole_summary(core, round_, slack.slack.messages(CHANNEL))
    read = reading(slack.slack.messages(slack.slack.dm_channel(MEMBER_ID)))
    assert all(answer.text in read for answer in mine[1:])  # mijn, 300 answers, whole


def delivered_kinds(core: Core) -> dict[DeliveryKind, list[Delivery]]:
    found: dict[DeliveryKind, list[Delivery]] = {}
    for round_ in core.rounds.find():
        for delivery in core.deliveries.for_round(round_.id):
            if delivery.status == DeliveryStatus.SENT:
                found.setdefault(delivery.kind, []).append(delivery)
    return found


def test_app_home_with_more_open_rounds_than_fit_says_how_many_more_there_are(
    slack: SlackServer, core: Core, clock: FakeClock
) -> None:
    for day in range(30):
        core.rounds.create(
            RoundRequest(
                pillar_slug="financien",
                meeting_title=f"Pijleroverleg Financiën {day + 1}",
                meeting_at=clock.now() + timedelta(days=14 + day),
                closes_at=clock.now() + timedelta(days=7 + day),
            ),
            actor=OPERATOR,
        )
    home_opened(slack, MEMBER_ID, "EvHomeRounds")
    slack.settle()
    [home] = slack.slack.calls_to("views.publish")
    assert slack.slack.refusals() == []
    shown = sum(f"Pijleroverleg Financiën {n + 1}\n" in reading([home]) for n in range(30))
    assert 0 < shown < 30
    assert f"En nog {30 - shown} uitvragen; typ /inbreng rondes voor alle." in reading([home])
    assert "U heeft nog geen inbreng gegeven." in reading([home])
