"""Whole conversations through the console adapter, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Attribution, DeliveryKind, DeliveryStatus, Round, RoundStatus
from bot.events import ButtonEvent, MessageEvent
from bot.ports import UnitOfWorkFactory
from tests.support import (
    COLLEAGUE,
    ENGLISH_MEMBER,
    LEAD,
    MEMBER,
    OPERATOR,
    SECRETARIAT,
    STRANGER,
    FakeClock,
    ScriptedChat,
    actor,
    texts_of,
)

Chat = Callable[[str], ScriptedChat]

# The answer form's prompts: topic (1 = onderwijshuisvesting), challenge and network help
# (each ended by an empty line), attribution (Enter keeps "with my name").
ANSWER = ("1", "Normbedragen voor nieuwbouw liggen ver onder de bouwkosten.", "",
          "Een benchmark van bouwkosten.", "", "")  # fmt: skip


def sent_to(core: Core, round_id: int) -> int:
    """How many deliveries the round has, as `ronde N` shows them to the secretariat."""
    details = core.reports.read_details(round_id, reader=OPERATOR)
    assert details.deliveries is not None
    return sum(details.deliveries.values())


def test_member_answers_and_gets_a_confirmation(
    chat: Chat, open_round: Round, core: Core, uow_factory: UnitOfWorkFactory
) -> None:
    output = chat(MEMBER).type("inbreng", *ANSWER)

    assert "Dank u wel! Uw inbreng (nr. " in output
    assert "Normbedragen voor nieuwbouw liggen ver onder de bouwkosten." in output
    assert "Onderwijshuisvesting" in output
    assert "[1] Wijzigen  [2] Intrekken  [3] Nog een" in output
    with uow_factory() as uow:
        (response,) = uow.responses.for_round(open_round.id)
        topic = uow.pillars.get_topic(response.topic_id or 0)
    assert topic is not None and topic.slug == "onderwijshuisvesting"
    assert response.network_help == "Een benchmark van bouwkosten."
    assert response.attribution == Attribution.NAME


def test_a_member_gives_several_answers_with_the_another_button(
    chat: Chat, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    session = chat(MEMBER)
    session.type("inbreng", *ANSWER)
    output = session.type("3", "6", "Het ravijnjaar dwingt tot keuzes.", "", "", "3")

    assert "Het ravijnjaar dwingt tot keuzes." in output
    assert "Anoniem" in output
    with uow_factory() as uow:
        responses = uow.responses.for_round(open_round.id)
    assert [r.text for r in responses] == [
        "Normbedragen voor nieuwbouw liggen ver onder de bouwkosten.",
        "Het ravijnjaar dwingt tot keuzes.",
    ]
    assert responses[1].attribution == Attribution.ANONYMOUS


def test_member_lists_edits_and_withdraws_their_answers(
    chat: Chat, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    session = chat(MEMBER)
    session.type("inbreng", *ANSWER)
    with uow_factory() as uow:
        (response,) = uow.responses.for_round(open_round.id)

    listing = session.type("mijn")
    assert "Uw inbreng (1)" in listing
    assert f"Inbreng {response.id}, gegeven op" in listing

    # Edit: Enter keeps the topic and the network help; the text is replaced.
    edited = session.type(f"wijzig {response.id}", "", "Nieuwe tekst van het vraagstuk.", "",
                          "", "")  # fmt: skip
    assert f"Uw inbreng (nr. {response.id}) is gewijzigd." in edited
    with uow_factory() as uow:
        current = uow.responses.get(response.id)
        revisions = uow.responses.revisions(response.id)
    assert current is not None and current.text == "Nieuwe tekst van het vraagstuk."
    assert current.network_help == "Een benchmark van bouwkosten."
    assert current.edited_at is not None
    assert [r.text for r in revisions] == [response.text]

    withdrawn = session.type(f"intrekken {response.id}")
    assert f"Uw inbreng nr. {response.id} voor Pijleroverleg Financiën is ingetrokken." in withdrawn
    with uow_factory() as uow:
        assert uow.responses.for_round(open_round.id) == []
        gone = uow.responses.get(response.id)
    assert gone is not None and gone.withdrawn_at is not None


def test_member_declines_and_answering_later_lifts_it(
    chat: Chat, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    session = chat(COLLEAGUE)
    output = session.type("niets deze keer")
    assert "niets deze keer voor Pijleroverleg Financiën" in output
    with uow_factory() as uow:
        member = uow.members.by_email(COLLEAGUE)
        assert member is not None
        assert member.id in uow.rounds.declined_member_ids(open_round.id)

    session.type("inbreng", *ANSWER)
    with uow_factory() as uow:
        assert member.id not in uow.rounds.declined_member_ids(open_round.id)


def test_free_text_gets_a_helpful_answer_that_can_start_an_answer(
    chat: Chat, open_round: Round
) -> None:
    session = chat(MEMBER)
    output = session.type("Goedemorgen, hoe werkt dit?")
    assert "Dat begrijp ik niet als opdracht" in output
    assert "[1] Inbreng voor Pijleroverleg Financiën" in output
    assert "Dank u wel!" in session.type("1", *ANSWER)


def test_help_depends_on_the_role(chat: Chat) -> None:
    member_help = chat(MEMBER).type("hulp")
    lead_help = chat(LEAD).type("help")
    secretariat_help = chat(SECRETARIAT).type("help")

    assert "inbreng [ronde]" in member_help
    assert "Voor pijlertrekkers" not in member_help
    assert "Voor pijlertrekkers" in lead_help and "Voor het secretariaat" not in lead_help
    assert "Voor het secretariaat" in secretariat_help


def test_english_members_get_english(chat: Chat, open_round: Round) -> None:
    session = chat(ENGLISH_MEMBER)
    assert "answer [round]" in session.type("help")
    output = session.type("answer", *ANSWER)
    assert "Thank you! Your answer (no. " in output
    assert "With my name and municipality" in output


def test_member_switches_language(chat: Chat) -> None:
    session = chat(MEMBER)
    assert "From now on I will speak English" in session.type("taal en")
    assert "answer [round]" in session.type("help")


def test_member_notes_an_absence_and_returns(chat: Chat, core: Core) -> None:
    session = chat(MEMBER)  # the clock says Tuesday 1 December 2026
    assert "U staat niet als afwezig genoteerd." in session.type("afwezig")
    assert "afwezig tot en met donderdag 24 december 2026" in session.type("afwezig tot 24-12-2026")
    member = core.members.by_email(MEMBER)
    assert member is not None and member.out_of_office_until == date(2026, 12, 24)
    assert "tot en met donderdag 24 december 2026" in session.type("afwezig")
    assert "“morgen” is geen datum." in session.type("afwezig tot morgen")
    assert "ligt al achter ons" in session.type("afwezig tot 2026-11-30")
    assert "meer dan een jaar vooruit" in session.type("afwezig tot 2028-01-01")
    assert "Welkom terug" in session.type("terug")
    member = core.members.by_email(MEMBER)
    assert member is not None and member.out_of_office_until is None


@pytest.mark.parametrize(
    "typed",
    ["24 december", "24 dec", "24 december 2026", "24-12", "24/12/2026", "donderdag 24 dec"],
)
def test_an_absence_takes_the_dates_a_dutch_member_types(
    typed: str, chat: Chat, core: Core
) -> None:
    session = chat(MEMBER)  # the clock says Tuesday 1 December 2026: 24 December is this year's
    assert "tot en met donderdag 24 december 2026" in session.type(f"afwezig tot {typed}")
    member = core.members.by_email(MEMBER)
    assert member is not None and member.out_of_office_until == date(2026, 12, 24)


def test_an_english_member_is_away_until_a_day_in_english(chat: Chat, core: Core) -> None:
    session = chat(ENGLISH_MEMBER)
    assert "until the end of Thursday 24 December 2026" in session.type("away until 24 Dec")
    assert "“tomorrow” is not a date. Write for example 24-12-2026, 24 December" in session.type(
        "away until tomorrow"
    )


def test_lead_sees_status_and_summary_of_their_pillar(
    chat: Chat, open_round: Round, conversation: Conversation
) -> None:
    chat(MEMBER).type("inbreng", *ANSWER)
    chat(COLLEAGUE).type("niets")

    status = chat(LEAD).type(f"status {open_round.id}")
    assert f"Respons op uitvraag {open_round.id}" in status
    assert "1 van 14 gemeenten hebben gereageerd" not in status  # counts the audience
    assert "Zeist:\n    1 van 3 leden gereageerd, 1 inbreng" in status
    assert "Lochem:\n    nog geen reactie" in status

    summary = chat(LEAD).type("samenvatting")
    assert "Tussenstand: 1 inbreng van 1 gemeente." in summary
    assert "Onderwijshuisvesting: 1 inbreng, 1 gemeente" in summary
    assert "“Normbedragen voor nieuwbouw liggen ver onder de bouwkosten.” (Anna Jansen, Zeist)" in (
        summary
    )


def test_secretariat_creates_and_closes_a_round_in_the_chat(
    chat: Chat, core: Core, uow_factory: UnitOfWorkFactory
) -> None:
    session = chat(SECRETARIAT)
    # pillar 1 (Financiën), title, meeting, opens (Enter: now), closes, question,
    # reminders (Enter: 7d,2d), audience (Enter: pillar), options: remind per municipality
    created = session.type(
        "nieuw", "1", "Pijleroverleg december", "2026-12-18 14:00", "", "2026-12-11 17:00",
        "Wat speelt er rond de begroting?", "", "", "", "1",
    )  # fmt: skip
    assert "Uitvraag 1 voor Pijleroverleg december is aangemaakt." in created
    round_ = core.rounds.get(1)
    assert round_.status == RoundStatus.OPEN
    assert round_.question == "Wat speelt er rond de begroting?"
    assert [r.days for r in round_.reminders] == [7, 2]
    assert round_.remind_per_organisation and not round_.post_summary_directly
    assert sent_to(core, 1) > 10  # an invitation per member asked

    chat(MEMBER).type("inbreng 1", *ANSWER)
    closed = session.type("sluit 1")
    assert "Uitvraag 1 (Pijleroverleg december) is gesloten." in closed
    assert "Samenvatting van uitvraag 1" in closed
    assert core.rounds.get(1).status == RoundStatus.SUMMARISED
    with uow_factory() as uow:
        summary = uow.summaries.latest_for_round(1)
        actions = [e.action for e in uow.audit.list(subject_type="round", subject_id=1)]
    assert summary is not None and summary.body["answers"] == 1
    # Closing shows the summary: that read is in the audit log too.
    assert actions == ["round.created", "round.opened", "round.closed", "summary.viewed"]
    # The pillar's lead gets the draft to review (the secretariat closed it and saw it).
    reviews = [d for d in core.deliveries.for_round(1) if d.kind == DeliveryKind.SUMMARY]
    lead = core.members.by_email(LEAD)
    assert lead is not None and [d.member_id for d in reviews] == [lead.id]

    refused = chat(MEMBER).type("inbreng 1")
    assert "hij is al gesloten" in refused


def test_secretariat_cancels_a_round_in_the_chat_and_its_invitations_are_dropped(
    chat: Chat, core: Core, open_round: Round
) -> None:
    pending = sent_to(core, open_round.id)
    cancelled = chat(SECRETARIAT).type(f"annuleer {open_round.id}")
    again = chat(SECRETARIAT).type(f"annuleer {open_round.id}")
    without_number = chat(SECRETARIAT).type("annuleer")

    assert f"Uitvraag {open_round.id} (Pijleroverleg Financiën) is geannuleerd." in cancelled
    assert f"Uitvraag {open_round.id} is geannuleerd" in again
    assert "bijvoorbeeld: annuleer 3." in without_number
    assert core.rounds.get(open_round.id).status == RoundStatus.CANCELLED
    statuses = {d.status for d in core.deliveries.for_round(open_round.id)}
    assert pending > 0 and statuses == {DeliveryStatus.DROPPED}
    assert "hij is geannuleerd" in chat(MEMBER).type(f"inbreng {open_round.id}")


def test_round_form_errors_are_shown_beside_the_fields_and_nothing_is_lost(
    chat: Chat, core: Core
) -> None:
    session = chat(SECRETARIAT)
    output = session.type(
        "nieuw", "1", "Overleg", "morgen", "", "2026-12-11 17:00", "Vraag", "", "elke week", "",
        "",
        # the same form again, with the errors shown: fix the two fields, keep the rest
        "", "", "2026-12-18 14:00", "", "", "", "7d", "", "",
    )  # fmt: skip
    assert "Begin van het overleg: “morgen” is geen datum met tijd." in output
    assert "“elke week” begrijp ik niet als herinneringen." in output
    assert "Uitvraag 1 voor Overleg is aangemaakt." in output
    assert core.rounds.get(1).question == "Vraag"


def test_the_round_form_takes_dates_as_a_dutch_secretary_types_them(chat: Chat, core: Core) -> None:
    session = chat(SECRETARIAT)  # the clock says Tuesday 1 December 2026
    output = session.type(
        "nieuw", "1", "Overleg", "18 december 14.00", "nu", "11-12-2026 17:00", "Vraag", "", "7d",
        "", "",
    )  # fmt: skip
    assert "Uitvraag 1 voor Overleg is aangemaakt." in output
    round_ = core.rounds.get(1)
    assert round_.meeting.starts_at == datetime(2026, 12, 18, 13, 0, tzinfo=UTC)
    assert round_.closes_at == datetime(2026, 12, 11, 16, 0, tzinfo=UTC)


def test_a_moment_without_a_time_is_refused_naming_the_field(chat: Chat, core: Core) -> None:
    session = chat(SECRETARIAT)
    output = session.type(
        "nieuw", "1", "Overleg", "2026-12-18 14:00", "", "11 december", "Vraag", "", "7d", "",
        "",
        "", "", "", "", "11 december 17:00", "", "", "", "",
    )  # fmt: skip
    assert "Sluiting: bij “11 december” hoort ook een tijd, bijvoorbeeld 11 december 14:00." in (
        output
    )
    assert core.rounds.get(1).closes_at == datetime(2026, 12, 11, 16, 0, tzinfo=UTC)


def test_member_exports_their_data(chat: Chat, open_round: Round, tmp_path: Path) -> None:
    session = chat(MEMBER)
    session.type("inbreng", *ANSWER)
    output = session.type("privacy export")

    (exported,) = tmp_path.glob("inbreng-*.json")
    assert f"Opgeslagen in {exported}" in output
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["member"]["email"] == MEMBER
    assert data["member"]["organisation"] == "Zeist"
    assert data["answers"][0]["text"] == ANSWER[1]
    assert data["identities"] == [{"platform": "console", "tenant": "local", "user_id": MEMBER}]


def test_member_erases_their_data_keeping_answers_anonymised(
    chat: Chat, open_round: Round, uow_factory: UnitOfWorkFactory, conversation: Conversation
) -> None:
    session = chat(MEMBER)
    session.type("inbreng", *ANSWER)
    # answers: 1 = keep anonymised; confirm: 1 = yes
    output = session.type("privacy wissen", "1", "1")
    assert "Uw gegevens zijn gewist. 1 inbreng is anoniem bewaard." in output

    with uow_factory() as uow:
        (response,) = uow.responses.for_round(open_round.id)
        assert uow.members.by_email(MEMBER) is None
    assert response.member_id is None
    assert response.attribution == Attribution.ANONYMOUS
    assert response.text == ANSWER[1]
    # The identity is gone too: the same person is now a stranger.
    reply = conversation.handle(MessageEvent(actor=actor(MEMBER), text="help"))
    assert "ik ken u niet als lid" in texts_of(reply)


def test_member_erases_their_data_with_their_answers(
    chat: Chat, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    session = chat(MEMBER)
    session.type("inbreng", *ANSWER)
    output = session.type("privacy wissen", "2", "1")
    assert "1 inbreng is verwijderd." in output
    with uow_factory() as uow:
        assert uow.responses.for_round(open_round.id, include_withdrawn=True) == []


def test_erasure_needs_confirmation(
    chat: Chat, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    session = chat(MEMBER)
    # Enter skips the confirmation: the form comes back; "stop" leaves it.
    output = session.type("privacy wissen", "1", "", "", "stop")
    assert "Bevestig dat u uw gegevens wilt wissen." in output
    with uow_factory() as uow:
        assert uow.members.by_email(MEMBER) is not None


def test_buttons_and_typed_commands_do_the_same(
    conversation: Conversation, open_round: Round
) -> None:
    typed = conversation.handle(MessageEvent(actor=actor(MEMBER), text=f"inbreng {open_round.id}"))
    pressed = conversation.handle(
        ButtonEvent(actor=actor(MEMBER), action="answer", value=str(open_round.id))
    )
    assert typed == pressed
    assert typed[0].form is not None and typed[0].form.context == f"round:{open_round.id}"


def test_strangers_get_a_polite_answer_in_both_languages(
    conversation: Conversation, uow_factory: UnitOfWorkFactory
) -> None:
    reply = texts_of(conversation.handle(MessageEvent(actor=actor(STRANGER), text="inbreng")))
    assert "ik ken u niet als lid van het netwerk" in reply
    assert "I don't know you as a member of the network" in reply


def test_the_round_closes_for_answers_at_its_closing_time(
    chat: Chat, open_round: Round, clock: FakeClock
) -> None:
    clock.moment = open_round.closes_at
    assert "Er staat op dit moment geen uitvraag voor u open." in chat(MEMBER).type("inbreng")
    assert "staat niet open" in chat(MEMBER).type(f"inbreng {open_round.id}")


def test_a_scheduled_round_opens_when_its_time_comes(
    core: Core, clock: FakeClock, scheduled_round: Round
) -> None:
    round_ = scheduled_round
    assert round_.status == RoundStatus.SCHEDULED
    assert core.rounds.open_due() == []
    assert sent_to(core, round_.id) == 0

    clock.advance(days=1)
    (opened,) = core.rounds.open_due()
    assert opened.id == round_.id and opened.status == RoundStatus.OPEN
    assert sent_to(core, round_.id) == 39  # the pillar's audience


def test_the_terminal_speaks_the_new_language_at_once(chat: Chat, open_round: Round) -> None:
    """The terminal's own words (prompts, "type a number") follow `taal en` too, not only
    the bot's messages."""
    session = chat(MEMBER)
    assert "Typ een nummer om te kiezen:" in session.type("rondes")

    switched = session.type("taal en")
    answered = session.type("rounds")

    assert "Type a number to choose:" in switched + answered
    assert "Typ een nummer" not in answered
    assert "Several lines; finish with an empty line." in session.type("answer", *ANSWER)
