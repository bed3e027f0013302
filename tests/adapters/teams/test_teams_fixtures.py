"""Every Teams payload that Microsoft published (testing/fixtures/teams/) read by the
adapter's translation functions: what each one means to the bot."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botbuilder.schema import Activity, ResourceResponse

from adapters.teams import activities, card_data
from bot.domain import Platform
from bot.events import Actor, MessageEvent
from testing.teams_harness import TEAMS_FIXTURES
from tests import teams_cards


def activity_in(name: str) -> Activity:
    """The Activity of a fixture; recordings keep it under "body"."""
    raw: dict[str, Any] = json.loads((TEAMS_FIXTURES / name).read_text(encoding="utf-8"))
    return Activity().deserialize(raw.get("body", raw))


def test_every_published_payload_is_covered_here() -> None:
    published = {p.name for p in TEAMS_FIXTURES.glob("*.json")}
    assert published == set(EXPECTED) | set(OUTBOUND)


# name -> (type, conversation type, event: None | "message: <text>" | "foreign card",
#          team named, bot added)
EXPECTED: dict[str, tuple[str, str, str | None, bool, bool]] = {
    "personal_message.recording.json": ("message", "personal", "message: file", False, False),
    "personal_message_sample.json": ("message", "personal", "message: hi", False, False),
    "channel_message_at_mention.recording.json": (
        "message", "channel", "message: https://foo.com", True, False,
    ),
    "channel_message_reply_mention.json": (
        "message", "channel", "message: reply to thread", True, False,
    ),
    "adaptive_card_action_submit.recording.json": ("message", "channel", None, True, False),
    "adaptive_card_messageback.recording.json": ("message", "channel", None, True, False),
    "adaptive_card_msteams_invoke.recording.json": ("invoke", "channel", None, True, False),
    "invoke_adaptive_card_action.json": ("invoke", "personal", None, False, False),
    "invoke_task_fetch.recording.json": ("invoke", "channel", None, True, False),
    "invoke_task_submit.recording.json": ("invoke", "channel", None, True, False),
    "conversation_update_personal_bot_installed.json": (
        "conversationUpdate", "personal", None, False, True,
    ),
    "conversation_update_team_member_added.recording.json": (
        "conversationUpdate", "channel", None, True, False,
    ),
    "conversation_update_group_chat_member_added.recording.json": (
        "conversationUpdate", "groupChat", None, False, False,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_incoming_payloads_read_as_the_bot_needs_them(name: str) -> None:
    kind, conversation_type, event, in_team, bot_added = EXPECTED[name]
    activity = activity_in(name)

    assert activity.type == kind
    assert activities.conversation_type(activity) == conversation_type
    who = activities.actor(activity)
    assert isinstance(who, Actor) and who.platform == Platform.TEAMS
    assert who.user_id.startswith("29:") and who.email is None
    assert activities.tenant_of(activity) or name == "personal_message_sample.json"
    assert (activities.team_of(activity) is not None) == in_team
    assert activities.bot_added(activity) == bot_added
    if kind == "message":
        found = activities.to_event(activity, who)
        if event is None:
            assert found is None  # another app's card: not ours to act on
            assert card_data.parse(activity.value) is None
        else:
            assert found == MessageEvent(actor=who, text=event.removeprefix("message: "))


def test_a_personal_install_welcomes_the_person_not_the_bot() -> None:
    activity = activity_in("conversation_update_personal_bot_installed.json")

    (person,) = activities.added_people(activity)

    assert person.id == "29:uniqueId" and person.aad_object_id
    assert activities.tenant_of(activity) == "09e852a2-4575-45f7-9586-7cc3acfdc715"


def test_a_team_names_itself_in_channel_data() -> None:
    activity = activity_in("conversation_update_team_member_added.recording.json")

    assert activities.team_of(activity) == (
        "19:097e6717fd7245bdbeba6baa13840db8@thread.skype",
        "DaveTeams TEST",
    )
    assert [p.id[:3] for p in activities.added_people(activity)] == ["29:"]


def test_mentions_and_markup_are_not_part_of_what_was_typed() -> None:
    activity = activity_in("channel_message_reply_mention.json")
    activity.text = "<at>Inbreng</at> <p>mijn&nbsp;inbreng &amp; meer</p>"

    assert activities.text_of(activity) == "mijn\xa0inbreng & meer"


OUTBOUND = ("outbound_adaptive_card_message.json", "outbound_reply_personal.recording.json")


def test_outbound_payloads_parse_as_what_the_bot_sends_and_gets_back() -> None:
    card = activity_in("outbound_adaptive_card_message.json")
    assert card.type == "message" and teams_cards.card_of(card)["type"] == "AdaptiveCard"

    raw = json.loads((TEAMS_FIXTURES / OUTBOUND[1]).read_text(encoding="utf-8"))
    reply = Activity().deserialize(raw["body"])
    assert reply.reply_to_id and reply.conversation.conversation_type == "personal"
    created = ResourceResponse.deserialize(raw["response"])
    assert raw["status"] == 201 and created.id.startswith("1:")
