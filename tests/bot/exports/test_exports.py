"""Exports of rounds and pillars: CSV, XLSX, the DOCX knowledge agenda, Markdown and charts.

On SQLite and PostgreSQL, through `ExportService` and the installed `inbreng export`. Every
file is read back with the library a reader would use (csv, openpyxl, python-docx,
matplotlib), and checked for what members allowed: names only when they chose to be named.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import docx
import matplotlib.image
import openpyxl
import pytest
from docx.text.paragraph import Paragraph

from bot.application.core import Core
from bot.clock import SystemClock
from bot.domain import Attribution, Response, Round
from bot.errors import InbrengError
from bot.exports import charts
from bot.exports.agenda_docx import knowledge_agenda
from bot.exports.answers_table import COLUMNS, AnswerRow
from bot.exports.csv_file import answers_csv
from bot.exports.formats import ExportFormat
from bot.exports.round_export import RoundExport
from bot.exports.xlsx_file import answers_xlsx
from bot.messages import File
from bot.network_file import load_network_file
from bot.participation import OrganisationParticipation, Participation
from bot.permissions import Operator, Permission
from bot.ports import UnitOfWorkFactory
from bot.services.exports import ExportService
from bot.services.network import load_network
from bot.services.responses import AnswerInput
from bot.services.rounds import RoundRequest
from bot.summary.markdown import summary_markdown
from bot.summary.model import Novelty, Quote, Theme
from bot.texts import Texts
from bot.voice import Voice
from inbreng.bootstrap import build_core
from inbreng.settings import Settings
from storage.database import Database
from tests.support import (
    COLLEAGUE,
    EXAMPLES,
    LEAD,
    MEMBER,
    OPERATOR,
    FakeClock,
    answer,
    inbreng_executable,
    member,
)

NAME, ORGANISATION, ANONYMOUS = (a.value for a in Attribution)
READER = Operator(name="secretariaat")  # who the audit log names for each export

HENK = "h.lubbers@coevorden.example"
SANNE = "s.kok@de-ronde-venen.example"
SOPHIE = "s.koster@zeist.example"
BART = "b.nijhof@lochem.example"  # Lochem's only answer, anonymous
MIEKE = "m.janssen@roermond.example"  # answers, then withdraws
PAUL = "p.jacobs@oosterhout.example"  # nothing this time
OTHER_PILLAR_LEAD = "g.brouwer@harderwijk.example"  # follows Economie en Fysieke Leefomgeving

# People who did not allow their name: it must appear in no export, in no format.
HIDDEN_NAMES = ("Thijs", "Vermeulen", "Sophie", "Koster", "Bart", "Nijhof")

SCRIPT = "<script>alert('x')</script> De normbedragen zijn te laag."
FORMULA = '=HYPERLINK("http://evil.example","klik")'
MATH = "Bouwkosten stijgen met $x^2$ per jaar."
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CSV_HEADER_NL = [
    "Nr.", "Uitvraag", "Overleg", "Datum overleg", "Pijler", "Onderwerp",
    "Onderwerp toegekend door de bot", "Thema", "Vraagstuk", "Wat het netwerk kan doen",
    "Naam", "Gemeente", "Gegeven op", "Gewijzigd op",
]  # fmt: skip


# --- giving answers ------------------------------------------------------------------------


def give_answers(core: Core, round_: Round) -> dict[str, Response]:
    """Answers with every attribution, hostile text among them, one withdrawn, one decline."""
    given = {
        "named": answer(core, round_, MEMBER, "onderwijshuisvesting", SCRIPT, NAME, FORMULA),
        "organisation": answer(
            core, round_, COLLEAGUE, "onderwijshuisvesting", "=1+2 IHP loopt vast.", ORGANISATION
        ),
        "anonymous": answer(
            core, round_, SOPHIE, "onderwijshuisvesting", "@SUM(A1) Zorgplicht knelt.", ANONYMOUS
        ),
        "lochem": answer(core, round_, BART, "onderwijshuisvesting", "Krimp.", ANONYMOUS),
        "math": answer(core, round_, HENK, "herziening-gemeentefonds", MATH, NAME, "-5% korting"),
        "lead": answer(core, round_, LEAD, "btw-compensatiefonds", "BCF-plafond.", NAME),
        "sanne": answer(core, round_, SANNE, "btw-compensatiefonds", "+31 BCF-plafond.", NAME),
        "other": answer(core, round_, HENK, "anders", "Personeelstekort bij de afdeling."),
    }
    withdrawn = answer(core, round_, MIEKE, "verduurzaming", "Ingetrokken (Mieke).")
    core.responses.withdraw(member(core, MIEKE), withdrawn.id)
    core.responses.decline(member(core, PAUL), round_.id)
    # The lead edits their answer, so that one row has an edit time.
    core.responses.edit(
        member(core, LEAD),
        given["lead"].id,
        AnswerInput(topic="btw-compensatiefonds", text="BCF-plafond bereikt.", network_help="",
                    attribution=NAME),
    )  # fmt: skip
    return given


@pytest.fixture
def exports(core: Core, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> ExportService:
    return ExportService(uow_factory=uow_factory, texts=core.texts, clock=clock)


# --- reading files back ----------------------------------------------------------------------


def csv_rows(file: File) -> list[dict[str, str]]:
    assert file.content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    reader = csv.reader(io.StringIO(file.content.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    return [dict(zip(COLUMNS, row, strict=True)) for row in [header, *rows]][1:]


def csv_header(file: File) -> list[str]:
    return next(csv.reader(io.StringIO(file.content.decode("utf-8-sig"), newline="")))


def office_text(content: bytes) -> str:
    """Every XML part of an Office file, unpacked: what any reader of the file could find."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith((".xml", ".rels"))
        )


def docx_text(document: docx.document.Document) -> list[str]:
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    return [p.text for p in document.paragraphs] + cells


def style_of(paragraph: Paragraph) -> str:
    style = paragraph.style
    return (style.name or "") if style is not None else ""


def docx_images(content: bytes) -> list[bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [archive.read(n) for n in sorted(archive.namelist()) if n.startswith("word/media/")]


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, as matplotlib reads the image back."""
    assert png.startswith(PNG_SIGNATURE)
    pixels = matplotlib.image.imread(io.BytesIO(png), format="png")
    return pixels.shape[1], pixels.shape[0]


# --- CSV ---------------------------------------------------------------------------------------


def test_csv_holds_every_current_answer_and_only_the_names_members_allowed(
    core: Core, open_round: Round, exports: ExportService
) -> None:
    given = give_answers(core, open_round)

    file = exports.for_round(open_round.id, fmt=ExportFormat.CSV, language="nl", reader=READER)

    assert (file.filename, file.media_type) == (f"uitvraag-{open_round.id}.csv", "text/csv")
    assert csv_header(file) == CSV_HEADER_NL
    rows, anonymous_rows = by_number(csv_rows(file))
    # The withdrawn one is left out; the anonymous ones come last, without number or times.
    assert sorted(rows) == sorted(r.id for r in given.values() if r.attribution != ANONYMOUS)
    assert [r["text"] for r in anonymous_rows] == ["'@SUM(A1) Zorgplicht knelt.", "Krimp."]
    named, organisation = rows[given["named"].id], rows[given["organisation"].id]
    assert (named["member"], named["organisation"]) == ("Anna Jansen", "Zeist")
    assert (organisation["member"], organisation["organisation"]) == ("", "Zeist")
    for anonymous in anonymous_rows:
        assert (anonymous["member"], anonymous["organisation"]) == ("", "")
        assert (anonymous["created_at"], anonymous["edited_at"]) == ("", "")
    text = file.content.decode("utf-8-sig")
    for hidden in (*HIDDEN_NAMES, "Lochem", "Ingetrokken", "Mieke", "Janssen"):
        assert hidden not in text, hidden

    assert named["round_id"] == str(open_round.id)
    assert named["meeting"] == "Pijleroverleg Financiën"
    assert named["meeting_date"] == "2026-12-15"
    assert named["pillar"] == "Financiën"
    assert (named["topic"], named["topic_assigned"]) == ("Onderwijshuisvesting", "nee")
    assert named["created_at"] == "2026-12-01T10:00:00+01:00"  # the network's time zone
    assert named["edited_at"] == ""
    assert rows[given["lead"].id]["text"] == "BCF-plafond bereikt."
    assert rows[given["lead"].id]["edited_at"] == "2026-12-01T10:00:00+01:00"
    # "anders": either still other, or placed under a topic by the bot, and then marked so.
    other = rows[given["other"].id]
    assert (other["topic"], other["topic_assigned"]) == ("anders", "nee") or (
        other["topic"] != "anders" and other["topic_assigned"] == "ja"
    ), other
    # Each answer carries the title of the theme it is in.
    summary = core.reports.summary(open_round.id)
    for theme in summary.shown:
        for response_id in theme.response_ids:
            if response_id in rows:
                assert rows[response_id]["theme"] == (theme.title or "Anders")
    titles = {t.title or "Anders" for t in summary.shown}
    assert all(r["theme"] in titles for r in anonymous_rows)


def by_number(rows: list[dict[str, str]]) -> tuple[dict[int, dict[str, str]], list[dict[str, str]]]:
    """Attributed rows by their answer number; the anonymous rows, which carry none."""
    numbered = {int(r["answer_id"]): r for r in rows if r["answer_id"]}
    return numbered, [r for r in rows if not r["answer_id"]]


def test_csv_cells_can_never_become_formulas(
    core: Core, open_round: Round, exports: ExportService
) -> None:
    given = give_answers(core, open_round)

    rows, anonymous_rows = by_number(
        csv_rows(
            exports.for_round(open_round.id, fmt=ExportFormat.CSV, language="nl", reader=READER)
        )
    )

    assert rows[given["named"].id]["network_help"] == "'" + FORMULA
    assert rows[given["organisation"].id]["text"] == "'=1+2 IHP loopt vast."
    assert anonymous_rows[0]["text"] == "'@SUM(A1) Zorgplicht knelt."
    assert rows[given["sanne"].id]["text"] == "'+31 BCF-plafond."
    assert rows[given["math"].id]["network_help"] == "'-5% korting"
    # Other text is data, verbatim: no escaping, no markup.
    assert rows[given["named"].id]["text"] == SCRIPT
    assert rows[given["math"].id]["text"] == MATH


def test_csv_neutralises_tab_and_carriage_return_too_and_speaks_english() -> None:
    row = AnswerRow(
        answer_id=1, round_id=2, meeting="Overleg", meeting_date="2026-12-15", pillar="P",
        topic="other", topic_assigned=True, theme="", text="\tstart", network_help="\rcr",
        member="", organisation="Zeist", created_at="x", edited_at="",
    )  # fmt: skip
    file = answers_csv([row], english())

    header, values = list(csv.reader(io.StringIO(file.decode("utf-8-sig"), newline="")))
    assert header[:3] == ["No.", "Round", "Meeting"]
    assert header[6] == "Topic assigned by the bot"
    assert values[6] == "yes"
    assert values[8:10] == ["'\tstart", "'\rcr"]


def english() -> Voice:
    return Voice(texts=Texts(), language="en", now=datetime(2026, 12, 1, tzinfo=UTC))


# --- XLSX --------------------------------------------------------------------------------------


def test_xlsx_has_a_sheet_of_answers_and_one_of_response_with_text_kept_as_text(
    core: Core, open_round: Round, exports: ExportService
) -> None:
    given = give_answers(core, open_round)

    file = exports.for_round(open_round.id, fmt=ExportFormat.XLSX, language="nl", reader=READER)

    assert file.filename == f"uitvraag-{open_round.id}.xlsx"
    workbook = openpyxl.load_workbook(io.BytesIO(file.content))
    assert workbook.sheetnames == ["Inbreng", "Respons per gemeente"]
    answers, response = workbook["Inbreng"], workbook["Respons per gemeente"]

    header = [c.value for c in answers[1]]
    assert header == CSV_HEADER_NL
    assert all(c.font.bold for c in answers[1])
    assert answers.freeze_panes == "A2"
    assert answers.auto_filter.ref == f"A1:N{len(given) + 1}"
    widths = [answers.column_dimensions[chr(ord("A") + i)].width for i in range(len(header))]
    assert all(8 <= w <= 62 for w in widths), widths
    all_rows = [
        dict(zip(COLUMNS, row, strict=True))
        for row in answers.iter_rows(min_row=2, values_only=True)
    ]
    rows = {r["answer_id"]: r for r in all_rows if r["answer_id"] is not None}
    anonymous_rows = [r for r in all_rows if r["answer_id"] is None]
    assert sorted(rows) == sorted(r.id for r in given.values() if r.attribution != ANONYMOUS)
    assert all_rows[-2:] == anonymous_rows
    # Hostile text is stored verbatim, as a string: never as a formula.
    named = rows[given["named"].id]
    assert (named["text"], named["network_help"]) == (SCRIPT, FORMULA)
    assert rows[given["organisation"].id]["text"] == "=1+2 IHP loopt vast."
    assert rows[given["math"].id]["text"] == MATH
    for row in answers.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    xml = office_text(file.content)
    assert "<f>" not in xml and "<f " not in xml
    for hidden in (*HIDDEN_NAMES, "Ingetrokken"):
        assert hidden not in xml, hidden
    assert (named["member"], named["organisation"]) == ("Anna Jansen", "Zeist")
    for anonymous in anonymous_rows:
        assert (anonymous["organisation"], anonymous["created_at"]) == (None, None)

    # Response per municipality, as in the summary.
    participation = core.reports.participation(open_round.id)
    assert [c.value for c in response[1]] == [
        "Uitvraag", "Overleg", "Gemeente", "Gevraagd", "Gereageerd", "Niets deze keer", "Inbreng",
    ]  # fmt: skip
    table = [list(r) for r in response.iter_rows(min_row=2, values_only=True)]
    assert table == [
        [open_round.id, "Pijleroverleg Financiën", o.organisation, o.asked, o.answered,
         o.declined, o.answers]
        for o in participation.organisations
    ]  # fmt: skip
    zeist = next(r for r in table if r[2] == "Zeist")
    assert zeist[3:] == [3, 2, 0, 2]  # Sophie's anonymous answer is not counted here
    oosterhout = next(r for r in table if r[2] == "Oosterhout")
    assert oosterhout[5] == 1  # Paul: nothing this time


def test_xlsx_drops_characters_xml_cannot_hold_and_keeps_the_rest() -> None:
    row = AnswerRow(
        answer_id=1, round_id=2, meeting="Overleg", meeting_date="2026-12-15", pillar="P",
        topic="t", topic_assigned=False, theme="", text="a\x00b\x1fc\nd", network_help="-x",
        member="", organisation="", created_at="x", edited_at="",
    )  # fmt: skip
    export = RoundExport(
        round_=None,  # type: ignore[arg-type]  # the answers sheet needs no round
        summary=None,  # type: ignore[arg-type]
        participation=Participation(
            round_id=2, organisations=[], anonymous_answers=0, anonymous_withheld=False
        ),
        rows=[row],
    )

    workbook = openpyxl.load_workbook(
        io.BytesIO(answers_xlsx([export], english(), title="t")), read_only=True
    )
    values = next(workbook["Answers"].iter_rows(min_row=2, values_only=True))
    assert values[8:10] == ("abc\nd", "-x")


# --- DOCX --------------------------------------------------------------------------------------


def test_docx_knowledge_agenda_has_themes_quotes_charts_and_response(
    core: Core, open_round: Round, exports: ExportService
) -> None:
    give_answers(core, open_round)
    summary = core.reports.summary(open_round.id)
    participation = core.reports.participation(open_round.id)

    file = exports.for_round(open_round.id, fmt=ExportFormat.DOCX, language="nl", reader=READER)

    assert file.filename == f"uitvraag-{open_round.id}.docx"
    document = docx.Document(io.BytesIO(file.content))
    paragraphs = [p.text for p in document.paragraphs]
    headings = [p.text for p in document.paragraphs if style_of(p).startswith("Heading")]
    assert document.paragraphs[0].text == "Kennisagenda Financiën"
    assert style_of(document.paragraphs[0]) == "Title"
    assert f"Uitvraag {open_round.id}: Pijleroverleg Financiën" in headings
    assert any(p.startswith("Tussenstand: de uitvraag loopt nog tot ") for p in paragraphs)
    rate = participation.answered_organisations, len(participation.organisations)
    assert f"Respons: {rate[0]} van {rate[1]} gemeenten" in "\n".join(paragraphs)

    # The themes, ranked as in the summary, each with its facts and verbatim quotes.
    shown = summary.shown
    assert shown
    theme_headings = [h for h in headings if h[:1].isdigit()]
    assert theme_headings == [f"{n}. {t.title or 'Anders'}" for n, t in enumerate(shown, start=1)]
    quotes = [p.text for p in document.paragraphs if style_of(p) == "Quote"]
    assert len(quotes) == sum(len(t.quotes) for t in shown)
    for theme in shown:
        for quote in theme.quotes:
            by = (f"{quote.member}, " if quote.member else "") + (quote.organisation or "anoniem")
            expected = f"{quote.text}\n— {by}"
            if quote.network_help:
                expected += f"\nWat het netwerk kan doen: {quote.network_help}"
            assert expected in quotes, expected
    onderwijs = next(t for t in shown if t.topic_slug == "onderwijshuisvesting")
    novelty = "Nieuw" if onderwijs.novelty == Novelty.NEW else "Terugkerend"
    assert f"{novelty}. {onderwijs.answers} inbreng: 2 uit 1 gemeente (Zeist) en 2 anoniem." in (
        paragraphs
    )
    assert "Per gemeente telt alleen inbreng met naam of als gemeente" in "\n".join(paragraphs)
    assert "Grafieken" in headings and "Respons per gemeente" in headings

    # The charts, as PNG images the size they were drawn, each chart on one or more pages.
    pages = len(charts.answers_per_theme(shown, english())) + len(
        charts.response_per_municipality(participation, english())
    )
    assert len(document.inline_shapes) == pages >= 2
    images = docx_images(file.content)
    assert len(images) == pages
    assert all(png_size(png)[0] == charts.WIDTH_PX for png in images)

    # The response per municipality as a table.
    (table,) = document.tables
    assert [c.text for c in table.rows[0].cells] == [
        "Gemeente", "Gevraagd", "Gereageerd", "Niets deze keer", "Inbreng",
    ]  # fmt: skip
    assert [[c.text for c in row.cells] for row in table.rows[1:]] == [
        [o.organisation, str(o.asked), str(o.answered), str(o.declined), str(o.answers)]
        for o in participation.organisations
    ]

    # Names members did not allow appear nowhere in the file.
    xml = office_text(file.content)
    for hidden in HIDDEN_NAMES:
        assert hidden not in xml, hidden
    assert "Lochem" not in "\n".join(paragraphs)


def test_docx_keeps_hostile_text_as_text_and_leaves_hidden_themes_out(
    core: Core, open_round: Round
) -> None:
    give_answers(core, open_round)
    round_ = core.reports.read_round(
        open_round.id, reader=OPERATOR, permission=Permission.READ_ROUND_STATUS
    )
    summary = core.reports.summary(open_round.id)
    first, *rest = summary.shown
    assert rest, "the answers make more than one theme"
    hostile = Theme(
        key="hostile", title="$\\notamacro{$ <b>vet</b>", pillar_slug="financien",
        topic_slug=None, topic_name=None, keywords=["<i>"], answers=1, assigned=0,
        organisations=["Zeist"], anonymous_answers=0, response_ids=[1],
        quotes=[Quote(response_id=1, text=SCRIPT, network_help=FORMULA, member=None,
                      organisation="Zeist")],
    )  # fmt: skip
    hidden = summary.with_theme(replace(first, hidden=True))
    reviewed = replace(hidden, themes=[*hidden.themes, hostile])
    export = RoundExport(
        round_=round_,
        summary=reviewed,
        participation=core.reports.participation(open_round.id),
        rows=[],
    )

    document = docx.Document(io.BytesIO(knowledge_agenda([export], english(), title="Agenda")))

    text = docx_text(document)
    headings = [p.text for p in document.paragraphs if style_of(p).startswith("Heading")]
    assert f"1. {first.title or 'Other'}" not in headings
    assert headings[1] == f"1. {rest[0].title or 'Other'}"  # ranks count shown themes only
    assert f"{len(rest) + 1}. $\\notamacro{{$ <b>vet</b>" in headings
    assert f"{SCRIPT}\n— Zeist\nWhat the network could do: {FORMULA}" in text
    assert "Keywords: <i>." in text
    assert "Round " in headings[0]


# --- charts ------------------------------------------------------------------------------------


def theme(title: str, answers: int) -> Theme:
    return Theme(
        key=title, title=title, pillar_slug=None, topic_slug=None, topic_name=None,
        keywords=[], answers=answers, assigned=0, organisations=[], anonymous_answers=0,
        quotes=[], response_ids=[],
    )  # fmt: skip


def test_charts_are_png_deterministic_and_grow_with_their_bars() -> None:
    few = [theme("Herziening gemeentefonds", 4), theme("", 1)]
    many = [theme(f"Thema {n} " + "lang " * n, 20 - n) for n in range(20)]
    words = english()

    (first,) = charts.answers_per_theme(few, words)
    (again,) = charts.answers_per_theme(few, words)
    tall = charts.answers_per_theme(many, words)
    (empty,) = charts.answers_per_theme([], words)

    assert first == again  # the same data, the same bytes
    assert b"Software" not in first and b"Matplotlib" not in first
    (width, height), (_, tall_height) = png_size(first), png_size(tall[0])
    assert width == charts.WIDTH_PX
    assert tall_height > height  # capped at 15 bars, still taller than two
    assert png_size(empty)[0] == charts.WIDTH_PX


def test_member_text_in_charts_is_text_not_mathtext() -> None:
    # Parsed as mathtext, this title would raise: \notamacro is no symbol, { is unclosed.
    hostile = [theme("Kosten $\\notamacro{$ <script>", 2), theme("$x^2$ 🙂", 1)]

    (png,) = charts.answers_per_theme(hostile, english())

    assert png.startswith(PNG_SIGNATURE)


def test_response_chart_shows_every_municipality() -> None:
    participation = Participation(
        round_id=1,
        organisations=[
            OrganisationParticipation(organisation=f"Gemeente $ {n}", asked=3, answered=n % 3,
                                      declined=1 if n % 3 == 0 else 0, answers=n)
            for n in range(19)
        ],
        anonymous_answers=0,
        anonymous_withheld=False,
    )  # fmt: skip

    pages = charts.response_per_municipality(participation, english())

    assert pages == charts.response_per_municipality(participation, english())
    assert len(pages) > 1  # 19 bars are more than one image a phone can read holds
    assert all(png_size(png) <= (charts.WIDTH_PX, charts.MAX_HEIGHT_PX) for png in pages)
    (empty,) = charts.response_per_municipality(replace(participation, organisations=[]), english())
    assert png_size(empty)[0] == charts.WIDTH_PX


def test_the_service_gives_the_round_charts_as_png_files(
    core: Core, open_round: Round, exports: ExportService
) -> None:
    give_answers(core, open_round)

    files = exports.charts(open_round.id, language="nl")
    again = exports.charts(open_round.id, language="nl")

    # Each chart one file, or numbered files when it takes more than one image.
    stem = f"uitvraag-{open_round.id}-"
    names = [f.filename.removeprefix(stem) for f in files]
    assert names[0] == "inbreng-per-thema.png"
    assert names[1:] == [f"respons-per-gemeente-{n}.png" for n in range(1, len(names))]
    assert {f.media_type for f in files} == {"image/png"}
    assert [f.content for f in files] == [f.content for f in again]
    assert all(png_size(f.content)[0] == charts.WIDTH_PX for f in files)


# --- Markdown ----------------------------------------------------------------------------------


def test_md_is_the_summary_document(
    core: Core, open_round: Round, exports: ExportService, clock: FakeClock
) -> None:
    give_answers(core, open_round)
    round_ = core.reports.read_round(
        open_round.id, reader=OPERATOR, permission=Permission.READ_ROUND_STATUS
    )

    file = exports.for_round(open_round.id, fmt=ExportFormat.MD, language="en", reader=READER)

    assert (file.filename, file.media_type) == (f"round-{open_round.id}.md", "text/markdown")
    assert file.content.decode("utf-8") == summary_markdown(
        Voice(texts=core.texts, language="en", now=clock.now()),
        round_,
        core.reports.summary(open_round.id),
        core.reports.participation(open_round.id),
    )


# --- a pillar over a period --------------------------------------------------------------------


def later_round(core: Core, clock: FakeClock, pillar: str, days: int) -> Round:
    return core.rounds.create(
        RoundRequest(
            pillar_slug=pillar,
            meeting_title=f"Overleg over {days} dagen",
            meeting_at=clock.now() + timedelta(days=days),
            closes_at=clock.now() + timedelta(days=days - 5),
        ),
        actor=OPERATOR,
    )


def test_a_pillar_export_covers_its_rounds_whose_meeting_falls_in_the_period(
    core: Core, open_round: Round, exports: ExportService, clock: FakeClock
) -> None:
    give_answers(core, open_round)
    january = later_round(core, clock, "financien", 60)  # meeting 2027-01-30
    elsewhere = later_round(core, clock, "economie-fysieke-leefomgeving", 20)
    scheduled = core.rounds.create(
        RoundRequest(
            pillar_slug="financien", opens_at=clock.now() + timedelta(days=1),
            closes_at=clock.now() + timedelta(days=8), meeting_at=clock.now() + timedelta(days=9),
        ),
        actor=OPERATOR,
    )  # fmt: skip
    second = answer(core, january, MEMBER, "verduurzaming", "Precario in januari.")
    answer(core, elsewhere, OTHER_PILLAR_LEAD, "anders", "Elders: stikstof.")
    called_off = later_round(core, clock, "financien", 30)
    answer(core, called_off, MEMBER, "verduurzaming", "Afgeblazen: het overleg gaat niet door.")
    core.rounds.cancel(called_off.id, actor=OPERATOR)

    def rounds_in(since: date | None, until: date | None) -> list[str]:
        file = exports.for_pillar(
            "financien",
            since=since,
            until=until,
            fmt=ExportFormat.CSV,
            language="nl",
            reader=READER,
        )
        return [row["round_id"] for row in csv_rows(file)]

    everything = exports.for_pillar(
        "financien", since=None, until=None, fmt=ExportFormat.CSV, language="nl", reader=READER
    )
    assert everything.filename == "financien.csv"
    rows = csv_rows(everything)
    assert len(rows) == 9
    assert rows[-1]["answer_id"] == str(second.id)  # the later meeting last
    assert "Elders" not in everything.content.decode("utf-8-sig")
    assert set(rounds_in(date(2027, 1, 1), None)) == {str(january.id)}
    assert set(rounds_in(None, date(2026, 12, 15))) == {str(open_round.id)}  # the day counts
    assert set(rounds_in(date(2026, 12, 16), date(2027, 1, 29))) == set()
    assert str(scheduled.id) not in rounds_in(None, None)
    # A cancelled round's meeting did not take place: its answers are on no agenda.
    assert str(called_off.id) not in rounds_in(None, None)
    assert "Afgeblazen" not in everything.content.decode("utf-8-sig")

    agenda = exports.for_pillar(
        "financien", since=date(2026, 12, 1), until=date(2027, 1, 31), fmt=ExportFormat.DOCX,
        language="nl", reader=READER,
    )  # fmt: skip
    assert agenda.filename == "financien-vanaf-2026-12-01-tot-en-met-2027-01-31.docx"
    document = docx.Document(io.BytesIO(agenda.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == "Kennisagenda Financiën"
    assert paragraphs[1] == (
        "Overleggen vanaf dinsdag 1 december 2026 tot en met zondag 31 januari 2027."
    )
    round_headings = [p.text for p in document.paragraphs if style_of(p) == "Heading 1"]
    assert round_headings == [
        f"Uitvraag {open_round.id}: Pijleroverleg Financiën",
        f"Uitvraag {january.id}: Overleg over 60 dagen",
    ]
    # Each round's two charts, each chart on one image or more.
    images = sum(len(exports.charts(r.id, language="nl")) for r in (open_round, january))
    assert len(document.inline_shapes) == images >= 4
    assert len(document.tables) == 2

    workbook = openpyxl.load_workbook(
        io.BytesIO(
            exports.for_pillar(
                "financien",
                since=None,
                until=None,
                fmt=ExportFormat.XLSX,
                language="en",
                reader=READER,
            ).content
        )
    )
    assert workbook.sheetnames == ["Answers", "Response per municipality"]
    assert {r[1] for r in workbook["Answers"].iter_rows(min_row=2, values_only=True)} == {
        open_round.id, january.id,
    }  # fmt: skip
    assert {r[0] for r in workbook["Response per municipality"].iter_rows(
        min_row=2, values_only=True)} == {open_round.id, january.id}  # fmt: skip

    markdown = exports.for_pillar(
        "financien", since=None, until=None, fmt=ExportFormat.MD, language="nl", reader=READER
    ).content.decode("utf-8")
    assert markdown.startswith("# Kennisagenda Financiën\n\n# Samenvatting: Pijleroverleg")
    assert "\n---\n\n# Samenvatting: Overleg over 60 dagen" in markdown


def test_an_empty_period_gives_empty_files_and_unknown_subjects_are_refused(
    core: Core, open_round: Round, exports: ExportService
) -> None:
    give_answers(core, open_round)
    since = date(2030, 1, 1)

    empty_csv = exports.for_pillar(
        "financien", since=since, until=None, fmt=ExportFormat.CSV, language="nl", reader=READER
    )
    empty_docx = exports.for_pillar(
        "financien", since=since, until=None, fmt=ExportFormat.DOCX, language="nl", reader=READER
    )
    with pytest.raises(InbrengError) as unknown_pillar:
        exports.for_pillar("begroting", since=None, until=None, fmt=ExportFormat.CSV,
                           language="nl", reader=READER)  # fmt: skip
    with pytest.raises(InbrengError) as unknown_round:
        exports.for_round(999, fmt=ExportFormat.XLSX, language="nl", reader=READER)

    assert csv_rows(empty_csv) == [] and csv_header(empty_csv) == CSV_HEADER_NL
    paragraphs = [p.text for p in docx.Document(io.BytesIO(empty_docx.content)).paragraphs]
    assert "Er zijn geen uitvragen van deze pijler in deze periode." in paragraphs
    assert unknown_pillar.value.key == "unknown_pillar"
    assert unknown_pillar.value.params["pillar"] == "begroting"
    assert "financien" in unknown_pillar.value.params["known"]
    assert (unknown_round.value.key, unknown_round.value.params) == (
        "round_not_found", {"round_id": 999},
    )  # fmt: skip


# --- the command line ---------------------------------------------------------------------------


def inbreng(*args: str, cwd: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INBRENG_")}
    env["INBRENG_DATABASE_URL"] = url
    return subprocess.run(
        [str(inbreng_executable()), *args],
        cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120,
        check=False,
    )  # fmt: skip


def succeeded(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def error_line(result: subprocess.CompletedProcess[str]) -> str:
    shown = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 1, shown
    assert "Traceback" not in result.stderr, shown
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, shown
    assert result.stdout == "", shown
    return lines[0]


def answered_round(url: str) -> int:
    """The example network and a Financiën round with a few answers, made in-process."""
    database = Database(url)
    try:
        load_network(database.unit_of_work, load_network_file(EXAMPLES / "network.yaml"))
        core = build_core(
            uow_factory=database.unit_of_work,
            settings=Settings(database_url=url, _env_file=None),
            clock=SystemClock(),
        )
        now = core.clock.now()
        round_ = core.rounds.create(
            RoundRequest(pillar_slug="financien", meeting_at=now + timedelta(days=14),
                         closes_at=now + timedelta(days=7)),
            actor=OPERATOR,
        )  # fmt: skip
        answer(core, round_, MEMBER, "onderwijshuisvesting", SCRIPT, NAME, FORMULA)
        answer(core, round_, COLLEAGUE, "onderwijshuisvesting", "IHP loopt vast.", ANONYMOUS)
        return round_.id
    finally:
        database.dispose()


def test_inbreng_export_writes_the_file_and_prints_its_path(
    database_url: str, tmp_path: Path
) -> None:
    round_id = answered_round(database_url)
    folder = tmp_path / "out"
    folder.mkdir()

    in_cwd = inbreng("export", str(round_id), "--format", "csv", cwd=tmp_path, url=database_url)
    to_folder = inbreng(
        "export", "--pillar", "financien", "--format", "docx", "--output", str(folder),
        cwd=tmp_path, url=database_url,
    )  # fmt: skip

    written = Path(succeeded(in_cwd).strip())
    assert written == tmp_path / f"uitvraag-{round_id}.csv"
    rows = {r["text"]: r for r in csv_rows(File(filename="", media_type="",
                                                 content=written.read_bytes()))}  # fmt: skip
    assert rows[SCRIPT]["network_help"] == "'" + FORMULA
    assert (rows[SCRIPT]["member"], rows["IHP loopt vast."]["member"]) == ("Anna Jansen", "")
    assert "Vermeulen" not in written.read_text("utf-8-sig")

    agenda = Path(succeeded(to_folder).strip())
    assert agenda == folder / "financien.docx"
    document = docx.Document(str(agenda))
    assert document.paragraphs[0].text == "Kennisagenda Financiën"
    assert len(document.inline_shapes) >= 2  # two charts, each on one image or more


def test_inbreng_export_refuses_unclear_requests_with_one_line(
    sqlite_database_url: str, tmp_path: Path
) -> None:
    url = sqlite_database_url
    round_id = answered_round(url)

    def refused(*args: str) -> str:
        return error_line(inbreng("export", *args, cwd=tmp_path, url=url))

    assert refused("--format", "csv").startswith("Geef een uitvraagnummer of --pillar")
    assert refused("999", "--format", "csv").startswith("Uitvraag 999 bestaat niet.")
    assert refused("--pillar", "begroting").startswith("Pijler “begroting” bestaat niet.")
    assert refused(str(round_id), "--since", "2026-01-01") == (
        "--since en --until horen bij --pillar: een uitvraag heeft al één overleg."
    )
    assert refused(
        "--pillar", "financien", "--output", str(tmp_path / "missing" / "x.csv")
    ).endswith("kon niet worden geschreven: No such file or directory")
    assert [p.name for p in tmp_path.iterdir()] == ["inbreng.db"]
