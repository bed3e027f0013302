"""Bad input: every kind gets a clear answer in the member's language, and loses nothing.

Each test runs on SQLite and PostgreSQL. Refusals are checked twice: the exact text the
member reads (from prompts/*/texts.yaml), and the database, whose every table must be the
same before and after (nothing half-stored, nothing else lost).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta

import pytest

from adapters.console.render import render_message
from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Attribution, Platform, Response, Round, RoundStatus
from bot.events import Actor, ButtonEvent, CommandEvent, Event, FormEvent, MessageEvent
from bot.markup import escape as m
from bot.markup import plain
from bot.messages import Button, Field, Form, Message, TextField
from bot.ports import UnitOfWorkFactory
from bot.services.responses import AnswerInput
from bot.services.rounds import RoundRequest
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from tests.db_snapshot import Snapshot, snapshot
from tests.support import (
    COLLEAGUE,
    ENGLISH_MEMBER,
    LEAD,
    MEMBER,
    OPERATOR,
    OTHER_LEAD,
    OTHER_PILLAR_MEMBER,
    SECRETARIAT,
    STRANGER,
    TRUSTED_TEAM,
    FakeClock,
    ScriptedChat,
    actor,
    texts_of,
)

Chat = Callable[[str], ScriptedChat]

TEXT = "Normbedragen voor nieuwbouw liggen ver onder de bouwkosten."
FINANCIEN_TOPICS = (
    "onderwijshuisvesting, btw-compensatiefonds, financiering-energietransitie, verduurzaming, "
    "verdeelmodel-sociaal-domein, herziening-gemeentefonds, anders"
)

NL = {
    "not_a_member": "Sorry, ik ken u niet als lid van het netwerk, dus ik kan u niet helpen en "
    "heb niets van u opgeslagen. Neem contact op met het secretariaat als u wel lid bent.",
    "not_allowed": "Dat mag alleen een pijlertrekker van deze pijler of het secretariaat.",
    "secretariat_only": "Dat mag alleen het secretariaat.",
    "unknown_action": "Deze knop werkt niet meer. Typ hulp voor wat ik kan.",
    "unknown_form": "Dit formulier kan ik niet (meer) verwerken. Begin opnieuw met inbreng.",
    "text_empty": "Vul het vraagstuk in; een lege inbreng kan ik niet opslaan.",
    "no_reportable_rounds": "Er is nog geen uitvraag waarvan u de status of samenvatting kunt "
    "zien.",
}
EN_NOT_A_MEMBER = (
    "Sorry, I don't know you as a member of the network, so I cannot help you and have "
    "stored nothing about you. Please contact the secretariat if you are a member."
)


# --- helpers ----------------------------------------------------------------------------


def count(state: Snapshot, table: str) -> int:
    return len(state[table])


def linked(conversation: Conversation, *emails: str) -> None:
    """A first contact links each member's console identity (a write of its own)."""
    for email in emails:
        conversation.handle(MessageEvent(actor=actor(email), text="hulp"))


def answer_values(
    *,
    topic: str = "onderwijshuisvesting",
    text: str = TEXT,
    network_help: str = "",
    attribution: str = Attribution.NAME.value,
) -> dict[str, str | tuple[str, ...]]:
    return {
        "topic": topic,
        "text": text,
        "network_help": network_help,
        "attribution": attribution,
    }


def submit(
    conversation: Conversation,
    email: str,
    context: str,
    values: Mapping[str, str | tuple[str, ...]],
    *,
    form_id: str = "answer",
) -> list[Message]:
    return conversation.handle(
        FormEvent(actor=actor(email), form_id=form_id, context=context, values=values)
    )


def say(conversation: Conversation, email: str, text: str) -> str:
    """What the member reads after typing `text`."""
    return texts_of(conversation.handle(MessageEvent(actor=actor(email), text=text)))


def say_messages(conversation: Conversation, email: str, text: str) -> list[Message]:
    return conversation.handle(MessageEvent(actor=actor(email), text=text))


def only_text(messages: list[Message]) -> str:
    """The one plain message of a refusal: no form, no buttons."""
    assert len(messages) == 1, messages
    (message,) = messages
    assert message.form is None and not message.buttons
    return plain(message.text)


def returned_form(messages: list[Message]) -> Form:
    assert len(messages) == 1, messages
    form = messages[0].form
    assert form is not None, messages
    return form


def text_field(form: Form, name: str) -> TextField:
    field = next(f for f in form.fields if f.name == name)
    assert isinstance(field, TextField)
    return field


def initial_of(form: Form, name: str) -> object:
    return next(f.initial for f in form.fields if f.name == name)


def given_answer(core: Core, email: str, round_id: int, text: str = TEXT) -> Response:
    member = core.members.by_email(email)
    assert member is not None
    return core.responses.submit(
        member, round_id, AnswerInput(topic="onderwijshuisvesting", text=text)
    )


def too_long(length: int, limit: int, *, english: bool = False) -> str:
    if english:
        return (
            f"This is too long: {length} characters, the limit is {limit}. Please shorten it; "
            "nothing has been lost."
        )
    return (
        f"Dit is te lang: {length} tekens, het maximum is {limit}. Kort de tekst in; er is "
        "niets verloren gegaan."
    )


# --- empty and over-long answers --------------------------------------------------------


def test_an_empty_answer_comes_back_with_the_error_and_nothing_is_stored(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    values = answer_values(text="", network_help="Een benchmark.")
    form = returned_form(submit(conversation, MEMBER, f"round:{open_round.id}", values))

    assert form.errors == {"text": NL["text_empty"]}
    assert form.context == f"round:{open_round.id}"
    # What was filled in stays filled in.
    assert initial_of(form, "topic") == "onderwijshuisvesting"
    assert initial_of(form, "network_help") == "Een benchmark."
    after = snapshot(database_url)
    assert after == before
    assert count(after, "responses") == 0


def test_a_whitespace_only_answer_is_empty(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    for blank in ("   ", " \n\t \r\n ", "\x00\x07 \x1b", "\u00a0\u2003 \u3000"):
        values = answer_values(text=blank)
        form = returned_form(submit(conversation, MEMBER, f"round:{open_round.id}", values))
        assert form.errors == {"text": NL["text_empty"]}, repr(blank)

    after = snapshot(database_url)
    assert after == before
    assert count(after, "responses") == 0 and count(after, "audit_events") > 0


def test_an_answer_over_the_limit_comes_back_whole_with_the_limit_and_its_length(
    conversation: Conversation,
    open_round: Round,
    database_url: str,
    uow_factory: UnitOfWorkFactory,
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)
    typed = "Onderwijshuisvesting. " + "x" * (3001 - len("Onderwijshuisvesting. "))
    assert len(typed) == 3001

    values = answer_values(text=typed, network_help="Kennis delen.", attribution="anonymous")
    form = returned_form(submit(conversation, MEMBER, f"round:{open_round.id}", values))

    assert form.errors == {"text": too_long(3001, 3000)}
    # Nothing lost: every typed value is back in the form, the long text to the letter.
    assert text_field(form, "text").initial == typed
    assert text_field(form, "text").max_length == 3000
    assert initial_of(form, "network_help") == "Kennis delen."
    assert initial_of(form, "topic") == "onderwijshuisvesting"
    assert initial_of(form, "attribution") == ("anonymous",)
    assert snapshot(database_url) == before

    # Exactly at the limit is fine; the limit counts characters, not bytes.
    fits = "é" * 2999 + "😀"
    (confirmation,) = submit(
        conversation, MEMBER, f"round:{open_round.id}", {**values, "text": fits}
    )
    assert confirmation.form is None
    with uow_factory() as uow:
        (stored,) = uow.responses.for_round(open_round.id)
    assert stored.text == fits and stored.attribution == Attribution.ANONYMOUS
    stored_state = snapshot(database_url)
    assert count(stored_state, "responses") == 1

    # Editing it to over the limit: the edit form comes back, the stored answer stays.
    edit = submit(conversation, MEMBER, f"response:{stored.id}", {**values, "text": typed})
    form = returned_form(edit)
    assert form.context == f"response:{stored.id}"
    assert form.errors == {"text": too_long(3001, 3000)}
    assert text_field(form, "text").initial == typed
    assert snapshot(database_url) == stored_state
    with uow_factory() as uow:
        assert uow.responses.get(stored.id) == stored
        assert uow.responses.revisions(stored.id) == []


def test_an_over_long_answer_in_the_terminal_is_shown_again_and_can_be_shortened(
    chat: Chat, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    long_line = "a" * 3001
    output = chat(MEMBER).type(
        "inbreng",
        # topic 1, the long text, network help, attribution (Enter: with my name)
        "1", long_line, "", "Een benchmark.", "", "",
        # the form again: Enter keeps topic, network help and attribution; a new text
        "", "Korter.", "", "", "",
    )  # fmt: skip

    assert f"! {too_long(3001, 3000)}" in output
    assert "Dank u wel! Uw inbreng (nr. " in output
    with uow_factory() as uow:
        (response,) = uow.responses.for_round(open_round.id)
    assert response.text == "Korter."
    assert response.network_help == "Een benchmark."  # kept from the first attempt


def test_the_answer_limit_is_configurable(
    uow_factory: UnitOfWorkFactory,
    database_url: str,
    core: Core,
    clock: FakeClock,
    open_round: Round,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INBRENG_ANSWER_MAX_CHARS", "500")
    assert Settings(database_url=database_url, _env_file=None).answer_max_chars == 500
    monkeypatch.delenv("INBRENG_ANSWER_MAX_CHARS")

    settings = Settings(database_url=database_url, answer_max_chars=500, _env_file=None)
    small = Conversation(core=build_core(uow_factory=uow_factory, settings=settings, clock=clock))
    linked(small, MEMBER)
    before = snapshot(database_url)

    offered = returned_form(small.handle(MessageEvent(actor=actor(MEMBER), text="inbreng")))
    assert text_field(offered, "text").max_length == 500
    assert text_field(offered, "text").hint == "Kort en concreet; maximaal 500 tekens."

    form = returned_form(
        submit(small, MEMBER, f"round:{open_round.id}", answer_values(text="y" * 501))
    )
    assert form.errors == {"text": too_long(501, 500)}
    assert text_field(form, "text").initial == "y" * 501
    assert snapshot(database_url) == before

    # The default core still takes it.
    (confirmation,) = submit(
        Conversation(core=core), MEMBER, f"round:{open_round.id}", answer_values(text="y" * 501)
    )
    assert confirmation.form is None
    assert count(snapshot(database_url), "responses") == 1


def test_network_help_over_the_limit_is_refused_beside_its_field(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)
    help_text = "h" * 3001

    values = answer_values(network_help=help_text)
    form = returned_form(submit(conversation, MEMBER, f"round:{open_round.id}", values))

    assert form.errors == {"network_help": too_long(3001, 3000)}
    assert initial_of(form, "network_help") == help_text
    assert initial_of(form, "text") == TEXT
    assert snapshot(database_url) == before


def test_several_errors_are_reported_together(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    values = answer_values(
        topic="kunstgras", text=" ", network_help="h" * 3002, attribution="iedereen"
    )
    form = returned_form(submit(conversation, MEMBER, f"round:{open_round.id}", values))

    assert form.errors == {
        "text": NL["text_empty"],
        "network_help": too_long(3002, 3000),
        "topic": "Onderwerp “kunstgras” ken ik niet bij deze uitvraag. Kies uit: "
        f"{FINANCIEN_TOPICS}.",
        "attribution": "Kies hoe uw inbreng vermeld mag worden: met naam, alleen gemeente of "
        "anoniem.",
    }
    assert initial_of(form, "network_help") == "h" * 3002
    assert snapshot(database_url) == before


def test_an_unknown_topic_is_refused_and_the_known_ones_listed(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    # "jeugdzorg" exists, but in another pillar: not a topic of this round.
    for topic in ("kunstgras", "jeugdzorg", "<b>x</b>"):
        form = returned_form(
            submit(conversation, MEMBER, f"round:{open_round.id}", answer_values(topic=topic))
        )
        assert form.errors == {
            "topic": f"Onderwerp “{topic}” ken ik niet bij deze uitvraag. Kies uit: "
            f"{FINANCIEN_TOPICS}."
        }
        assert initial_of(form, "text") == TEXT
    assert snapshot(database_url) == before

    # Upper case and spaces around a known slug are fine, and so is "anders".
    for topic in (" Onderwijshuisvesting ", "anders"):
        (confirmation,) = submit(
            conversation, MEMBER, f"round:{open_round.id}", answer_values(topic=topic)
        )
        assert confirmation.form is None
    assert count(snapshot(database_url), "responses") == 2


# --- unknown things and malformed commands -----------------------------------------------


def test_an_unknown_round_is_named_in_the_answer(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)
    not_found = "Uitvraag 999 bestaat niet. Typ rondes voor de open uitvragen."

    assert say(conversation, MEMBER, "inbreng 999") == not_found
    assert say(conversation, MEMBER, "niets 999") == not_found
    assert only_text(submit(conversation, MEMBER, "round:999", answer_values())) == not_found
    assert (
        only_text(
            conversation.handle(ButtonEvent(actor=actor(MEMBER), action="answer", value="999"))
        )
        == not_found
    )
    assert snapshot(database_url) == before


def test_malformed_commands_get_a_clear_answer(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER, SECRETARIAT)
    before = snapshot(database_url)

    assert say(conversation, MEMBER, "inbreng abc") == "“abc” is geen uitvraagnummer."
    assert say(conversation, MEMBER, "wijzig abc") == "“abc” is geen inbrengnummer."
    assert say(conversation, MEMBER, "wijzig 1234567890") == "“1234567890” is geen inbrengnummer."
    assert say(conversation, MEMBER, "intrekken 12x") == "“12x” is geen inbrengnummer."
    assert (
        say(conversation, MEMBER, "inbreng " + "z" * 100) == f"“{'z' * 40}” is geen uitvraagnummer."
    )
    assert say(conversation, MEMBER, "intrekken").startswith(
        "Geef er een inbrengnummer bij, bijvoorbeeld: "
    )
    assert say(conversation, SECRETARIAT, "sluit").startswith(
        "Geef er een uitvraagnummer bij, bijvoorbeeld: "
    )
    assert say(conversation, SECRETARIAT, "sluit een") == "“een” is geen uitvraagnummer."
    assert say(conversation, MEMBER, "taal fr") == "Taal “fr” ken ik niet. Kies uit: en, nl."
    assert say(conversation, MEMBER, "privacy foo") == (
        "Bij privacy ken ik “foo” niet. Kies privacy export of privacy wissen."
    )

    after = snapshot(database_url)
    assert after == before
    assert count(after, "summaries") == 0  # `sluit` closed nothing


@pytest.mark.parametrize(
    ("email", "typed", "expected"),
    [
        (MEMBER, "intrekken", "Geef er een inbrengnummer bij, bijvoorbeeld: intrekken 3."),
        (SECRETARIAT, "sluit", "Geef er een uitvraagnummer bij, bijvoorbeeld: sluit 3."),
        (ENGLISH_MEMBER, "withdraw", "Please add an answer number, for example: withdraw 3."),
        (ENGLISH_MEMBER, "edit abc", "“abc” is not an answer number."),
    ],
    ids=["nl-intrekken", "nl-sluit", "en-withdraw", "en-edit-abc"],
)  # fmt: skip
def test_id_errors_are_good_text_in_the_members_language(
    conversation: Conversation, open_round: Round, email: str, typed: str, expected: str
) -> None:
    assert say(conversation, email, typed) == expected


def test_an_unknown_command_gets_the_error_and_the_help(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    reply = conversation.handle(CommandEvent(actor=actor(MEMBER), text="opslaan 12"))

    assert len(reply) == 2
    assert plain(reply[0].text) == "Dat commando ken ik niet: “opslaan”."
    assert reply[1].title == "Inbreng: wat kan ik voor u doen, Anna Jansen?"
    assert "inbreng [ronde]" in plain(reply[1].text)
    # An empty command is no error: just the help.
    (only_help,) = conversation.handle(CommandEvent(actor=actor(MEMBER), text="  "))
    assert only_help.title == reply[1].title
    # A long unknown word is cut short in the answer.
    long_word = conversation.handle(CommandEvent(actor=actor(MEMBER), text="q" * 300))
    assert plain(long_word[0].text) == f"Dat commando ken ik niet: “{'q' * 40}”."
    assert snapshot(database_url) == before


def test_an_unknown_button_action_or_value_is_refused(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    def press(action: str, value: str = "") -> str:
        return only_text(
            conversation.handle(ButtonEvent(actor=actor(MEMBER), action=action, value=value))
        )

    assert press("explode", "1") == NL["unknown_action"]
    assert press("", "") == NL["unknown_action"]
    assert press("ANSWER", "1") == NL["unknown_action"]
    assert press("answer", "abc") == "“abc” is geen uitvraagnummer."
    assert press("withdraw", "-1") == "“-1” is geen inbrengnummer."
    assert snapshot(database_url) == before


def test_an_unknown_form_is_refused(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    for form_id in ("survey", "", "Answer"):
        reply = submit(
            conversation, MEMBER, f"round:{open_round.id}", answer_values(), form_id=form_id
        )
        assert only_text(reply) == NL["unknown_form"]
    assert snapshot(database_url) == before


def test_a_tampered_form_context_is_refused_and_nothing_is_stored(
    conversation: Conversation, core: Core, open_round: Round, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    for context in ("round:abc", "round:", "round", "", "vote:1", "round:1:2", "round:-1",
                    "response:1.5", f"ROUND:{open_round.id}"):  # fmt: skip
        reply = submit(conversation, MEMBER, context, answer_values())
        assert only_text(reply) == NL["unknown_form"], context
    assert only_text(submit(conversation, MEMBER, "response:999999", answer_values())) == (
        "Ik vind geen inbreng van u met nummer 999999. Typ mijn voor uw inbreng."
    )
    assert snapshot(database_url) == before


def test_a_form_context_with_a_huge_number_is_refused_on_every_database(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    """Ids beyond the database's integer range must not reach the database as a query."""
    linked(conversation, MEMBER)
    before = snapshot(database_url)

    reply = submit(conversation, MEMBER, "round:99999999999", answer_values())
    assert only_text(reply) in (
        NL["unknown_form"],
        "Uitvraag 99999999999 bestaat niet. Typ rondes voor de open uitvragen.",
    )
    reply = submit(conversation, MEMBER, "response:99999999999999999999", answer_values())
    assert only_text(reply) in (
        NL["unknown_form"],
        "Ik vind geen inbreng van u met nummer 99999999999999999999. Typ mijn voor uw inbreng.",
    )
    assert snapshot(database_url) == before


# --- rounds that are not open, not for this member, answers that are not theirs ------------


def test_a_closed_round_takes_no_answers_edits_or_withdrawals(
    conversation: Conversation,
    core: Core,
    open_round: Round,
    database_url: str,
    uow_factory: UnitOfWorkFactory,
) -> None:
    linked(conversation, MEMBER)
    given = given_answer(core, MEMBER, open_round.id)
    # The member opened the form before the round closed, and submits it after.
    offered = returned_form(say_messages(conversation, MEMBER, "inbreng"))
    core.rounds.close(open_round.id, actor=OPERATOR)
    before = snapshot(database_url)
    closed = (
        f"Uitvraag {open_round.id} staat niet open: hij is al gesloten, inbreng geven of "
        "wijzigen kan niet meer."
    )

    assert only_text(submit(conversation, MEMBER, offered.context, answer_values())) == closed
    assert say(conversation, MEMBER, f"inbreng {open_round.id}") == closed
    assert say(conversation, MEMBER, f"wijzig {given.id}") == closed
    assert (
        only_text(
            submit(conversation, MEMBER, f"response:{given.id}", answer_values(text="Later."))
        )
        == closed
    )
    assert say(conversation, MEMBER, f"intrekken {given.id}") == closed
    assert say(conversation, MEMBER, f"niets {open_round.id}") == closed
    # With no round given, there is simply none open.
    assert (
        say(conversation, MEMBER, "inbreng") == "Er staat op dit moment geen uitvraag voor u open."
    )

    assert snapshot(database_url) == before
    with uow_factory() as uow:
        (response,) = uow.responses.for_round(open_round.id)
        summary = uow.summaries.latest_for_round(open_round.id)
    assert response == given
    assert summary is not None and summary.body["answers"] == 1


def test_a_scheduled_round_takes_no_answers_yet(
    conversation: Conversation, scheduled_round: Round, database_url: str
) -> None:
    scheduled = scheduled_round
    assert scheduled.status == RoundStatus.SCHEDULED
    linked(conversation, MEMBER)
    before = snapshot(database_url)
    not_yet = f"Uitvraag {scheduled.id} staat niet open: hij is nog niet begonnen."

    assert say(conversation, MEMBER, f"inbreng {scheduled.id}") == not_yet
    assert say(conversation, MEMBER, f"niets {scheduled.id}") == not_yet
    assert only_text(submit(conversation, MEMBER, f"round:{scheduled.id}", answer_values())) == (
        not_yet
    )
    after = snapshot(database_url)
    assert after == before
    assert count(after, "responses") == 0 and count(after, "round_declines") == 0


def test_a_member_cannot_answer_a_round_not_addressed_to_them(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, OTHER_PILLAR_MEMBER)
    before = snapshot(database_url)
    not_theirs = f"Uitvraag {open_round.id} is niet aan u gericht."

    assert say(conversation, OTHER_PILLAR_MEMBER, f"inbreng {open_round.id}") == not_theirs
    assert say(conversation, OTHER_PILLAR_MEMBER, f"niets {open_round.id}") == not_theirs
    reply = submit(conversation, OTHER_PILLAR_MEMBER, f"round:{open_round.id}", answer_values())
    assert only_text(reply) == not_theirs
    # Without a round number, the round is not even offered.
    assert say(conversation, OTHER_PILLAR_MEMBER, "inbreng") == (
        "Er staat op dit moment geen uitvraag voor u open."
    )
    after = snapshot(database_url)
    assert after == before
    assert count(after, "responses") == 0 and count(after, "round_declines") == 0


def test_someone_elses_answer_is_not_found_and_stays_as_it_was(
    conversation: Conversation,
    core: Core,
    open_round: Round,
    database_url: str,
    uow_factory: UnitOfWorkFactory,
) -> None:
    given = given_answer(core, MEMBER, open_round.id)
    linked(conversation, COLLEAGUE)
    before = snapshot(database_url)
    not_found = f"Ik vind geen inbreng van u met nummer {given.id}. Typ mijn voor uw inbreng."

    assert say(conversation, COLLEAGUE, f"wijzig {given.id}") == not_found
    reply = submit(
        conversation, COLLEAGUE, f"response:{given.id}", answer_values(text="Overschreven.")
    )
    assert only_text(reply) == not_found
    assert say(conversation, COLLEAGUE, f"intrekken {given.id}") == not_found
    assert say(conversation, COLLEAGUE, "mijn") == "U heeft nog geen inbreng gegeven."

    assert snapshot(database_url) == before
    with uow_factory() as uow:
        assert uow.responses.get(given.id) == given
        assert uow.responses.revisions(given.id) == []


def test_withdrawing_twice_says_it_is_already_withdrawn(
    conversation: Conversation,
    core: Core,
    open_round: Round,
    database_url: str,
    uow_factory: UnitOfWorkFactory,
) -> None:
    given = given_answer(core, MEMBER, open_round.id)
    linked(conversation, MEMBER)
    first = say(conversation, MEMBER, f"intrekken {given.id}")
    assert first == f"Uw inbreng nr. {given.id} voor Pijleroverleg Financiën is ingetrokken."
    before = snapshot(database_url)
    already = f"Inbreng {given.id} is al ingetrokken."

    assert say(conversation, MEMBER, f"intrekken {given.id}") == already
    assert (
        only_text(
            conversation.handle(
                ButtonEvent(actor=actor(MEMBER), action="withdraw", value=str(given.id))
            )
        )
        == already
    )
    assert say(conversation, MEMBER, f"wijzig {given.id}") == already
    reply = submit(conversation, MEMBER, f"response:{given.id}", answer_values(text="Terug."))
    assert only_text(reply) == already

    assert snapshot(database_url) == before
    with uow_factory() as uow:
        withdrawn = [
            e for e in uow.audit.list(subject_type="response", subject_id=given.id)
            if e.action == "response.withdrawn"
        ]  # fmt: skip
        stored = uow.responses.get(given.id)
    assert len(withdrawn) == 1
    assert stored is not None and stored.text == TEXT and stored.withdrawn_at is not None


# --- people who are not members, members who may not ---------------------------------------


def test_a_stranger_gets_a_polite_answer_and_nothing_is_stored(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    before = snapshot(database_url)
    stranger = actor(STRANGER)
    # Someone in the network's own workspace who is no member (from anywhere else, a refusal
    # is recorded: see tests/bot/test_trust.py).
    slack_stranger = Actor(platform=Platform.SLACK, tenant=TRUSTED_TEAM, user_id="U0NOBODY")
    events: list[Event] = [
        MessageEvent(actor=stranger, text="inbreng"),
        MessageEvent(actor=stranger, text="Hallo, mag ik meedoen?"),
        CommandEvent(actor=stranger, text="mijn"),
        ButtonEvent(actor=stranger, action="answer", value=str(open_round.id)),
        FormEvent(actor=stranger, form_id="answer", context=f"round:{open_round.id}",
                  values=answer_values()),
        FormEvent(actor=stranger, form_id="erase", context="",
                  values={"answers": "delete", "confirm": ("yes",)}),
        MessageEvent(actor=slack_stranger, text="help"),
    ]  # fmt: skip

    for event in events:
        # We cannot know a stranger's language: the answer is in every language.
        reply = only_text(conversation.handle(event))
        assert sorted(reply.split("\n\n")) == sorted([NL["not_a_member"], EN_NOT_A_MEMBER]), event

    after = snapshot(database_url)
    assert after == before
    assert count(after, "responses") == 0
    assert not any(STRANGER in repr(row) for row in after["identities"] + after["audit_events"])


def test_a_member_may_not_do_what_their_role_does_not_allow(
    conversation: Conversation, core: Core, open_round: Round, clock: FakeClock, database_url: str
) -> None:
    linked(conversation, MEMBER)
    before = snapshot(database_url)
    round_id = open_round.id

    for typed in ("status", "samenvatting", f"status {round_id}", f"samenvatting {round_id}",
                  f"ronde {round_id}"):  # fmt: skip
        assert say(conversation, MEMBER, typed) == NL["not_allowed"], typed
    for typed in ("nieuw", f"sluit {round_id}"):
        assert say(conversation, MEMBER, typed) == NL["secretariat_only"], typed
    for action, refusal in (("close", "secretariat_only"), ("status", "not_allowed"),
                            ("summary", "not_allowed"), ("new", "secretariat_only"),
                            ("round", "not_allowed")):  # fmt: skip
        pressed = conversation.handle(
            ButtonEvent(actor=actor(MEMBER), action=action, value=str(round_id))
        )
        assert only_text(pressed) == NL[refusal], action
    # A forged submission of the secretariat's round form.
    forged = {
        "pillar": "financien", "meeting_title": "Nep", "meeting_at": "2026-12-20 14:00",
        "opens_at": "nu", "closes_at": "2026-12-12 17:00", "question": "", "reminders": "",
        "audience": "all",
    }  # fmt: skip
    refused = only_text(submit(conversation, MEMBER, "", forged, form_id="round"))
    assert refused == NL["secretariat_only"]

    after = snapshot(database_url)
    assert after == before
    assert count(after, "rounds") == 1 and count(after, "summaries") == 0
    assert core.rounds.get(round_id).status == RoundStatus.OPEN


def test_only_the_lead_of_the_pillar_may_see_its_round(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    linked(conversation, LEAD, OTHER_LEAD)
    before = snapshot(database_url)
    round_id = open_round.id

    for typed in (f"status {round_id}", f"samenvatting {round_id}", f"ronde {round_id}"):
        assert say(conversation, OTHER_LEAD, typed) == NL["not_allowed"], typed
    assert say(conversation, OTHER_LEAD, f"sluit {round_id}") == NL["secretariat_only"]
    assert say(conversation, OTHER_LEAD, "status") == NL["no_reportable_rounds"]
    assert snapshot(database_url) == before

    status = conversation.handle(MessageEvent(actor=actor(LEAD), text=f"status {round_id}"))
    assert status[0].title == f"Respons op uitvraag {round_id}: Pijleroverleg Financiën"
    summary = conversation.handle(MessageEvent(actor=actor(LEAD), text="samenvatting"))
    assert summary[0].title == f"Samenvatting van uitvraag {round_id}: Pijleroverleg Financiën"
    # Leading a pillar is not running the network: closing is for the secretariat.
    assert say(conversation, LEAD, f"sluit {round_id}") == NL["secretariat_only"]
    # Only the lead's reading of the summary is written down (in the audit log).
    after = snapshot(database_url)
    earlier = before.pop("audit_events")
    read = [row for row in after.pop("audit_events") if row not in earlier]
    assert [row[3] for row in read] == ["summary.viewed"]  # (id, at, actor, action, ...)
    assert after == before


# --- English ---------------------------------------------------------------------------


def test_an_english_member_gets_every_kind_of_error_in_english(
    conversation: Conversation,
    core: Core,
    open_round: Round,
    clock: FakeClock,
    database_url: str,
) -> None:
    own = given_answer(core, ENGLISH_MEMBER, open_round.id)
    others = given_answer(core, MEMBER, open_round.id)
    linked(conversation, ENGLISH_MEMBER)
    before = snapshot(database_url)
    context = f"round:{open_round.id}"

    def form_errors(values: Mapping[str, str | tuple[str, ...]]) -> dict[str, str]:
        errors = returned_form(submit(conversation, ENGLISH_MEMBER, context, values)).errors
        return {name: plain(error) for name, error in errors.items()}

    assert form_errors(answer_values(text=" ")) == {
        "text": "Please describe the challenge; I cannot store an empty answer."
    }
    assert form_errors(answer_values(text="e" * 3001)) == {
        "text": too_long(3001, 3000, english=True)
    }
    assert form_errors(answer_values(topic="kunstgras")) == {
        "topic": f"I don't know topic “kunstgras” in this round. Choose from: {FINANCIEN_TOPICS}."
    }
    assert form_errors(answer_values(attribution="everyone")) == {
        "attribution": "Choose how your answer may be attributed: with your name, municipality "
        "only, or anonymous."
    }

    def says(text: str) -> str:
        return say(conversation, ENGLISH_MEMBER, text)

    assert says("answer 999") == "Round 999 does not exist. Type rounds for the open rounds."
    assert says("answer abc") == "“abc” is not a round number."
    assert says(f"edit {others.id}") == (
        f"I can't find an answer of yours with number {others.id}. Type mine for your answers."
    )
    assert says(f"status {open_round.id}") == (
        "Only a pillar lead of this pillar or the secretariat may do that."
    )
    assert says("new") == "Only the secretariat may do that."
    assert says("status") == "Only a pillar lead of this pillar or the secretariat may do that."
    assert says("language fr") == "I don't know language “fr”. Choose from: en, nl."
    assert says("privacy foo") == (
        "I don't know “foo” for privacy. Choose privacy export or privacy erase."
    )
    unknown = conversation.handle(CommandEvent(actor=actor(ENGLISH_MEMBER), text="frobnicate"))
    assert plain(unknown[0].text) == "I don't know that command: “frobnicate”."
    assert unknown[1].title == "Inbreng: what can I do for you, Eva Mulder?"
    pressed = conversation.handle(ButtonEvent(actor=actor(ENGLISH_MEMBER), action="explode"))
    assert only_text(pressed) == "This button no longer works. Type help for what I can do."
    assert only_text(submit(conversation, ENGLISH_MEMBER, "x", answer_values(), form_id="x")) == (
        "I cannot process this form (any more). Start again with answer."
    )
    assert only_text(submit(conversation, ENGLISH_MEMBER, "round:abc", answer_values())) == (
        "I cannot process this form (any more). Start again with answer."
    )
    assert snapshot(database_url) == before

    # Withdrawn, then withdrawn again; then the round closes.
    says(f"withdraw {own.id}")
    assert says(f"withdraw {own.id}") == f"Answer {own.id} has already been withdrawn."
    core.rounds.close(open_round.id, actor=OPERATOR)
    assert says(f"answer {open_round.id}") == (
        f"Round {open_round.id} is not open: it has closed, answers can no longer be given or "
        "changed."
    )
    scheduled = core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_at=clock.now() + timedelta(days=14),
            opens_at=clock.now() + timedelta(days=1),
            closes_at=clock.now() + timedelta(days=7),
        ),
        actor=OPERATOR,
    )
    assert says(f"answer {scheduled.id}") == (
        f"Round {scheduled.id} is not open: it has not started yet."
    )


def test_a_round_not_addressed_to_a_member_is_explained_in_english(
    conversation: Conversation, open_round: Round, database_url: str
) -> None:
    assert (
        say(conversation, OTHER_PILLAR_MEMBER, "taal en")
        == "From now on I will speak English with you."
    )
    before = snapshot(database_url)
    assert say(conversation, OTHER_PILLAR_MEMBER, f"answer {open_round.id}") == (
        f"Round {open_round.id} is not addressed to you."
    )
    assert snapshot(database_url) == before


# --- hostile text ------------------------------------------------------------------------


HOSTILE = (
    "<!channel> @here <script>alert('x')</script> *vet* [link](http://x.example)"
    "\x00nul\x07bel\x08 \x1b[31mrood\x1b[0m \x9b2J\x7f\u200b einde\r\ntweede regel\tmet tab\rderde"
)
HOSTILE_STORED = (
    "<!channel> @here <script>alert('x')</script> *vet* [link](http://x.example)"
    "nulbel [31mrood[0m 2J\u200b einde\ntweede regel\tmet tab\nderde"
)


def test_hostile_text_is_stored_verbatim_without_control_characters(
    conversation: Conversation,
    open_round: Round,
    database_url: str,
    uow_factory: UnitOfWorkFactory,
) -> None:
    linked(conversation, MEMBER)
    values = answer_values(text=HOSTILE, network_help="@here \x00<!everyone>\x1b]0;titel\x07")
    (confirmation,) = submit(conversation, MEMBER, f"round:{open_round.id}", values)
    assert confirmation.title.startswith("Dank u wel! Uw inbreng (nr. ")

    with uow_factory() as uow:
        (response,) = uow.responses.for_round(open_round.id)
    assert response.text == HOSTILE_STORED
    assert response.network_help == "@here <!everyone>]0;titel"
    # The confirmation shows what was stored: no control character comes back either.
    shown = texts_of([confirmation])
    assert HOSTILE_STORED in shown
    assert not any((ord(c) < 32 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F for c in shown)
    assert count(snapshot(database_url), "responses") == 1


def test_the_terminal_shows_member_text_without_escape_sequences(
    chat: Chat, open_round: Round, uow_factory: UnitOfWorkFactory
) -> None:
    session = chat(MEMBER)
    line = (
        "Rood: \x1b[31mALARM\x1b[0m, wis: \x1b[2J, titel: \x1b]0;pwned\x07, C1: \x9b31m <!channel>"
    )
    output = session.type("inbreng", "1", line, "", "", "")
    output += session.type("mijn")

    assert "Dank u wel! Uw inbreng (nr. " in output
    assert "<!channel>" in output  # plain text in a terminal: shown, not interpreted
    for control in ("\x1b", "\x9b", "\x07", "\x00"):
        assert control not in output, repr(control)
    with uow_factory() as uow:
        (response,) = uow.responses.for_round(open_round.id)
    assert "\x1b" not in response.text and "ALARM" in response.text


def test_the_console_renderer_drops_escape_sequences_from_any_text() -> None:
    """Even text that did not pass the answer form's cleaning (names from the network file,
    texts of other services) cannot drive the terminal."""
    message = Message(
        title=m("\x1b]0;pwned\x07Titel"),
        text=m("a\x1b[2Jb\x9b31mc\x00d\x1bPe"),
        fields=(Field(label=m("\x1b[1mLabel"), value=m("waarde\x1b[0m\nregel\x85twee")),),
        buttons=(Button(label=m("\x1b[5mKnop"), action="help"),),
    )
    rendered = render_message(message)
    assert not any((ord(c) < 32 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in rendered)
    assert "Titel" in rendered and "Label" in rendered and "[1] Knop" in rendered
