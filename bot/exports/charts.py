"""Charts for exports and posts, as PNG bytes: answers per theme, response per municipality.

Drawn for a phone first: Teams shows an inline image at most 1024x1024 px, scaled to the
width of the chat, which on a phone is some 360 px. So every image is `WIDTH_PX` wide
and at most `MAX_HEIGHT_PX` high, and its smallest text, scaled to `PHONE_WIDTH_PX`, is
at least `SMALLEST_TEXT_PX` high. Each bar has its label on a line of its own above it,
full width, rather than beside it, where a long name would leave the bars no room. A
chart with more bars than one image holds continues on the next, its title saying which
part it is ("1 of 3"). Every chart is therefore a list of images.

Drawn on matplotlib's Agg canvas without pyplot, so no global figure state is shared between
threads. The same data gives the same bytes: the PNG carries no software version or date.
Member text is drawn as plain text: mathtext and TeX are off, so `$x^2$` stays `$x^2$`.
"""

from __future__ import annotations

import io
import math
import textwrap
import warnings
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from bot.exports.chart_data import ResponseBar, ThemeBar, response_bars, theme_bars
from bot.exports.words import Words
from bot.participation import Participation
from bot.summary.model import Theme

# Teams shows inline images up to 1024x1024 px (larger ones not at all):
# https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference
MAX_HEIGHT_PX = 1024
WIDTH_PX = 720  # twice a phone's width: sharp on the 2x screens most phones have
PHONE_WIDTH_PX = 360  # the width a phone gives an image in a chat
# The smallest text on a phone, in CSS px: 11 is the smallest size of both Apple's (Caption
# 2, 11 pt) and Google's (Label small, 11 sp) type scales for mobile; WCAG sets no minimum.
SMALLEST_TEXT_PX = 11

_DPI = 144  # at WIDTH_PX and PHONE_WIDTH_PX, a point of font size is a pixel on the phone
_SCALE = _DPI / 72 * PHONE_WIDTH_PX / WIDTH_PX  # phone pixels per point
_FONT = {"small": SMALLEST_TEXT_PX / _SCALE, "label": 13 / _SCALE, "title": 15 / _SCALE}
_LABEL_CHARS = 46  # per line of a bar's label at the label font, full width
_LABEL_LINES = 2
_TITLE_CHARS = 40
# Heights in image pixels, for planning how many bars an image holds.
_LINE_PX = 13 / _SCALE * _DPI / 72 * 1.25
_BAR_PX = 30.0
_ROW_GAP_PX = 22.0
_FRAME_PX = 260.0  # title, axis, its label and the legend
_SILENT_EDGE = "#90a4ae"  # the pale bar needs an outline to show in the legend
_COLOURS = {"answers": "#1f5f8b", "answered": "#2e7d32", "declined": "#f9a825", "silent": "#cfd8dc"}


_Row = ThemeBar | ResponseBar


@dataclass(frozen=True, kw_only=True)
class _Page:
    title: str
    labels: list[str]  # wrapped
    first: int
    last: int  # exclusive


def answers_per_theme(themes: Sequence[Theme], words: Words) -> list[bytes]:
    """Horizontal bars, largest theme on top, each labelled with its number of answers."""
    return [png(figure) for figure in theme_figures(themes, words)]


def response_per_municipality(participation: Participation, words: Words) -> list[bytes]:
    """Per municipality, its asked members split into answered, nothing this time and silent."""
    return [png(figure) for figure in response_figures(participation, words)]


def theme_figures(themes: Sequence[Theme], words: Words) -> list[Figure]:
    shown = theme_bars(themes, words)
    title = words.plain("export_file.charts.themes_title")
    if len(themes) > len(shown):
        title += " " + words.plain("export_file.charts.largest", count=len(shown))

    def draw(axes: Axes, bars: Sequence[ThemeBar], positions: list[int], height: float) -> None:
        counts = [t.answers for t in bars]
        drawn = axes.barh(positions, counts, height=height, color=_COLOURS["answers"])
        axes.bar_label(drawn, labels=[str(c) for c in counts], padding=4, fontsize=_FONT["label"])
        axes.set_xlabel(words.plain("export_file.charts.themes_axis"))

    return _figures(shown, [t.label for t in shown], title, words, draw, legend=False)


def response_figures(participation: Participation, words: Words) -> list[Figure]:
    rows = response_bars(participation)
    title = words.plain("export_file.charts.response_title")

    def draw(axes: Axes, bars: Sequence[ResponseBar], positions: list[int], height: float) -> None:
        answered = [o.answered for o in bars]
        declined = [o.declined for o in bars]
        silent = [o.silent for o in bars]
        axes.barh(
            positions, answered, height=height, color=_COLOURS["answered"],
            label=words.plain("export_file.charts.answered"),
        )  # fmt: skip
        axes.barh(
            positions, declined, height=height, left=answered, color=_COLOURS["declined"],
            label=words.plain("export_file.charts.declined"),
        )  # fmt: skip
        totals = axes.barh(
            positions, silent, height=height,
            left=[a + d for a, d in zip(answered, declined, strict=True)],
            color=_COLOURS["silent"], edgecolor=_SILENT_EDGE,
            label=words.plain("export_file.charts.silent"),
        )  # fmt: skip
        axes.bar_label(
            totals, labels=[f"{o.answered}/{o.asked}" for o in bars], padding=4,
            fontsize=_FONT["label"],
        )  # fmt: skip
        axes.set_xlabel(words.plain("export_file.charts.response_axis"))

    return _figures(rows, [o.organisation for o in rows], title, words, draw, legend=True)


def _figures(
    rows: Sequence[_Row],
    labels: Sequence[str],
    title: str,
    words: Words,
    draw: Callable[[Axes, Any, list[int], float], None],
    *,
    legend: bool,
) -> list[Figure]:
    """One figure per page of `rows`, all on the same scale, so pages compare."""
    with _plain_text():
        if not rows:
            figure, axes, _ = _figure(title, rows=0, label_lines=1)
            _empty(axes, words)
            return [figure]
        wrapped = [_label(label) for label in labels]
        pages = _pages(wrapped, title, words)
        longest = max(_total(row) for row in rows)
        figures = []
        for page in pages:
            lines = max(label.count("\n") + 1 for label in page.labels)
            count = page.last - page.first
            figure, axes, row_px = _figure(page.title, rows=count, label_lines=lines)
            draw(axes, rows[page.first : page.last], list(range(count)), _BAR_PX / row_px)
            _labels_above_bars(axes, page.labels, row_px)
            axes.set_xlim(0, max(longest, 1) * 1.15)  # room for the count beside the bar
            axes.xaxis.set_major_locator(MaxNLocator(integer=True))
            if legend:
                figure.legend(
                    loc="outside lower center", ncols=2, frameon=False, fontsize=_FONT["small"]
                )
            figures.append(figure)
        return figures


def _total(row: _Row) -> int:
    return row.asked if isinstance(row, ResponseBar) else row.answers


def _pages(labels: list[str], title: str, words: Words) -> list[_Page]:
    """The rows in pages that each fit in one image; the same number on each page."""
    lines = max(label.count("\n") + 1 for label in labels)
    per_page = max(1, int((MAX_HEIGHT_PX - _FRAME_PX) // _row_px(lines)))
    count = math.ceil(len(labels) / per_page)
    per_page = math.ceil(len(labels) / count)  # even pages rather than a short last one
    pages = []
    for number in range(count):
        first, last = number * per_page, min((number + 1) * per_page, len(labels))
        shown = title
        if count > 1:
            shown += " " + words.plain("export_file.charts.part", part=number + 1, parts=count)
        pages.append(_Page(title=shown, labels=labels[first:last], first=first, last=last))
    return pages


def _row_px(label_lines: int) -> float:
    return label_lines * _LINE_PX + _BAR_PX + _ROW_GAP_PX


def _figure(title: str, *, rows: int, label_lines: int) -> tuple[Figure, Axes, float]:
    """The figure, its axes, and the height of a row in image pixels."""
    height_px = min(MAX_HEIGHT_PX, _FRAME_PX + max(rows, 2) * _row_px(label_lines))
    figure = Figure(figsize=(WIDTH_PX / _DPI, height_px / _DPI), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(
        _label(title, width=_TITLE_CHARS), loc="left", fontweight="bold", fontsize=_FONT["title"]
    )
    axes.spines[["top", "right", "left"]].set_visible(False)
    axes.tick_params(axis="y", left=False, labelleft=False)
    row = _row_px(label_lines)
    # One data unit per row; the label sits above its bar, within the row.
    axes.set_ylim(max(rows, 1) - 1 + (_BAR_PX / 2 + 6) / row, -(row - _BAR_PX / 2 - 6) / row)
    return figure, axes, row


def _labels_above_bars(axes: Axes, labels: Sequence[str], row_px: float) -> None:
    transform = blended_transform_factory(axes.transAxes, axes.transData)
    above = (_BAR_PX / 2 + 4) / row_px
    for position, label in enumerate(labels):
        axes.text(
            0, position - above, label, transform=transform, va="bottom", ha="left",
            fontsize=_FONT["label"],
        )  # fmt: skip


def _plain_text() -> AbstractContextManager[None]:
    return rc_context(
        {
            "text.parse_math": False,  # "$...$" in a member's text is not a formula
            "text.usetex": False,
            "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs everywhere
            "font.size": _FONT["small"],
            "axes.labelsize": _FONT["small"],
            "xtick.labelsize": _FONT["small"],
        }
    )


def _empty(axes: Axes, words: Words) -> None:
    axes.set_axis_off()
    axes.text(
        0.5, 0.5, words.plain("export_file.charts.empty"), ha="center", va="center",
        transform=axes.transAxes, fontsize=_FONT["label"],
    )  # fmt: skip


def _label(text: str, *, width: int = _LABEL_CHARS) -> str:
    """On at most two lines; longer text is cut with an ellipsis (the full text is elsewhere)."""
    one_line = " ".join(text.split())
    return textwrap.fill(one_line, width=width, max_lines=_LABEL_LINES, placeholder=" …")


def png(figure: Figure) -> bytes:
    """The figure as PNG, exactly its size: no tight bounding box that would change it."""
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # DejaVu has no emoji; a missing glyph is drawn as a box, which is good enough.
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()
