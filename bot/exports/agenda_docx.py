"""The knowledge agenda as a Word document: per round its themes, quotes and response.

Per round: the meeting, the response rate, then each theme shown in exports in the order of
the summary (title, new or recurring, answers and municipalities, keywords, quotes verbatim
with the attribution each member chose), the two charts, and the response per municipality.
A round for several pillars groups its themes per pillar.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.document import Document as DocumentObject
from docx.shared import Cm
from docx.text.paragraph import Paragraph

from bot.exports import charts, participation_table
from bot.exports.cells import xml_safe
from bot.exports.round_export import RoundExport
from bot.exports.words import Words
from bot.summary.model import Novelty, Theme

_CHART_WIDTH = Cm(16)
_TABLE_STYLE = "Light List Accent 1"


def knowledge_agenda(
    rounds: Sequence[RoundExport], words: Words, *, title: str, intro: str = ""
) -> bytes:
    document = Document()
    document.core_properties.title = xml_safe(title)
    document.core_properties.author = "Inbreng"
    document.add_heading(xml_safe(title), level=0)
    if intro:
        document.add_paragraph(xml_safe(intro))
    if not rounds:
        document.add_paragraph(words.plain("export_file.agenda.no_rounds"))
    for export in rounds:
        _round_section(document, export, words)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _round_section(document: DocumentObject, export: RoundExport, words: Words) -> None:
    _round_intro(document, export, words)
    shown = export.summary.shown
    if not shown:
        _say(document, words.plain("export_file.agenda.no_themes"))
    rank = {theme.key: number for number, theme in enumerate(shown, start=1)}
    for heading, themes in _per_pillar(export, shown, words):
        if heading is not None:
            document.add_heading(xml_safe(heading), level=2)
        for theme in themes:
            _theme(document, theme, rank[theme.key], words, level=2 if heading is None else 3)
    document.add_heading(words.plain("export_file.agenda.charts"), level=2)
    for png in (
        *charts.answers_per_theme(shown, words),
        *charts.response_per_municipality(export.participation, words),
    ):
        document.add_picture(io.BytesIO(png), width=_CHART_WIDTH)
    document.add_heading(words.plain("export_file.agenda.participation"), level=2)
    _say(document, words.plain("disclosure.per_organisation"))
    _participation_table(document, export, words)


def _round_intro(document: DocumentObject, export: RoundExport, words: Words) -> None:
    round_, participation = export.round_, export.participation
    heading = words.plain("export_file.agenda.round", id=round_.id, meeting=round_.meeting.title)
    document.add_heading(xml_safe(heading), level=1)
    _say(
        document,
        words.plain(
            "export_file.agenda.meeting",
            meeting_at=round_.meeting.starts_at,
            place=round_.meeting.place,
            pillars=export.pillar_names,
        ),
    )
    if not export.final:
        interim = words.plain("export_file.agenda.interim", closes_at=round_.closes_at)
        _say(document, interim).runs[0].italic = True
    _say(
        document,
        words.plain(
            "export_file.agenda.rate",
            answered=participation.answered_organisations,
            organisations=len(participation.organisations),
            rate=participation.rate,
            answers=export.summary.answers,
            anonymous=export.summary.anonymous_answers,
        ),
    )
    if export.summary.anonymous_withheld:
        _say(document, words.plain("disclosure.withheld"))
    if export.summary.synthesis:
        _say(document, export.summary.synthesis)


def _participation_table(document: DocumentObject, export: RoundExport, words: Words) -> None:
    header = participation_table.headers(words)
    rows = participation_table.rows(export.participation)
    table = document.add_table(rows=1 + len(rows), cols=len(header))
    table.style = document.styles[_TABLE_STYLE]
    for column, name in enumerate(header):
        table.cell(0, column).text = name
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            table.cell(number, column).text = xml_safe(str(value))


def _per_pillar(
    export: RoundExport, shown: list[Theme], words: Words
) -> list[tuple[str | None, list[Theme]]]:
    """One group without a heading for a round of one pillar; else a group per pillar, in
    the round's order, and one for the themes outside the pillars' topics."""
    if len(export.round_.pillars) <= 1:
        return [(None, shown)] if shown else []
    groups: list[tuple[str | None, list[Theme]]] = []
    slugs = {p.slug for p in export.round_.pillars}
    for pillar in export.round_.pillars:
        themes = [t for t in shown if t.pillar_slug == pillar.slug]
        if themes:
            groups.append((pillar.name, themes))
    rest = [t for t in shown if t.pillar_slug not in slugs]
    if rest:
        groups.append((words.plain("export_file.agenda.outside_pillars"), rest))
    return groups


def _theme(document: DocumentObject, theme: Theme, rank: int, words: Words, *, level: int) -> None:
    title = theme.title or words.plain("export_file.other_theme")
    document.add_heading(xml_safe(f"{rank}. {title}"), level=level)
    _say(
        document,
        words.plain(
            "export_file.agenda.theme_line",
            new=theme.novelty == Novelty.NEW,
            answers=theme.answers,
            named=theme.organisations,
            anonymous=theme.anonymous_answers,
        ),
    )
    if theme.keywords:
        _say(document, words.plain("export_file.agenda.keywords", keywords=theme.keywords))
    for quote in theme.quotes:
        paragraph = document.add_paragraph(xml_safe(quote.text), style="Quote")
        attribution = words.plain(
            "export_file.agenda.attribution", member=quote.member, organisation=quote.organisation
        )
        paragraph.add_run().add_break()
        paragraph.add_run(xml_safe(attribution))
        if quote.network_help:
            paragraph.add_run().add_break()
            paragraph.add_run(
                xml_safe(words.plain("export_file.agenda.network_help", text=quote.network_help))
            )


def _say(document: DocumentObject, line: str) -> Paragraph:
    return document.add_paragraph(xml_safe(line))
