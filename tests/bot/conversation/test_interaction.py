"""Messages that behave like a modern bot's: a button updates the message it sits on, an
invitation that was answered says so, withdrawing and closing ask first, moments are
picked with the platforms' pickers, and typing `inbreng` offers the form's button.

Slack and Teams through their real endpoints, with the fake Web API and connector
keeping every message as last updated; the terminal through its session.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from adapters.console.session import ConsoleSession
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Round
from bot.services.rounds import RoundRequest
from testing.fakes.slack_web_api import FakeSlackWebApi, StoredMessage
from testing.fakes.teams_connector import FakeTeamsConnector
from testing.slack_harness import (
    MEMBER_ID,
    SECRETARIAT_ID,
    SLACK_USERS,
    SlackServer,
    all_text,
    shown_strings,
    wait_until,
)
from testing.teams_harness import JsonObject, TeamsServer, personal_message
from tests import teams_cards
from tests.support import OPERATOR, FakeClock, teams_tenant_of

ZONE = ZoneInfo("Europe/Amsterdam")
ANSWER = "Het ravijnjaar 2026 raakt onze begroting hard."


# -- Slack -----------------------------------------------------------------------------------


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def dm(slack: SlackServer, user_id: str) -> list[StoredMessage]:
    """The user's DM with the bot, every message as last updated."""
    return slack.slack.messages(slack.slack.dm_channel(user_id))


def shown(message: StoredMessage) -> str:
    """What a stored message shows, as all_text reads a call."""
    return "\n".join([message.text, *shown_strings(message.blocks)])


def buttons(message: StoredMessage) -> dict[str, dict[str, Any]]:
    """Button label -> the button as Slack shows it."""
    return buttons_in(message.blocks or [])


def buttons_in(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {
        element["text"]["text"]: element
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    }


def press(slack: SlackServer, user_id: str, message: StoredMessage, label: str) -> None:
    button = buttons(message)[label]
    slack.click(
        user_id,
        button["action_id"],
        button.get("value", ""),
        channel=slack.slack.dm_channel(user_id),
        message_ts=message.ts,
    )


def modal(slack: SlackServer, count: int = 1) -> dict[str, Any]:
    return cast(dict[str, Any], slack.slack.wait_for("views.open", count)[-1].params["view"])


def answer_values(text: str = ANSWER) -> dict[str, Any]:
    return {"topic": "overig", "text": text, "network_help": "", "attribution": "name"}


def test_declining_in_slack_updates_the_invitation_in_place(
    slack: SlackServer, open_round: Round
) -> None:
    slack.run_outbox()
    [invitation] = dm(slack, MEMBER_ID)
    press(slack, MEMBER_ID, invitation, "Niets deze keer")

    slack.slack.wait_for("chat.update")
    [updated] = dm(slack, MEMBER_ID)  # the same message, and no new one
    assert updated.ts == invitation.ts
    assert "geen herinneringen" in shown(updated)
    assert buttons(updated) == {}  # nothing left to press twice


def test_an_invitation_answered_in_slack_says_so_and_the_confirmation_follows(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    slack.run_outbox()
    [invitation] = dm(slack, MEMBER_ID)
    press(slack, MEMBER_ID, invitation, "Inbreng geven")
    form = modal(slack)
    assert json.loads(form["private_metadata"])["source"] == [invitation.channel, invitation.ts]

    reply = slack.submit(MEMBER_ID, form, answer_values())
    assert (reply.status, reply.body) == (200, "")
    slack.slack.wait_for("chat.update")
    first, confirmation = wait_until(lambda: dm(slack, MEMBER_ID)[1:] and dm(slack, MEMBER_ID))
    assert first.ts == invitation.ts
    assert "U hebt inbreng gegeven voor Pijleroverleg Financiën" in shown(first)
    assert buttons(first) == {}
    assert ANSWER in shown(confirmation)
    assert {"Wijzigen", "Intrekken", "Nog een"} <= set(buttons(confirmation))
    member = core.members.by_email(SLACK_USERS[MEMBER_ID])
    assert member is not None and len(core.responses.of_member(member)) == 1


def test_a_forged_source_in_the_modal_updates_nothing_and_the_answer_is_kept(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    """The source travels in private_metadata, which Slack returns as the bot set it; a
    source that names no message of the bot's is refused by Slack, the answer stays."""
    slack.run_outbox()
    [invitation] = dm(slack, MEMBER_ID)
    press(slack, MEMBER_ID, invitation, "Inbreng geven")
    form = modal(slack)
    form["private_metadata"] = json.dumps(
        {"context": f"round:{open_round.id}:invitation", "reply_to": "", "source": ["C0X", "1.2"]}
    )
    slack.submit(MEMBER_ID, form, answer_values())
    wait_until(lambda: dm(slack, MEMBER_ID)[1:])
    [update] = slack.slack.wait_for("chat.update")
    assert update.params["channel"] == "C0X"
    assert dm(slack, MEMBER_ID)[0].blocks == invitation.blocks  # untouched
    member = core.members.by_email(SLACK_USERS[MEMBER_ID])
    assert member is not None and len(core.responses.of_member(member)) == 1


def test_withdrawing_in_slack_asks_first_and_then_replaces_the_answer(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    slack.command(MEMBER_ID, f"inbreng {open_round.id}")
    slack.submit(MEMBER_ID, modal(slack), answer_values())
    [confirmation] = wait_until(lambda: dm(slack, MEMBER_ID))
    withdraw = buttons(confirmation)["Intrekken"]
    assert withdraw["style"] == "danger"
    dialog = withdraw["confirm"]
    assert dialog["title"]["text"] == "Inbreng intrekken?"
    assert "telt niet meer mee" in dialog["text"]["text"]
    assert (dialog["confirm"]["text"], dialog["deny"]["text"]) == ("Intrekken", "Terug")
    assert dialog["style"] == "danger"

    member = core.members.by_email(SLACK_USERS[MEMBER_ID])
    assert member is not None and len(core.responses.of_member(member)) == 1
    press(slack, MEMBER_ID, confirmation, "Intrekken")  # Slack sends it only once confirmed
    slack.slack.wait_for("chat.update")
    [withdrawn] = dm(slack, MEMBER_ID)
    assert withdrawn.ts == confirmation.ts
    assert "ingetrokken" in shown(withdrawn) and buttons(withdrawn) == {}
    assert core.responses.of_member(member) == []  # a member's own list leaves out withdrawn


def test_withdrawing_from_the_list_of_answers_answers_apart_and_keeps_the_list(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    """`mijn` is one private message with every answer: withdrawing one of them must not
    put the notice in the place of all the others."""
    slack.command(MEMBER_ID, f"inbreng {open_round.id}")
    slack.submit(MEMBER_ID, modal(slack), answer_values())
    slack.command(MEMBER_ID, "mijn")
    [listing] = slack.slack.wait_for("response_url")
    withdraw = buttons_in(listing.params["blocks"])["Intrekken"]
    assert "confirm" in withdraw

    slack.click(MEMBER_ID, withdraw["action_id"], withdraw["value"], ephemeral=True)
    notice = slack.slack.wait_for("response_url", 2)[-1]
    assert notice.params["replace_original"] in (False, "false")
    assert "ingetrokken" in all_text(notice)
    member = core.members.by_email(SLACK_USERS[MEMBER_ID])
    assert member is not None and core.responses.of_member(member) == []


def test_closing_a_round_in_slack_asks_first(slack: SlackServer, open_round: Round) -> None:
    slack.command(SECRETARIAT_ID, f"ronde {open_round.id}")
    [detail] = slack.slack.wait_for("response_url")
    close = buttons_in(detail.params["blocks"])["Uitvraag sluiten"]
    assert close["confirm"]["title"]["text"] == "Uitvraag sluiten?"
    assert close["confirm"]["confirm"]["text"] == "Sluiten"


def test_the_round_form_in_slack_picks_moments_with_the_datetimepicker(
    slack: SlackServer, core: Core, clock: FakeClock
) -> None:
    slack.command(SECRETARIAT_ID, "nieuw")
    form = modal(slack)
    pickers = {
        block["block_id"]: block["element"]
        for block in form["blocks"]
        if block["type"] == "input" and block["element"]["type"] == "datetimepicker"
    }
    assert set(pickers) == {"meeting_at", "opens_at", "closes_at"}
    # Opening now is prefilled, to the minute; the other moments are for the secretariat.
    assert abs(pickers["opens_at"]["initial_date_time"] - clock.now().timestamp()) < 60
    assert "initial_date_time" not in pickers["closes_at"]

    meeting = datetime(2026, 12, 20, 14, 0, tzinfo=ZONE)
    closes = datetime(2026, 12, 15, 17, 0, tzinfo=ZONE)
    values = {
        "pillar": "bestuur",
        "meeting_title": "Pijleroverleg Bestuur",
        "meeting_at": int(meeting.timestamp()),
        "opens_at": None,  # as prefilled
        "closes_at": int(closes.timestamp()),
        "reminders": "7d,2d",
        "audience": "pillar",
    }
    reply = slack.submit(SECRETARIAT_ID, form, values)
    assert (reply.status, reply.body) == (200, "")
    slack.settle()  # stored after the acknowledgement
    [created] = core.rounds.find()
    assert (created.meeting.starts_at, created.closes_at) == (meeting, closes)
    assert created.status.value == "open"


def test_the_round_form_in_slack_shows_a_missing_moment_beside_its_picker(
    slack: SlackServer, core: Core
) -> None:
    slack.command(SECRETARIAT_ID, "nieuw")
    values = {"pillar": "bestuur", "meeting_at": None, "opens_at": None, "closes_at": None}
    reply = slack.submit(SECRETARIAT_ID, modal(slack), values)
    errors = reply.json()["errors"]
    assert set(errors) == {"meeting_at", "closes_at"}
    assert core.rounds.find() == []


def test_typing_inbreng_in_the_dm_offers_the_button_that_opens_the_form(
    slack: SlackServer, open_round: Round
) -> None:
    event = {
        "type": "message",
        "user": MEMBER_ID,
        "channel": slack.slack.dm_channel(MEMBER_ID),
        "channel_type": "im",
        "text": "inbreng",
        "ts": "1700000001.000200",
    }
    assert slack.event(event, event_id="Ev0INBRENG").status == 200
    [offer] = wait_until(lambda: dm(slack, MEMBER_ID))
    assert "Het formulier opent met de knop hieronder." in shown(offer)
    assert "verlopen" not in shown(offer)
    assert slack.slack.calls_to("views.open") == []

    press(slack, MEMBER_ID, offer, "Formulier openen")
    form = modal(slack)
    assert json.loads(form["private_metadata"])["context"] == f"round:{open_round.id}"


# -- Teams -----------------------------------------------------------------------------------

JANSEN, SCHOUTEN = "29:jansen", "29:schouten"
TEAMS_USERS = {JANSEN: "a.jansen@zeist.example", SCHOUTEN: "y.schouten@pmg.example"}


@pytest.fixture
def connector() -> Iterator[FakeTeamsConnector]:
    with FakeTeamsConnector() as fake:
        for user_id, email in TEAMS_USERS.items():
            fake.add_user(user_id, name=email, email=email, tenant_id=teams_tenant_of(email))
        yield fake


@pytest.fixture
def teams(conversation: Conversation) -> Iterator[TeamsServer]:
    server = TeamsServer(conversation)
    yield server
    server.stop()


def send(teams: TeamsServer, connector: FakeTeamsConnector, user_id: str, **fields: Any) -> None:
    tenant = teams_tenant_of(TEAMS_USERS[user_id])
    reply = teams.post(personal_message(connector.url, user_id, tenant=tenant, **fields))
    assert reply.status in (200, 201)


def chat(connector: FakeTeamsConnector, user_id: str) -> list[JsonObject]:
    return connector.activities(f"a:{user_id}")


def press_card(
    teams: TeamsServer,
    connector: FakeTeamsConnector,
    user_id: str,
    card: JsonObject,
    title: str,
    **typed: str,
) -> None:
    value = teams_cards.press(card, title, **typed)
    send(teams, connector, user_id, value=value, replyToId=card["id"])


def invited(teams: TeamsServer, connector: FakeTeamsConnector, core: Core) -> JsonObject:
    """Jansen's invitation card, sent by the outbox after she first wrote to the bot."""
    send(teams, connector, JANSEN, text="hulp")
    teams.run_outbox()
    invitation = chat(connector, JANSEN)[-1]
    assert "Uw inbreng voor Pijleroverleg Financiën" in teams_cards.text(invitation)
    return invitation


def test_declining_in_teams_updates_the_invitation_card(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, open_round: Round
) -> None:
    invitation = invited(teams, connector, core)
    before = len(chat(connector, JANSEN))
    press_card(teams, connector, JANSEN, invitation, "Niets deze keer")

    assert len(chat(connector, JANSEN)) == before  # updated, not added
    updated = next(a for a in chat(connector, JANSEN) if a["id"] == invitation["id"])
    assert "geen herinneringen" in teams_cards.text(updated)
    assert teams_cards.actions(updated) == {}


def test_an_invitation_answered_in_teams_says_so_and_the_form_becomes_the_confirmation(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, open_round: Round
) -> None:
    invitation = invited(teams, connector, core)
    press_card(teams, connector, JANSEN, invitation, "Inbreng geven")
    form = chat(connector, JANSEN)[-1]
    submit = next(t for t, d in teams_cards.actions(form).items() if d.get("inbreng") == "form")
    assert teams_cards.actions(form)[submit]["source"] == invitation["id"]

    count = len(chat(connector, JANSEN))
    topic = teams_cards.inputs(form)["topic"]["choices"][0]["value"]
    press_card(teams, connector, JANSEN, form, submit, topic=topic, text=ANSWER)

    shown = {a["id"]: a for a in chat(connector, JANSEN)}
    assert len(shown) == count  # the form became the confirmation; nothing was added
    assert "U hebt inbreng gegeven" in teams_cards.text(shown[invitation["id"]])
    assert teams_cards.actions(shown[invitation["id"]]) == {}
    confirmation = shown[form["id"]]
    assert ANSWER in teams_cards.text(confirmation)
    assert {"Wijzigen", "Intrekken", "Nog een"} <= set(teams_cards.actions(confirmation))


def test_withdrawing_in_teams_asks_first_and_then_replaces_the_answer(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, open_round: Round
) -> None:
    send(teams, connector, JANSEN, text=f"inbreng {open_round.id}")
    form = chat(connector, JANSEN)[-1]
    topic = teams_cards.inputs(form)["topic"]["choices"][0]["value"]
    press_card(teams, connector, JANSEN, form, "Versturen", topic=topic, text=ANSWER)
    confirmation = chat(connector, JANSEN)[-1]

    # The card's own button only opens the question; the button inside it goes ahead.
    card = teams_cards.card_of(confirmation)
    [question] = [a for a in card["actions"] if a["type"] == "Action.ShowCard"]
    assert question["title"] == "Intrekken"
    asked = question["card"]
    assert "Inbreng intrekken?" in teams_cards.text(confirmation)
    [go_ahead] = asked["actions"]
    assert (go_ahead["type"], go_ahead["style"]) == ("Action.Submit", "destructive")
    member = core.members.by_email(TEAMS_USERS[JANSEN])
    assert member is not None
    assert core.responses.of_member(member)[0].withdrawn_at is None  # nothing happened yet

    send(teams, connector, JANSEN, value=go_ahead["data"], replyToId=confirmation["id"])
    updated = next(a for a in chat(connector, JANSEN) if a["id"] == confirmation["id"])
    assert "ingetrokken" in teams_cards.text(updated)
    assert teams_cards.actions(updated) == {}
    assert core.responses.of_member(member) == []


def test_the_round_form_in_teams_picks_moments_with_date_and_time_inputs(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, clock: FakeClock
) -> None:
    send(teams, connector, SCHOUTEN, text="nieuw")
    form = chat(connector, SCHOUTEN)[-1]
    inputs = teams_cards.inputs(form)
    for name in ("meeting_at", "opens_at", "closes_at"):
        assert (inputs[name]["type"], inputs[f"{name}.time"]["type"]) == (
            "Input.Date",
            "Input.Time",
        )
    now = clock.now().astimezone(ZONE)
    assert inputs["opens_at"]["value"] == now.strftime("%Y-%m-%d")
    assert inputs["opens_at.time"]["value"] == now.strftime("%H:%M")

    typed = {
        "pillar": "bestuur",
        "meeting_title": "Pijleroverleg Bestuur",
        "meeting_at": "2026-12-20",
        "meeting_at.time": "14:00",
        "closes_at": "2026-12-15",
        "closes_at.time": "17:00",
    }
    press_card(teams, connector, SCHOUTEN, form, "Aanmaken", **typed)
    [created] = core.rounds.find()
    assert created.meeting.starts_at == datetime(2026, 12, 20, 14, 0, tzinfo=ZONE)
    assert created.closes_at == datetime(2026, 12, 15, 17, 0, tzinfo=ZONE)


def test_a_date_without_a_time_in_teams_comes_back_with_a_clear_error(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core
) -> None:
    send(teams, connector, SCHOUTEN, text="nieuw")
    form = chat(connector, SCHOUTEN)[-1]
    typed = {"pillar": "bestuur", "meeting_at": "2026-12-20", "meeting_at.time": "",
             "closes_at": "2026-12-15", "closes_at.time": "17:00"}  # fmt: skip
    press_card(teams, connector, SCHOUTEN, form, "Aanmaken", **typed)
    again = next(a for a in chat(connector, SCHOUTEN) if a["id"] == form["id"])
    assert "2026-12-20" in teams_cards.text(again)  # the error names what was given
    assert teams_cards.inputs(again)["closes_at.time"]["value"] == "17:00"  # kept
    assert core.rounds.find() == []


# -- the terminal ----------------------------------------------------------------------------


def terminal(
    conversation: Conversation, email: str, typed: list[str], said: list[str], files: Any
) -> tuple[ConsoleSession, Iterator[str]]:
    """A terminal session that reads `typed` line by line and writes into `said`."""
    lines = iter(typed)
    session = ConsoleSession(
        conversation=conversation,
        email=email,
        language="nl",
        ask=lambda prompt: next(lines),
        say=said.append,
        files_dir=files,
    )
    return session, lines


def test_the_terminal_asks_before_withdrawing_and_no_changes_nothing(
    conversation: Conversation, core: Core, open_round: Round, tmp_path: Any
) -> None:
    member = core.members.by_email("a.jansen@zeist.example")
    assert member is not None
    typed = ["1", ANSWER, "", "", "", "2", "nee", "2", "ja"]  # ... [2] Intrekken
    said: list[str] = []
    session, lines = terminal(conversation, member.email, typed, said, tmp_path)
    session.send(f"inbreng {open_round.id}")
    assert core.responses.of_member(member)[0].withdrawn_at is None
    session.send(next(lines))  # "2": Intrekken, answered "nee"
    assert "Niets gedaan." in said
    assert core.responses.of_member(member)[0].withdrawn_at is None
    session.send(next(lines))  # "2" again, answered "ja"
    assert core.responses.of_member(member) == []
    assert any("Inbreng intrekken?" in line for line in said)


def test_an_invitation_answered_in_the_terminal_shows_only_the_confirmation(
    conversation: Conversation, core: Core, open_round: Round, clock: FakeClock, tmp_path: Any
) -> None:
    core.rounds.create(  # a second open round, so that `inbreng` shows both invitations
        RoundRequest(
            pillar_slug="financien",
            meeting_title="Tweede overleg",
            meeting_at=clock.now() + timedelta(days=20),
            closes_at=clock.now() + timedelta(days=10),
        ),
        actor=OPERATOR,
    )
    said: list[str] = []
    typed = ["1", ANSWER, "", "", ""]
    session, _ = terminal(conversation, "a.jansen@zeist.example", typed, said, tmp_path)
    session.send("inbreng")
    assert "Uw inbreng voor Tweede overleg" in "\n".join(said)
    session.send("1")  # the answer button of the invitation: the form, then the confirmation
    shown = "\n".join(said)
    assert ANSWER in shown
    assert "U hebt inbreng gegeven" not in shown  # that only updates a message in a chat


def test_a_moment_in_the_past_keeps_being_refused_by_the_round_rules(
    conversation: Conversation, core: Core, clock: FakeClock, tmp_path: Any
) -> None:
    """Pickers change how a moment is entered, not what is allowed."""
    past = (clock.now() - timedelta(days=1)).astimezone(ZONE)
    said: list[str] = []
    typed = ["1", "", "2026-12-20 14:00", "", past.strftime("%Y-%m-%d %H:%M"), "", "", "", "",
             "stop"]  # fmt: skip
    session, _ = terminal(conversation, "y.schouten@pmg.example", typed, said, tmp_path)
    session.send("nieuw")
    assert core.rounds.find() == []
    assert any(line.startswith("! ") for line in said)
