"""The answers as an Excel workbook: a sheet of answers and one of response per municipality.

Every text goes in as an explicit string cell, never through openpyxl's guessing, so a
member's `=HYPERLINK(...)` is stored and shown as the text it is, not as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.exports import answers_table, participation_table
from bot.exports.cells import xml_safe
from bot.exports.round_export import RoundExport
from bot.exports.words import Words

# Excel refuses longer cells and sheet titles.
_MAX_CELL = 32_767
_MAX_SHEET_TITLE = 31
_MIN_WIDTH = 8  # characters: room for the header's filter button
_MAX_WIDTH = 60  # longer text wraps
_WRAPPED = frozenset({"theme", "text", "network_help"})


def answers_xlsx(rounds: Sequence[RoundExport], words: Words, *, title: str) -> bytes:
    workbook = Workbook()
    workbook.properties.creator = "Inbreng"
    workbook.properties.title = xml_safe(title)

    answers = workbook.active
    assert answers is not None  # a new workbook has one sheet
    answers.title = _sheet_title(words.plain("export_file.sheets.answers"))
    _fill(
        answers,
        answers_table.headers(words),
        [answers_table.cells(row, words) for export in rounds for row in export.rows],
        wrapped={i for i, c in enumerate(answers_table.COLUMNS) if c in _WRAPPED},
    )

    response = workbook.create_sheet(_sheet_title(words.plain("export_file.sheets.participation")))
    _fill(
        response,
        [
            words.plain("export_file.participation_columns.round_id"),
            words.plain("export_file.participation_columns.meeting"),
            *participation_table.headers(words),
        ],
        [
            [export.round_.id, export.round_.meeting.title, *row]
            for export in rounds
            for row in participation_table.rows(export.participation)
        ],
        wrapped=set(),
    )

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _fill(
    sheet: Worksheet,
    header: list[str],
    rows: list[list[str | int]],
    *,
    wrapped: set[int],
) -> None:
    bold = Font(bold=True)
    for column, name in enumerate(header, start=1):
        _put(sheet, 1, column, name).font = bold
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            cell = _put(sheet, row_number, column, value)
            if column - 1 in wrapped:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            else:
                cell.alignment = Alignment(vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(rows) + 1}"
    for column, name in enumerate(header, start=1):
        longest = max(
            [len(name)] + [_longest_line(row[column - 1]) for row in rows], default=len(name)
        )
        sheet.column_dimensions[get_column_letter(column)].width = min(
            max(longest + 2, _MIN_WIDTH), _MAX_WIDTH
        )


def _put(sheet: Worksheet, row: int, column: int, value: str | int) -> Cell:
    cell = sheet.cell(row=row, column=column)
    if value == "":
        return cell  # left empty, as Excel's own blank cells are
    if isinstance(value, str):
        cell.value = _fit(xml_safe(value))
        cell.data_type = "s"  # a string, whatever it starts with: never a formula
    else:
        cell.value = value
    return cell


def _fit(text: str) -> str:
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _longest_line(value: str | int) -> int:
    return max((len(line) for line in str(value).splitlines()), default=0)


def _sheet_title(name: str) -> str:
    # Excel forbids these characters in sheet titles.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip()
    return cleaned[:_MAX_SHEET_TITLE] or "Sheet"
