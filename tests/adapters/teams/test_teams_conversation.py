"""The conversation in Teams, through botbuilder's TestAdapter: a personal chat with the
bot as Teams members have it, on a real database. (The HTTP endpoint, tokens and the
connector are in test_teams_server.py.)"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from botbuilder.core.adapters import TestAdapter
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
)

from adapters.teams import references
from adapters.teams.bot import TeamsBot
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import ANY_TENANT, Identity, Platform, Round
from bot.ports import UnitOfWorkFactory
from tests import teams_cards
from tests.support import teams_tenant_of

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
SERVICE_URL = "https://smba.trafficmanager.net/emea/"
BOT = ChannelAccount(id="28:inbreng", name="Inbreng")
# Teams users of the example network: their id in the network file -> e-mail.
TEAMS_USERS = {
    "29:jansen": "a.jansen@zeist.example",
    "29:mulder": "e.mulder@veldhoven.example",
    "29:hendriks": "i.hendriks@oss.example",
}


class PersonalChat:
    """One Teams user's personal chat with the bot."""

    def __init__(self, bot: TeamsBot, user_id: str, *, conversation_type: str = "personal"):
        self.user_id = user_id
        # The user's own municipality's tenant (TENANT for someone outside the network).
        tenant = teams_tenant_of(TEAMS_USERS[user_id]) if user_id in TEAMS_USERS else TENANT
        template = Activity(
            channel_id="msteams",
            service_url=SERVICE_URL,
            from_property=ChannelAccount(id=user_id, name="Lid"),
            recipient=BOT,
            conversation=ConversationAccount(
                id=f"a:{user_id}", conversation_type=conversation_type, tenant_id=tenant
            ),
            channel_data={"tenant": {"id": tenant}},
        )
        self.adapter = TestAdapter(bot.on_turn, template)

    def send(self, activity: Activity) -> list[Activity]:
        asyncio.run(self.adapter.receive_activity(activity))
        replies = list(self.adapter.activity_buffer)
        self.adapter.activity_buffer.clear()
        return replies

    def say(self, text: str) -> list[Activity]:
        return self.send(Activity(type=ActivityTypes.message, text=text))

    def submit(self, value: dict[str, Any], *, on: str = "card-1") -> list[Activity]:
        """Press a card's button: Teams sends its data as `value`, no text, with the card's
        activity id as replyToId."""
        return self.send(Activity(type=ActivityTypes.message, value=value, reply_to_id=on))


def link(uow_factory: UnitOfWorkFactory, core: Core, user_id: str, email: str) -> None:
    """An explicit Teams id from the network file, as `network load` stores it."""
    member = core.members.by_email(email)
    assert member is not None
    with uow_factory() as uow:
        uow.identities.save(
            Identity(
                member_id=member.id, platform=Platform.TEAMS, tenant=ANY_TENANT, user_id=user_id
            )
        )
        uow.commit()


@pytest.fixture
def bot(conversation: Conversation, uow_factory: UnitOfWorkFactory) -> TeamsBot:
    for user_id, email in TEAMS_USERS.items():
        link(uow_factory, conversation.core, user_id, email)
    return TeamsBot(conversation=conversation)


def address_of(core: Core, email: str) -> str | None:
    member = core.members.by_email(email)
    assert member is not None
    teams = [i for i in core.deliveries.reach(member).identities if i.platform == Platform.TEAMS]
    assert len(teams) == 1
    return teams[0].address


def test_typed_commands_answer_in_cards_and_the_chat_becomes_the_address(
    bot: TeamsBot, core: Core, open_round: Round
) -> None:
    chat = PersonalChat(bot, "29:jansen")
    assert address_of(core, "a.jansen@zeist.example") is None

    replies = chat.say("hulp")

    assert len(replies) == 1
    shown = teams_cards.text(replies[0])
    assert "rondes" in shown and "afwezig tot" in shown
    address = address_of(core, "a.jansen@zeist.example")
    assert address is not None
    reference = references.load(address)
    assert (reference.conversation.id, reference.service_url) == ("a:29:jansen", SERVICE_URL)
    assert reference.user.id == "29:jansen" and reference.activity_id is None

    rounds = teams_cards.text(chat.say("rondes")[-1])
    assert "Pijleroverleg Financiën" in rounds


def test_english_member_gets_english_and_a_lead_sees_status(
    bot: TeamsBot, open_round: Round
) -> None:
    english = teams_cards.text(PersonalChat(bot, "29:mulder").say("help")[0])
    assert "rounds" in english and "rondes" not in english

    lead = PersonalChat(bot, "29:hendriks")
    status = "\n".join(teams_cards.text(r) for r in lead.say(f"status {open_round.id}"))
    assert "Pijleroverleg Financiën" in status and "gemeenten" in status


def answer_form(chat: PersonalChat, round_: Round) -> Activity:
    invitation = next(r for r in chat.say("rondes") if "Pijleroverleg" in teams_cards.text(r))
    button = next(
        t for t, d in teams_cards.actions(invitation).items() if d.get("action") == "answer"
    )
    (form,) = chat.submit(teams_cards.press(invitation, button), on="invitation-1")
    assert set(teams_cards.inputs(form)) == {"topic", "text", "network_help", "attribution"}
    return form


def submit_label(form: Activity) -> str:
    return next(t for t, d in teams_cards.actions(form).items() if d.get("inbreng") == "form")


def test_an_answer_through_the_form_card_with_a_mistake_on_the_way(
    bot: TeamsBot, core: Core, open_round: Round
) -> None:
    chat = PersonalChat(bot, "29:jansen")
    form = answer_form(chat, open_round)
    topic = teams_cards.inputs(form)["topic"]["choices"][0]["value"]

    # No challenge typed: the same card comes back in place, with the error and the rest kept.
    sent = teams_cards.press(form, submit_label(form), topic=topic, network_help="Een rekenmodel")
    assert chat.submit(sent, on="form-1") == []
    (again,) = chat.adapter.updated_activities
    assert again.id == "form-1"
    fields = teams_cards.inputs(again)
    assert fields["network_help"]["value"] == "Een rekenmodel"
    assert fields["topic"]["value"] == topic
    assert "lege inbreng kan ik niet opslaan" in teams_cards.text(again)
    member = core.members.by_email("a.jansen@zeist.example")
    assert member is not None and core.responses.of_member(member) == []

    challenge = "De algemene uitkering daalt in 2026;\nwe moeten kiezen wat we schrappen."
    chat.submit(teams_cards.press(again, submit_label(again), text=challenge), on="form-1")
    confirmation = chat.adapter.updated_activities[-1]
    assert confirmation.id == "form-1"  # the form is gone: it cannot be sent twice
    (stored,) = core.responses.of_member(member)
    assert stored.text == challenge and stored.network_help == "Een rekenmodel"
    shown = teams_cards.text(confirmation)
    assert "De algemene uitkering daalt in 2026" in shown
    kinds = {d.get("action") for d in teams_cards.actions(confirmation).values()}
    assert {"edit", "withdraw", "answer"} <= kinds


def test_a_double_click_on_a_form_card_stores_one_answer(
    bot: TeamsBot, core: Core, open_round: Round
) -> None:
    chat = PersonalChat(bot, "29:jansen")
    form = answer_form(chat, open_round)
    sent = teams_cards.press(form, submit_label(form), text="Twee keer geklikt.")

    # Two activities, each with an id of its own, from the one card.
    chat.submit(sent, on="form-2")
    chat.submit(sent, on="form-2")

    member = core.members.by_email("a.jansen@zeist.example")
    assert member is not None
    assert [r.text for r in core.responses.of_member(member)] == ["Twee keer geklikt."]
    assert len(chat.adapter.updated_activities) == 1  # one confirmation in the card's place


def test_cancel_takes_the_form_card_away_and_stores_nothing(
    bot: TeamsBot, core: Core, open_round: Round
) -> None:
    chat = PersonalChat(bot, "29:jansen")
    form = answer_form(chat, open_round)
    cancel = next(t for t, d in teams_cards.actions(form).items() if d.get("inbreng") == "cancel")

    assert chat.submit(teams_cards.press(form, cancel), on="form-7") == []

    (deleted,) = chat.adapter.deleted_activities
    assert isinstance(deleted, ConversationReference) and deleted.activity_id == "form-7"
    member = core.members.by_email("a.jansen@zeist.example")
    assert member is not None and core.responses.of_member(member) == []


HOSTILE = (
    "[Klik hier](https://phish.example/login) <at>Iedereen</at> **vet** ${secret} "
    '"}]},{"type":"Action.OpenUrl","url":"https://phish.example"} <script>x</script>'
)


def test_hostile_member_text_stays_text_in_every_card(
    bot: TeamsBot, core: Core, open_round: Round
) -> None:
    chat = PersonalChat(bot, "29:jansen")
    form = answer_form(chat, open_round)
    topic = teams_cards.inputs(form)["topic"]["choices"][0]["value"]
    chat.submit(teams_cards.press(form, submit_label(form), topic=topic, text=HOSTILE), on="f")
    confirmation = chat.adapter.updated_activities[-1]
    lead_view = PersonalChat(bot, "29:hendriks").say(f"samenvatting {open_round.id}")

    for card in [confirmation, *lead_view]:
        content = teams_cards.card_of(card)
        # Rich text runs only: no Markdown a link could form in, no card element of its own.
        assert not any(n.get("type") in ("TextBlock", "FactSet") for n in _nodes(content))
        runs = [n["text"] for n in _nodes(content) if n.get("type") == "TextRun"]
        assert not any("${secret}" in run or "://" in run for run in runs)
        assert not any(n.get("type") == "Action.OpenUrl" for n in _nodes(content)), (
            "member text became a card element"
        )
    assert HOSTILE in teams_cards.text(confirmation).split("\n")  # shown exactly as typed
    # What the member typed is kept exactly, and shown in full once escapes are removed.
    member = core.members.by_email("a.jansen@zeist.example")
    assert member is not None
    assert core.responses.of_member(member)[0].text == HOSTILE
    assert "Klik hier" in teams_cards.text(confirmation)


def _nodes(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            found += _nodes(value)
    elif isinstance(node, list):
        for item in node:
            found += _nodes(item)
    return found


def _text_nodes(content: dict[str, Any]) -> list[dict[str, Any]]:
    return [n for n in _nodes(content) if n.get("type") == "TextBlock"]


def test_an_oversized_answer_comes_back_with_the_error_and_all_of_its_text(
    bot: TeamsBot, core: Core, open_round: Round
) -> None:
    chat = PersonalChat(bot, "29:jansen")
    form = answer_form(chat, open_round)
    topic = teams_cards.inputs(form)["topic"]["choices"][0]["value"]
    too_long = "Ravijnjaar. " * (core.responses.max_chars // 10)

    chat.submit(teams_cards.press(form, submit_label(form), topic=topic, text=too_long), on="f")

    again = chat.adapter.updated_activities[-1]
    assert teams_cards.inputs(again)["text"]["value"] == too_long
    assert str(core.responses.max_chars) in teams_cards.text(again)
    member = core.members.by_email("a.jansen@zeist.example")
    assert member is not None and core.responses.of_member(member) == []


def test_installing_the_bot_welcomes_the_member_and_keeps_the_address(
    bot: TeamsBot, core: Core, open_round: Round
) -> None:
    chat = PersonalChat(bot, "29:jansen")
    update = Activity(
        type=ActivityTypes.conversation_update,
        members_added=[ChannelAccount(id="29:jansen"), BOT],
    )

    replies = chat.send(update)

    shown = "\n".join(teams_cards.text(r) for r in replies)
    assert "Welkom bij Inbreng" in shown and "Pijleroverleg Financiën" in shown
    assert address_of(core, "a.jansen@zeist.example") is not None


def test_a_repeated_activity_is_handled_once(bot: TeamsBot, open_round: Round) -> None:
    chat = PersonalChat(bot, "29:jansen")
    message = Activity(type=ActivityTypes.message, text="hulp", id="1:same-activity")

    assert len(chat.send(message)) == 1
    assert chat.send(message) == []


def test_in_a_channel_the_bot_points_to_the_personal_chat_and_keeps_nothing(
    bot: TeamsBot, core: Core, open_round: Round
) -> None:
    channel = PersonalChat(bot, "29:jansen", conversation_type="channel")

    (reply,) = channel.say("<at>Inbreng</at> mijn")

    assert "persoonlijke chat" in teams_cards.text(reply)
    assert address_of(core, "a.jansen@zeist.example") is None
