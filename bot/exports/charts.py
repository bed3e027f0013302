"""Charts for exports and posts, as PNG bytes: answers per theme, response per municipality.

Drawn on matplotlib's Agg canvas without pyplot, so no global figure state is shared between
threads. The same data gives the same bytes: the PNG carries no software version or date.
Member text is drawn as plain text: mathtext and TeX are off, so `$x^2$` stays `$x^2$`.
"""

from __future__ import annotations

import io
import textwrap
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager

from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.exports.chart_data import response_bars, theme_bars
from bot.exports.words import Words
from bot.services.participation import Participation
from bot.themes.model import Theme

_DPI = 120
_WIDTH = 8.0  # inches
_BAR_HEIGHT = 0.42  # inches per bar, so long lists stay legible
_LABEL_WIDTH = 34  # characters per line of a bar's label
_LABEL_LINES = 2
_SILENT_EDGE = "#90a4ae"  # the pale bar needs an outline to show in the legend
_COLOURS = {"answers": "#1f5f8b", "answered": "#2e7d32", "declined": "#f9a825", "silent": "#cfd8dc"}


def answers_per_theme(themes: Sequence[Theme], words: Words) -> bytes:
    """Horizontal bars, largest theme on top, each labelled with its number of answers."""
    shown = theme_bars(themes, words)
    title = words.plain("export_file.charts.themes_title")
    if len(themes) > len(shown):
        title += " " + words.plain("export_file.charts.largest", count=len(shown))
    with _plain_text():
        figure, axes = _figure(len(shown), title)
        if not shown:
            _empty(axes, words)
        else:
            labels = [_label(t.label) for t in shown]
            counts = [t.answers for t in shown]
            positions = list(range(len(shown)))
            bars = axes.barh(positions, counts, color=_COLOURS["answers"])
            axes.bar_label(bars, labels=[str(c) for c in counts], padding=3)
            axes.set_yticks(positions, labels=labels)
            axes.invert_yaxis()
            axes.set_xlabel(words.plain("export_file.charts.themes_axis"))
            _counts_axis(axes)
        return _png(figure)


def response_per_municipality(participation: Participation, words: Words) -> bytes:
    """Per municipality, its asked members split into answered, nothing this time and silent."""
    rows = response_bars(participation)
    with _plain_text():
        figure, axes = _figure(len(rows), words.plain("export_file.charts.response_title"))
        if not rows:
            _empty(axes, words)
        else:
            positions = list(range(len(rows)))
            answered = [o.answered for o in rows]
            declined = [o.declined for o in rows]
            silent = [o.silent for o in rows]
            axes.barh(
                positions, answered, color=_COLOURS["answered"],
                label=words.plain("export_file.charts.answered"),
            )  # fmt: skip
            axes.barh(
                positions, declined, left=answered, color=_COLOURS["declined"],
                label=words.plain("export_file.charts.declined"),
            )  # fmt: skip
            totals = axes.barh(
                positions, silent, left=[a + d for a, d in zip(answered, declined, strict=True)],
                color=_COLOURS["silent"], edgecolor=_SILENT_EDGE,
                label=words.plain("export_file.charts.silent"),
            )  # fmt: skip
            axes.bar_label(totals, labels=[f"{o.answered}/{o.asked}" for o in rows], padding=3)
            axes.set_yticks(positions, labels=[_label(o.organisation) for o in rows])
            axes.invert_yaxis()
            axes.set_xlabel(words.plain("export_file.charts.response_axis"))
            figure.legend(loc="outside lower center", ncols=3, frameon=False)
            _counts_axis(axes)
        return _png(figure)


def _plain_text() -> AbstractContextManager[None]:
    return rc_context(
        {
            "text.parse_math": False,  # "$...$" in a member's text is not a formula
            "text.usetex": False,
            "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs everywhere
            "font.size": 10,
        }
    )


def _figure(bars: int, title: str) -> tuple[Figure, Axes]:
    height = max(2.5, 1.3 + _BAR_HEIGHT * bars * (1 + 0.25 * (_LABEL_LINES - 1)))
    figure = Figure(figsize=(_WIDTH, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(_label(title, width=70), loc="left", fontweight="bold")
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _counts_axis(axes: Axes) -> None:
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.margins(x=0.12)  # room for the count beside the longest bar


def _empty(axes: Axes, words: Words) -> None:
    axes.set_axis_off()
    axes.text(0.5, 0.5, words.plain("export_file.charts.empty"), ha="center", va="center")


def _label(text: str, *, width: int = _LABEL_WIDTH) -> str:
    """On at most two lines; longer text is cut with an ellipsis (the full text is elsewhere)."""
    one_line = " ".join(text.split())
    return textwrap.fill(one_line, width=width, max_lines=_LABEL_LINES, placeholder=" …")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # DejaVu has no emoji; a missing glyph is drawn as a box, which is good enough.
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    return buffer.getvalue()
