"""The answers as CSV: UTF-8 with a byte-order mark, so that Excel reads the accents."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.exports.answers_table import AnswerRow, cells, headers
from bot.exports.cells import neutralise_formula
from bot.exports.words import Words


def answers_csv(rows: Sequence[AnswerRow], words: Words) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(headers(words))
    for row in rows:
        # Member text is data: a cell must never become a formula when the file is opened.
        writer.writerow(
            neutralise_formula(cell) if isinstance(cell, str) else cell
            for cell in cells(row, words)
        )
    return buffer.getvalue().encode("utf-8-sig")
