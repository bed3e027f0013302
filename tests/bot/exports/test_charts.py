"""Charts fit in what Teams shows inline (1024x1024 px) and can be read on a phone.

A phone shows an image in a chat some 360 px wide; scaled to that, no text on a chart may be
smaller than 11 px (the smallest size of Apple's and Google's mobile type scales), nor
reach outside the image. Checked on the drawing itself (each text's font size and extent)
and on the PNG (its size, read from its header), for the example network, a 300-answer
round, and 40 municipalities.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from bot.application.core import Core
from bot.domain import Round
from bot.exports import charts
from bot.participation import OrganisationParticipation, Participation
from bot.ports import UnitOfWorkFactory
from bot.summary.model import Theme
from bot.texts import Texts
from bot.voice import Voice
from testing.fakes.teams_limits import IMAGE_PIXELS, png_size
from tests.bot.exports.test_exports import give_answers
from tests.large_round import large_round
from tests.support import FakeClock

PHONE_WIDTH_PX = 360
READABLE_PX = 11  # on the phone


def voice(language: str) -> Voice:
    return Voice(texts=Texts(), language=language, now=datetime(2026, 12, 1, tzinfo=UTC))


def undrawn(figure: Figure) -> list[Text]:
    """The labels of ticks outside their axis' view, which matplotlib keeps but never draws."""
    hidden = []
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    hidden += [tick.label1, tick.label2]
    return hidden


def unreadable(figures: Sequence[Figure]) -> list[str]:
    """Every text too small on a phone or outside its image, and every image too large."""
    problems = []
    for number, figure in enumerate(figures, start=1):
        png = charts.png(figure)  # draws the figure: the texts' extents are known after
        width, height = png_size(png)
        if width > IMAGE_PIXELS or height > IMAGE_PIXELS:
            problems.append(f"image {number} is {width}x{height} px")
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        for text in figure.findobj(Text):
            assert isinstance(text, Text)
            if not text.get_visible() or not text.get_text().strip() or text in undrawn(figure):
                continue
            on_phone = float(text.get_fontsize()) * figure.dpi / 72 * PHONE_WIDTH_PX / width
            if on_phone < READABLE_PX:
                problems.append(f"{text.get_text()!r} is {on_phone:.1f} px high on a phone")
            box = text.get_window_extent(renderer)
            if box.x0 < -1 or box.y0 < -1 or box.x1 > width + 1 or box.y1 > height + 1:
                problems.append(f"{text.get_text()!r} reaches outside image {number}")
    return problems


def test_the_charts_of_the_example_network_fit_and_read_on_a_phone(
    core: Core, open_round: Round
) -> None:
    give_answers(core, open_round)
    summary = core.reports.summary(open_round.id)
    participation = core.reports.participation(open_round.id)

    for language in ("nl", "en"):
        themes = charts.theme_figures(summary.shown, voice(language))
        response = charts.response_figures(participation, voice(language))
        assert unreadable(themes) == [] and unreadable(response) == []
        assert len(response) > 1  # 21 municipalities: more than one readable image holds

    # What a summary posts: every chart's images, each within Teams' inline limit.
    files = core.exports.charts(open_round.id, language="nl")
    assert all(max(png_size(f.content)) <= IMAGE_PIXELS for f in files)


def test_the_charts_of_a_300_answer_round_fit_and_read_on_a_phone(
    core: Core, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    round_ = large_round(core, uow_factory, clock)
    summary = core.reports.summary(round_.id)
    participation = core.reports.participation(round_.id)

    assert unreadable(charts.theme_figures(summary.shown, voice("nl"))) == []
    assert unreadable(charts.response_figures(participation, voice("nl"))) == []
    files = core.exports.charts(round_.id, language="nl")
    assert all(max(png_size(f.content)) <= IMAGE_PIXELS for f in files)


def theme(title: str, answers: int) -> Theme:
    return Theme(
        key=title, title=title, pillar_slug=None, topic_slug=None, topic_name=None,
        keywords=[], answers=answers, assigned=0, organisations=[], anonymous_answers=0,
        quotes=[], response_ids=[],
    )  # fmt: skip


@pytest.mark.parametrize("municipalities", [1, 12, 21, 40])
def test_any_number_of_municipalities_is_spread_over_readable_images(municipalities: int) -> None:
    participation = Participation(
        round_id=1,
        organisations=[
            OrganisationParticipation(
                organisation=f"Súdwest-Fryslân-Noordoostpolder {n} " * (1 + n % 2),
                asked=40 - n, answered=n % 7, declined=n % 3, answers=n,
            )
            for n in range(municipalities)
        ],
        anonymous_answers=0,
        anonymous_withheld=False,
    )  # fmt: skip

    figures = charts.response_figures(participation, voice("en"))

    assert unreadable(figures) == []
    drawn = [t.get_text() for f in figures for t in f.findobj(Text) if isinstance(t, Text)]
    for organisation in participation.organisations:  # each municipality on some image
        start = " ".join(organisation.organisation.split())[:20]
        assert any(text.startswith(start) for text in drawn), start


def test_fifteen_long_theme_titles_stay_readable() -> None:
    themes = [theme(f"Thema {n} " + "verduurzaming schoolgebouwen " * 4, 30 - n) for n in range(20)]

    figures = charts.theme_figures(themes, voice("nl"))

    assert unreadable(figures) == []
    titles = [f.axes[0].get_title(loc="left") for f in figures]
    if len(figures) > 1:
        assert all(f"van {len(figures)})" in t.replace("\n", " ") for t in titles)
