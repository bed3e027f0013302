"""Anonymous means nobody can work it out: the disclosure rule, held by an attacker.

`tests/bot/anonymity_checker.py` takes everything leads and channels get about a round and, for
every member who answered anonymously, tries the worlds in which another asked member gave
those answers. Each published anonymous answer must stay hidden among at least 3
municipalities and 3 persons; a withheld one must appear nowhere.

On the code before the rule (response counts per municipality that included anonymous
answers, theme breadth counting the hidden municipality, quotes chosen one per hidden
municipality), the checker found every anonymous answer of these scenarios narrowed down
to its own municipality, and to its author:
- (a) Lochem: Bart's answer, 1 municipality and 1 person (the row `| Lochem | 1 | 1 | 0 | 1 |`);
- (b) the demo: all four anonymous answers, each 1 municipality (Etten-Leur, Meierijstad,
  Nieuwegein, Veenendaal) and 1 person;
- (c) the small round: Bart's answer published, 1 municipality and 1 person;
- (d) named and anonymous: the anonymous answer, 1 municipality and 1 person.

Runs on SQLite only: the rule does not depend on the database, and the attacker rebuilds
the summary once per world.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from csv import DictReader
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Attribution, Round
from bot.exports.formats import ExportFormat
from bot.outbox.compose import for_channel
from bot.permissions import Operator
from bot.ports import UnitOfWorkFactory
from bot.services.audience import audience_of
from bot.summary.model import RoundSummary
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import LEAD_ID, SlackServer, all_text
from tests.bot.anonymity_checker import Attack, attack, publication
from tests.support import EXAMPLES, LEAD, SECRETARIAT, ScriptedChat, answer, member, texts_of

NAME, ORGANISATION, ANONYMOUS = (a.value for a in Attribution)

BART = "b.nijhof@lochem.example"  # the only member of Lochem asked about Financiën
ANNA = "a.jansen@zeist.example"
JOOST = "j.vangils@bergen-op-zoom.example"
SANNE = "s.kok@de-ronde-venen.example"
GERRIT = "g.brouwer@harderwijk.example"
PAUL = "p.jacobs@oosterhout.example"


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    return sqlite_database_url


def run_attack(
    conversation: Conversation, uow_factory: UnitOfWorkFactory, database_url: str, round_: Round
) -> Attack:
    result = attack(conversation, uow_factory, database_url, round_.id)
    print(f"\n{result.report()}\n{result.seconds:.1f} s")  # shown with -s: the measure
    return result


def assert_hidden(result: Attack, authors: int) -> None:
    assert len(result.findings) == authors
    assert not result.leaks, result.report()
    assert all(f.published for f in result.findings), result.report()


# --- (a) Lochem --------------------------------------------------------------------------------


def test_the_only_member_asked_in_a_municipality_stays_anonymous(
    conversation: Conversation, uow_factory: UnitOfWorkFactory, database_url: str,
    open_round: Round,
) -> None:  # fmt: skip
    core = conversation.core
    answer(core, open_round, BART, "onderwijshuisvesting", "Krimp en leegstand.", ANONYMOUS)
    answer(core, open_round, ANNA, "onderwijshuisvesting", "Normbedragen te laag.")
    answer(core, open_round, JOOST, "herziening-gemeentefonds", "Ravijnjaar.", ORGANISATION)
    answer(core, open_round, SANNE, "btw-compensatiefonds", "BCF-plafond.")

    result = run_attack(conversation, uow_factory, database_url, open_round)

    assert_hidden(result, authors=1)
    [bart] = result.findings
    assert bart.organisation == "Lochem" and len(bart.organisations) >= 18
    summary = publication(conversation, open_round.id)["inbreng summary"]
    assert "| Lochem | 1 | 0 | 0 | 0 |" in summary
    assert "**4** inbreng: 3 van **3** gemeenten en 1 anoniem." in summary


# --- (b) the demo ------------------------------------------------------------------------------


def give_demo_answers(core: Core, round_: Round) -> None:
    script: dict[str, Any] = yaml.safe_load((EXAMPLES / "answers.yaml").read_text("utf-8"))
    for given in script["answers"]:
        answer(
            core, round_, given["email"], given["topic"], given["text"],
            given.get("attribution", NAME), given.get("network_help") or "",
        )  # fmt: skip
    for email in script["declines"]:
        core.responses.decline(member(core, email), round_.id)


def test_the_demo_gives_away_no_municipality(
    conversation: Conversation, uow_factory: UnitOfWorkFactory, database_url: str,
    open_round: Round,
) -> None:  # fmt: skip
    give_demo_answers(conversation.core, open_round)

    result = run_attack(conversation, uow_factory, database_url, open_round)

    assert_hidden(result, authors=4)
    assert {f.organisation for f in result.findings} == {
        "Etten-Leur", "Meierijstad", "Nieuwegein", "Veenendaal",
    }  # fmt: skip


# --- (c) too few could have answered -----------------------------------------------------------


def test_anonymous_answers_are_withheld_when_too_few_municipalities_could_have_given_them(
    conversation: Conversation, uow_factory: UnitOfWorkFactory, database_url: str,
    open_round: Round, tmp_path: Path,
) -> None:  # fmt: skip
    core = conversation.core
    # Everyone asked says "nothing this time", but for Lochem and Zeist.
    with uow_factory() as uow:
        asked = audience_of(open_round, uow.members.list())
    for someone in asked:
        if someone.email.split("@")[1] not in ("lochem.example", "zeist.example"):
            core.responses.decline(someone, open_round.id)
    answer(core, open_round, BART, "onderwijshuisvesting", "Krimp en leegstand.", ANONYMOUS)
    answer(core, open_round, ANNA, "onderwijshuisvesting", "Normbedragen te laag.")

    result = run_attack(conversation, uow_factory, database_url, open_round)

    [bart] = result.findings
    assert not bart.published, result.report()
    # Not shown, not counted: every world publishes the same.
    assert bart.organisations == {"Lochem", "Zeist"} and not bart.differences
    published = publication(conversation, open_round.id)
    for name, shown in published.items():
        assert "Krimp" not in shown, name
        assert "1 anoniem" not in shown, name
    assert "Anonieme inbreng wordt bij deze uitvraag niet getoond" in published["inbreng summary"]


# --- (d) by name and anonymously ---------------------------------------------------------------


def give_named_and_anonymous(core: Core, round_: Round) -> None:
    """Anna answers about school buildings by name, and anonymously about much the same; three
    municipalities answer about it too. Quotes chosen one per municipality first, with her
    anonymous answer counted as Zeist's, would leave one of her two out: only in the world
    where she gave both."""
    topic = "onderwijshuisvesting"
    answer(core, round_, ANNA, topic, "De normbedragen voor nieuwbouw van scholen zijn veel "
           "te laag.")  # fmt: skip
    answer(core, round_, ANNA, topic, "De normbedragen voor nieuwbouw van scholen zijn te "
           "laag; de gemeente betaalt het verschil.", ANONYMOUS)  # fmt: skip
    answer(core, round_, JOOST, topic, "Schoolbesturen vragen om verduurzaming bovenop de "
           "zorgplicht.")  # fmt: skip
    answer(core, round_, SANNE, topic, "Vervanging van drie basisscholen is onbetaalbaar.",
           ORGANISATION)  # fmt: skip
    answer(core, round_, GERRIT, topic, "Tijdelijke huisvesting van scholen is kostbaar.")
    answer(core, round_, PAUL, "herziening-gemeentefonds", "Het ravijnjaar dwingt tot keuzes.")


def test_a_member_who_answers_by_name_and_anonymously_is_not_found_out(
    conversation: Conversation, uow_factory: UnitOfWorkFactory, database_url: str,
    open_round: Round,
) -> None:  # fmt: skip
    give_named_and_anonymous(conversation.core, open_round)

    result = run_attack(conversation, uow_factory, database_url, open_round)

    assert_hidden(result, authors=1)
    [anna] = result.findings
    assert anna.organisation == "Zeist" and "t.vermeulen@zeist.example" in anna.persons
    summary = publication(conversation, open_round.id)["inbreng summary"]
    assert "| Zeist | 3 | 1 | 0 | 1 |" in summary
    assert "**6** inbreng: 5 van **5** gemeenten en 1 anoniem." in summary
    assert "4 inbreng: 3 uit 3 gemeenten (De Ronde Venen, Harderwijk, Zeist) en 1 anoniem." in (
        summary
    )
    # Both of Anna's answers are quoted, as they would be if another had given one.
    assert summary.count("De normbedragen voor nieuwbouw") == 2


def test_an_anonymous_row_of_an_export_carries_no_number_no_time_and_comes_last(
    conversation: Conversation, open_round: Round
) -> None:
    """The CSV and XLSX rows: an anonymous answer's number and times would place it among
    its author's other answers (given a minute apart, numbered one after the other)."""
    give_named_and_anonymous(conversation.core, open_round)

    csv = conversation.core.exports.for_round(
        open_round.id, fmt=ExportFormat.CSV, language="nl", reader=Operator(name="lead")
    )
    rows = list(DictReader(io.StringIO(csv.content.decode("utf-8-sig"))))

    assert [r["Gemeente"] for r in rows] == [
        "Zeist", "Bergen op Zoom", "De Ronde Venen", "Harderwijk", "Oosterhout", "",
    ]  # fmt: skip
    anonymous = rows[-1]
    assert anonymous["Vraagstuk"].endswith("de gemeente betaalt het verschil.")
    assert (anonymous["Nr."], anonymous["Gegeven op"], anonymous["Gewijzigd op"]) == ("", "", "")
    assert all(r["Nr."] and r["Gegeven op"] for r in rows[:-1])


def test_a_summary_stored_before_anonymous_answers_were_counted_apart_still_reads() -> None:
    theme = {
        "key": "t1", "title": "Onderwijshuisvesting", "pillar_slug": "financien",
        "topic_slug": "onderwijshuisvesting", "topic_name": "Onderwijshuisvesting",
        "keywords": ["scholen"], "answers": 3, "assigned": 0, "organisations": ["Zeist"],
        "anonymous_organisations": 1, "quotes": [], "response_ids": [1, 2, 3],
        "novelty": "new", "hidden": False, "original_title": None,
    }  # fmt: skip
    body = {"round_id": 1, "meeting_title": "Overleg", "answers": 3, "organisations": 2,
            "themes": [theme], "synthesis": "", "phrased_by": "", "postings": []}  # fmt: skip

    summary = RoundSummary.from_dict(body)

    assert (summary.anonymous_answers, summary.anonymous_withheld) == (0, False)
    assert summary.themes[0].anonymous_answers == 1
    assert RoundSummary.from_dict(summary.to_dict()) == summary


# --- around the attacker's figures -------------------------------------------------------------


def test_a_decline_stays_shown_when_the_member_then_answers_anonymously(
    chat: Callable[[str], ScriptedChat], open_round: Round, core: Core
) -> None:
    """Two views a while apart: had Lochem's row turned from "nothing this time" to "no
    answer yet" while the anonymous count went up, the difference would name Bart."""
    answer(core, open_round, ANNA, "onderwijshuisvesting", "Normbedragen te laag.")
    chat(BART).type(f"niets {open_round.id}")
    before = chat(LEAD).type(f"status {open_round.id}")

    answer(core, open_round, BART, "onderwijshuisvesting", "Krimp en leegstand.", ANONYMOUS)
    after = chat(LEAD).type(f"status {open_round.id}")

    assert "Lochem:\n    niets deze keer (1 van 1)" in before
    assert "Daarnaast" not in before and "Daarnaast 1 anonieme inbreng." in after
    assert rows_of(before) == rows_of(after)


def rows_of(status: str) -> list[str]:
    """The status without its totals: one line per municipality."""
    return [line for line in status.splitlines()[2:] if line.strip()]


def test_delivery_counts_are_for_the_secretariat_only(
    chat: Callable[[str], ScriptedChat], open_round: Round
) -> None:
    """How many reminders went out follows who answered, anonymously too (and per
    municipality, when a round stops reminding a municipality that answered)."""
    assert "Berichten" in chat(SECRETARIAT).type(f"ronde {open_round.id}")
    assert "Berichten" not in chat(LEAD).type(f"ronde {open_round.id}")


def test_the_secretariat_sees_the_complete_figures_and_is_told_so(
    chat: Callable[[str], ScriptedChat], open_round: Round, core: Core
) -> None:
    answer(core, open_round, BART, "onderwijshuisvesting", "Krimp en leegstand.", ANONYMOUS)
    answer(core, open_round, ANNA, "onderwijshuisvesting", "Normbedragen te laag.")

    own = chat(SECRETARIAT).type(f"status {open_round.id}")
    lead = chat(LEAD).type(f"status {open_round.id}")

    assert "2 van 19 gemeenten hebben gereageerd (11%)" in own
    assert "Lochem:\n    1 van 1 lid gereageerd, 1 inbreng" in own
    assert "Alleen voor het secretariaat: deze cijfers tellen ook anonieme inbreng mee" in own
    assert "1 van 19 gemeenten heeft gereageerd met naam of als gemeente (5%)" in lead
    assert "Daarnaast 1 anonieme inbreng." in lead
    assert "Lochem:\n    nog geen reactie (1 lid)" in lead
    assert "secretariaat" not in lead
    # What the secretariat posts in the channel is what the lead sees.
    chat(SECRETARIAT).type(f"plaats status {open_round.id}")
    posts = [d for d in core.deliveries.for_round(open_round.id) if d.channel]
    assert posts
    for post in posts:
        posted = for_channel(core, post)
        assert posted is not None and "Lochem: nog geen reactie (1 lid)" in texts_of([posted])


# --- end to end --------------------------------------------------------------------------------


def test_a_lead_on_slack_sees_lochem_without_its_anonymous_answer(
    conversation: Conversation, slack_api: FakeSlackWebApi, open_round: Round
) -> None:
    """Through the real HTTP route, with signed requests; what the fake Slack recorded."""
    core = conversation.core
    answer(core, open_round, BART, "onderwijshuisvesting", "Krimp en leegstand.", ANONYMOUS)
    answer(core, open_round, ANNA, "onderwijshuisvesting", "Normbedragen te laag.")
    answer(core, open_round, JOOST, "herziening-gemeentefonds", "Ravijnjaar.", ORGANISATION)
    server = SlackServer(conversation, slack_api)
    try:
        server.command(LEAD_ID, f"status {open_round.id}")
        [status] = slack_api.wait_for("response_url")
        server.command(LEAD_ID, f"samenvatting {open_round.id}")
        summary = slack_api.wait_for("response_url", 2, timeout=30)[-1]
        # The lead shares the status in the pillar's channel.
        [post] = [e["action_id"] for b in status.params["blocks"] if b["type"] == "actions"
                  for e in b["elements"]]  # fmt: skip
        server.click(LEAD_ID, post, f"status {open_round.id}", ephemeral=True)
        slack_api.wait_for("response_url", 3)
        server.run_outbox()
    finally:
        server.stop()
    [channel_post] = [
        c for c in slack_api.calls_to("chat.postMessage") if c.params["channel"] == "C05PMGFIN01"
    ]

    for shown in (all_text(status), all_text(channel_post)):
        assert "Lochem\nnog geen reactie (1 lid)" in shown
        assert "2 van 19 gemeenten hebben gereageerd met naam of als gemeente (11%)" in shown
        assert "Daarnaast 1 anonieme inbreng." in shown
    shown = all_text(summary)
    assert "Tussenstand: 3 inbreng: 2 van 2 gemeenten en 1 anoniem." in shown
    assert "Onderwijshuisvesting: 2 inbreng, 1 gemeente en 1 anoniem · nieuw" in shown
    assert "“Krimp en leegstand.” (anoniem)" in shown
    assert "Lochem" not in shown and "Bart" not in shown
