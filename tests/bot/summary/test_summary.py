"""The summary of a round: grouped, ranked, attributed as members chose, and safely escaped.

On SQLite and PostgreSQL, through `core.reports.summary` and the Markdown document that
`inbreng summary ROUND` prints (`bot.summary.markdown.summary_markdown`).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import (
    Attribution,
    ResponseData,
    Round,
    RoundStatus,
    SummaryStatus,
)
from bot.errors import InbrengError
from bot.events import MessageEvent
from bot.permissions import Permission
from bot.ports import UnitOfWorkFactory
from bot.services.responses import AnswerInput
from bot.services.rounds import RoundRequest
from bot.summary.markdown import summary_markdown
from bot.summary.model import Novelty, RoundSummary
from bot.voice import Voice
from tests.support import (
    COLLEAGUE,
    LEAD,
    MEMBER,
    OPERATOR,
    FakeClock,
    actor,
    answer,
    member,
    texts_of,
)

NAME, ORGANISATION, ANONYMOUS = (a.value for a in Attribution)

JOOST = "j.vangils@bergen-op-zoom.example"
HENK = "h.lubbers@coevorden.example"
INEKE = "i.wolters@coevorden.example"
WIM = "w.dekkers@etten-leur.example"
SANNE = "s.kok@de-ronde-venen.example"
MARIEKE = "m.debruin@soest.example"
OLAF = "o.kramer@soest.example"
SOPHIE = "s.koster@zeist.example"
BART = "b.nijhof@lochem.example"  # Lochem's only answer, anonymous
MIEKE = "m.janssen@roermond.example"  # answers, then withdraws
PAUL = "p.jacobs@oosterhout.example"  # nothing this time

# The themes of `give_answers` in the expected order: broadest first, then most answers.
# (title, topic, answers, breadth: named municipalities plus anonymous answers)
RANKED = [
    ("Herziening gemeentefonds", "herziening-gemeentefonds", 4, 3),
    ("Onderwijshuisvesting", "onderwijshuisvesting", 4, 3),  # Zeist, and two anonymous
    ("BTW-compensatiefonds", "btw-compensatiefonds", 3, 3),
    # Two themes within one topic, so each is named by its keywords too.
    ("Financiering energietransitie: warmtenet", "financiering-energietransitie", 3, 1),
    ("Financiering energietransitie: res", "financiering-energietransitie", 2, 1),
    # The answer given under "anders", placed by the bot: its "personeelstekort" shares
    # "tekort" with the topic's "structurele tekorten".
    ("Verdeelmodel sociaal domein", "verdeelmodel-sociaal-domein", 1, 1),
    ("Verduurzaming", "verduurzaming", 1, 1),
]


def give_answers(core: Core, round_: Round) -> None:
    for email in (JOOST, HENK, INEKE, WIM):
        answer(core, round_, email, "herziening-gemeentefonds", f"Ravijnjaar ({email}).")
    for email in (SANNE, MARIEKE, LEAD):
        answer(core, round_, email, "btw-compensatiefonds", f"BCF-plafond ({email}).")
    answer(core, round_, MEMBER, "onderwijshuisvesting", "Normbedragen te laag.")
    answer(core, round_, COLLEAGUE, "onderwijshuisvesting", "IHP loopt vast.", ORGANISATION)
    answer(core, round_, SOPHIE, "onderwijshuisvesting", "Zorgplicht knelt.", ANONYMOUS)
    answer(core, round_, BART, "onderwijshuisvesting", "Krimp en leegstand.", ANONYMOUS)
    for number in range(3):
        answer(core, round_, HENK, "financiering-energietransitie", f"Warmtenet {number}.")
    for number in range(2):
        answer(core, round_, INEKE, "financiering-energietransitie", f"RES {number}.")
    answer(core, round_, OLAF, "verduurzaming", "Sporthal isoleren.")
    answer(core, round_, JOOST, "anders", "Personeelstekort bij de afdeling financiën.")
    # Withdrawn answers are not part of the summary.
    for email, topic in ((MIEKE, "verduurzaming"), (WIM, "verdeelmodel-sociaal-domein")):
        withdrawn = answer(core, round_, email, topic, f"Ingetrokken ({email}).")
        core.responses.withdraw(member(core, email), withdrawn.id)
    core.responses.decline(member(core, PAUL), round_.id)


def voice(core: Core, clock: FakeClock, language: str = "nl") -> Voice:
    return Voice(texts=core.texts, language=language, now=clock.now())


def markdown(core: Core, clock: FakeClock, round_id: int, language: str = "nl") -> str:
    """As `inbreng summary ROUND` prints it."""
    round_ = core.reports.read_round(
        round_id, reader=OPERATOR, permission=Permission.READ_ROUND_STATUS
    )
    return summary_markdown(
        voice(core, clock, language),
        round_,
        core.reports.summary(round_id),
        core.reports.participation(round_id),
    )


def summary_part(document: str) -> str:
    """The document without the response table that follows the themes."""
    head, separator, _ = document.partition("## Respons per gemeente")
    assert separator, document
    return head


# --- grouping and ranking -------------------------------------------------------------------


def test_answers_become_themes_ranked_by_breadth_then_volume(core: Core, open_round: Round) -> None:
    give_answers(core, open_round)

    summary = core.reports.summary(open_round.id)

    assert [(t.title, t.topic_slug, t.answers, t.breadth) for t in summary.themes] == RANKED
    assert [t.key for t in summary.themes] == ["t1", "t2", "t3", "t4", "t5", "t6", "t7"]
    assert [t.organisations for t in summary.themes[:3]] == [
        ["Bergen op Zoom", "Coevorden", "Etten-Leur"],
        ["Zeist"],
        ["De Ronde Venen", "Oss", "Soest"],
    ]
    assert summary.answers == 18
    # Named by linked answers: not Lochem (only anonymous); Roermond only withdrew.
    assert (summary.organisations, summary.anonymous_answers) == (7, 2)
    assert summary.meeting_title == "Pijleroverleg Financiën"
    placed = summary.themes[5]
    assert (placed.assigned, [q.text for q in placed.quotes]) == (
        1, ["Personeelstekort bij de afdeling financiën."],
    )  # fmt: skip
    assert sum(t.assigned for t in summary.themes) == 1  # all others chose their topic
    # One to three quotes, from different municipalities first; every answer in one theme.
    assert all(1 <= len(t.quotes) <= 3 for t in summary.themes)
    assert len({q.organisation for q in summary.themes[0].quotes}) == 3
    ids = [i for t in summary.themes for i in t.response_ids]
    assert len(ids) == len(set(ids)) == summary.answers
    assert all(t.novelty == Novelty.NEW for t in summary.themes)  # no earlier round


def test_an_answer_that_fits_no_topic_stays_other_and_comes_last(
    core: Core, open_round: Round, clock: FakeClock
) -> None:
    answer(core, open_round, MEMBER, "anders", "Iets heel anders.")
    answer(core, open_round, HENK, "verduurzaming", "Zwembad.")

    summary = core.reports.summary(open_round.id)
    # Only stop words: no keywords to name it by, so it is called "other".
    assert [(t.topic_slug, t.title) for t in summary.themes] == [
        ("verduurzaming", "Verduurzaming"), (None, ""),
    ]  # fmt: skip
    document = markdown(core, clock, open_round.id)
    assert document.index("## Verduurzaming") < document.index("## Anders")
    english = markdown(core, clock, open_round.id, "en")
    assert "## Other\n\n*New.* 1 answer from 1 municipality: Zeist." in english


def test_other_answers_that_resemble_each_other_surface_as_an_emergent_theme(
    core: Core, open_round: Round
) -> None:
    for email in (MEMBER, HENK, WIM):
        answer(core, open_round, email, "anders", f"Vrijwillige brandweer vergrijst ({email[:2]})")
    answer(core, open_round, SANNE, "anders", "Zwembad verduurzamen")

    summary = core.reports.summary(open_round.id)

    first, second = summary.themes
    assert (first.topic_slug, first.answers, first.breadth) == (None, 3, 3)
    assert first.title.startswith(("Brandweer", "Vrijwillige", "Vergrijst")), first.title
    assert {"brandweer", "vrijwillige", "vergrijst"} <= set(first.keywords)
    assert first.assigned == 0
    # "verduurzamen" meets the topic Verduurzaming, so the bot places it there.
    assert (second.topic_slug, second.assigned) == ("verduurzaming", 1)


def test_withdrawn_answers_are_left_out(core: Core, open_round: Round, clock: FakeClock) -> None:
    give_answers(core, open_round)

    summary = core.reports.summary(open_round.id)
    document = markdown(core, clock, open_round.id)

    assert sum(t.answers for t in summary.themes) == 18
    texts = [q.text for t in summary.themes for q in t.quotes]
    assert not [t for t in texts if t.startswith("Ingetrokken")]
    assert "Ingetrokken" not in document
    # Its member's own answer was withdrawn; it holds only the answer the bot placed there.
    verdeelmodel = next(t for t in summary.themes if t.topic_slug == "verdeelmodel-sociaal-domein")
    assert [q.text for q in verdeelmodel.quotes] == ["Personeelstekort bij de afdeling financiën."]
    assert "Roermond" not in summary_part(document)
    verduurzaming = summary.themes[-1]
    assert (verduurzaming.answers, verduurzaming.organisations) == (1, ["Soest"])


# --- attribution -------------------------------------------------------------------------------


def test_attribution_is_respected_everywhere(
    core: Core, conversation: Conversation, open_round: Round, clock: FakeClock
) -> None:
    give_answers(core, open_round)

    summary = core.reports.summary(open_round.id)
    onderwijs = summary.themes[1]
    quotes = {q.text: (q.member, q.organisation) for q in onderwijs.quotes}
    document = markdown(core, clock, open_round.id)
    themes = summary_part(document)

    attributed = {
        "Normbedragen te laag.": ("Anna Jansen", "Zeist"),  # name
        "IHP loopt vast.": (None, "Zeist"),  # organisation only
        "Zorgplicht knelt.": (None, None),  # anonymous
        "Krimp en leegstand.": (None, None),  # anonymous, Lochem's only answer
    }
    # Three of the four are quoted: one of Zeist's, and each anonymous answer as a source of
    # its own (where they are from is not known to the choice).
    assert len(quotes) == 3 and quotes.items() <= attributed.items()
    assert {"Krimp en leegstand.", "Zorgplicht knelt."} <= quotes.keys()
    # The anonymous answers are counted apart: neither Lochem nor Zeist is counted for them.
    assert (onderwijs.organisations, onderwijs.anonymous_answers) == (["Zeist"], 2)
    assert onderwijs.breadth == 3
    assert "4 inbreng: 2 uit 1 gemeente (Zeist) en 2 anoniem." in themes
    shown = {
        "Normbedragen te laag.": "> Normbedragen te laag.\n> — Anna Jansen, Zeist",
        "IHP loopt vast.": "> IHP loopt vast.\n> — Zeist",
        "Zorgplicht knelt.": "> Zorgplicht knelt.\n> — anoniem",
        "Krimp en leegstand.": "> Krimp en leegstand.\n> — anoniem",
    }
    for text in quotes:
        assert shown[text] in themes, text
    # Names that were not to be shown appear nowhere: not in the stored data, not in print.
    stored = repr(summary.to_dict())
    for hidden in ("Thijs", "Vermeulen", "Sophie", "Koster", "Bart", "Nijhof"):
        assert hidden not in stored and hidden not in document, hidden
    assert "Lochem" not in stored and "Lochem" not in themes
    # The lead's view in the chat hides them just the same.
    in_chat = texts_of(conversation.handle(MessageEvent(actor=actor(LEAD), text="samenvatting")))
    assert "Tussenstand: 18 inbreng: 16 van 7 gemeenten en 2 anoniem." in in_chat
    assert "“Krimp en leegstand.” (anoniem)" in in_chat
    assert "“Normbedragen te laag.” (Anna Jansen, Zeist)" in in_chat
    for hidden in ("Thijs", "Vermeulen", "Sophie", "Koster", "Bart", "Nijhof", "Lochem"):
        assert hidden not in in_chat, hidden


# --- the stored draft ---------------------------------------------------------------------------


def test_closing_stores_the_summary_and_later_changes_cannot_alter_it(
    core: Core,
    open_round: Round,
    clock: FakeClock,
    uow_factory: UnitOfWorkFactory,
) -> None:
    give_answers(core, open_round)
    anna = member(core, MEMBER)
    (annas,) = core.responses.of_member(anna)
    running = core.reports.summary(open_round.id)
    running_document = markdown(core, clock, open_round.id)
    assert "*Tussenstand: de uitvraag loopt nog tot " in running_document

    clock.advance(hours=1)
    closed = core.rounds.close(open_round.id, actor=OPERATOR)

    assert closed.status == RoundStatus.SUMMARISED
    with uow_factory() as uow:
        draft = uow.summaries.latest_for_round(open_round.id)
    assert draft is not None and draft.status == SummaryStatus.DRAFT
    assert draft.body == running.to_dict()
    assert RoundSummary.from_dict(draft.body) == running
    assert core.reports.summary(open_round.id) == running
    final_document = markdown(core, clock, open_round.id)
    assert "Tussenstand" not in final_document
    themes = running_document.index("**18** inbreng")
    assert final_document[final_document.index("**18** inbreng") :] == running_document[themes:]

    # Members can no longer change anything ...
    clock.advance(days=1)
    with pytest.raises(InbrengError) as refused:
        core.responses.edit(anna, annas.id, AnswerInput(topic="anders", text="Later."))
    assert refused.value.key == "round_not_open"
    with pytest.raises(InbrengError):
        core.responses.withdraw(anna, annas.id)
    with pytest.raises(InbrengError):
        answer(core, open_round, PAUL, "anders", "Toch nog iets.")
    with pytest.raises(InbrengError) as twice:
        core.rounds.close(open_round.id, actor=OPERATOR)
    assert twice.value.key == "round_transition_refused"
    # ... and even a change made in the database afterwards leaves the summary as it was.
    with uow_factory() as uow:
        uow.responses.update(
            annas.id,
            ResponseData(
                round_id=open_round.id, member_id=anna.id, organisation_id=anna.organisation_id,
                topic_id=None, text="Achteraf gewijzigd.", network_help="",
                attribution=Attribution.NAME,
            ),
            at=clock.now(),
        )  # fmt: skip
        uow.commit()

    assert core.reports.summary(open_round.id) == running
    assert "Achteraf gewijzigd." not in markdown(core, clock, open_round.id)
    with uow_factory() as uow:
        latest = uow.summaries.latest_for_round(open_round.id)
    assert latest == draft


# --- Markdown --------------------------------------------------------------------------------


def test_member_text_is_escaped_in_markdown(
    core: Core, clock: FakeClock, uow_factory: UnitOfWorkFactory
) -> None:
    round_ = core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_title="Overleg <!here> [x](http://y.example)",
            meeting_at=clock.now() + timedelta(days=14),
            closes_at=clock.now() + timedelta(days=7),
        ),
        actor=OPERATOR,
    )
    hostile = (
        "*bold* _x_ [link](http://x.example) <b>html</b> # heading\n"
        "1. eerste punt\n"
        "- tweede punt\n"
        "<!channel> @here `code` | pijp ~doorgehaald~ &amp;"
    )
    answer(
        core, round_, MEMBER, "anders", hostile,
        network_help="[klik](javascript:alert(1)) <img src=x onerror=alert(1)>",
    )  # fmt: skip

    document = markdown(core, clock, round_.id)

    assert document.startswith("# Samenvatting: Overleg \\<!here\\> \\[x\\](http://y.example)\n")
    assert (
        "> \\*bold\\* \\_x\\_ \\[link\\](http://x.example) \\<b\\>html\\</b\\> \\# heading\n"
        "> 1\\. eerste punt\n"
        "> \\- tweede punt\n"
        "> \\<!channel\\> @here \\`code\\` \\| pijp \\~doorgehaald\\~ \\&amp;\n"
        "> — Anna Jansen, Zeist"
    ) in document
    assert (
        "> *Wat het netwerk kan doen:* \\[klik\\](javascript:alert(1)) "
        "\\<img src=x onerror=alert(1)\\>"
    ) in document
    for raw in ("[link](", "<b>", "</b>", "<!channel>", "<!here>", "[klik](", "<img", "[x]("):
        assert not re.search(r"(?<!\\)" + re.escape(raw), document), raw
    # No line of member text can start a list, a heading or a quote of its own.
    for line in document.splitlines():
        if "eerste punt" in line or "tweede punt" in line:
            assert line.startswith("> ")
    # The stored text itself is untouched: escaping is for the medium only.
    with uow_factory() as uow:
        (stored,) = uow.responses.for_round(round_.id)
    assert stored.text == hostile


def test_member_text_that_ends_a_quote_cannot_break_out_of_it(
    core: Core, open_round: Round, clock: FakeClock
) -> None:
    answer(core, open_round, MEMBER, "anders", "Eerste regel\n\n# Kop erna\n\n---\n[x]: http://x")

    document = markdown(core, clock, open_round.id)

    assert "> Eerste regel\n> \n> \\# Kop erna\n> \n> \\---\n> \\[x\\]: http://x\n" in document
    assert "\n# Kop erna" not in document and "\n---" not in document


def test_network_help_over_several_lines_stays_inside_its_quote(
    core: Core, open_round: Round, clock: FakeClock
) -> None:
    """Otherwise a member's text would read as the summary's own words."""
    answer(
        core, open_round, MEMBER, "anders", "Een vraagstuk.",
        network_help="Kennis delen.\n\nAlle gemeenten steunen dit voorstel.",
    )  # fmt: skip

    document = markdown(core, clock, open_round.id)

    lines = document.splitlines()
    start = lines.index("> *Wat het netwerk kan doen:* Kennis delen.")
    end = next(i for i, line in enumerate(lines) if "Alle gemeenten steunen" in line)
    assert start < end
    assert all(line.startswith(">") for line in lines[start : end + 1]), lines[start : end + 1]


# --- the participation table ---------------------------------------------------------------------


def test_the_participation_table_shows_each_municipality_and_the_rate(
    core: Core, open_round: Round, clock: FakeClock
) -> None:
    give_answers(core, open_round)

    participation = core.reports.participation(open_round.id)
    document = markdown(core, clock, open_round.id)
    _, _, table = document.partition("## Respons per gemeente")

    rows = {row.organisation: row for row in participation.organisations}
    assert len(rows) == 19  # every municipality in the Financiën audience; not the secretariat
    # Answers by name or as municipality; the two anonymous ones only in the summary's total.
    assert participation.answered_organisations == 7
    assert participation.rate == pytest.approx(7 / 19)
    assert participation.anonymous_answers == 2
    assert "7 van 19 gemeenten reageerden met naam of als gemeente (37%)." in table
    assert "| Gemeente | Gevraagd | Gereageerd | Niets deze keer | Inbreng |" in table
    expected = [
        # municipality, asked, answered, declined, answers
        ("Bergen op Zoom", 2, 1, 0, 2),  # the lead of Bestuur is asked too; Joost answers twice
        ("Coevorden", 2, 2, 0, 7),
        ("Etten-Leur", 2, 1, 0, 1),  # Wim's withdrawn answer does not count
        ("Lochem", 1, 0, 0, 0),  # Bart answered anonymously: not counted here
        ("Oosterhout", 2, 0, 1, 0),  # Paul: nothing this time
        ("Roermond", 2, 0, 0, 0),  # Mieke withdrew her only answer
        ("Zeist", 3, 2, 0, 2),  # and Sophie's anonymous answer is not counted either
    ]
    for name, asked, answered, declined, answers in expected:
        row = rows[name]
        assert (row.asked, row.answered, row.declined, row.answers) == (
            asked, answered, declined, answers
        ), name  # fmt: skip
        assert f"| {name} | {asked} | {answered} | {declined} | {answers} |" in table
    # Municipalities that answered come first, then the rest, each alphabetically.
    names = [row.organisation for row in participation.organisations]
    assert names[:7] == sorted(names[:7]) and names[7:] == sorted(names[7:])
    assert {row.organisation for row in participation.organisations[:7]} == {
        "Bergen op Zoom", "Coevorden", "De Ronde Venen", "Etten-Leur", "Oss", "Soest", "Zeist",
    }  # fmt: skip
    english = markdown(core, clock, open_round.id, "en")
    assert (
        "## Response per municipality\n\n7 of 19 municipalities answered by name or as "
        "municipality (37%)."
    ) in english
    assert "| Coevorden | 2 | 2 | 0 | 7 |" in english
