"""The neutral markup: emphasis and escapes, and values filled into texts kept literal."""

from __future__ import annotations

import pytest

from bot.markup import Markup, Span, escape, join, lines, plain, spans
from bot.texts import Texts

TRICKY = [
    "",
    "gewoon",
    "*vet*",
    "**vet**",
    "a\\b",
    "\\",
    "\\*",
    "***",
    "eind\\",
    "**open",
    "regel 1\nregel 2\n\n",
    "😀 “x” <at>y</at> ${z}",
]


@pytest.mark.parametrize("text", TRICKY)
def test_escaped_text_reads_as_the_text_itself(text: str) -> None:
    assert plain(escape(text)) == text
    assert all(not span.strong for span in spans(escape(text)))
    assert escape(escape(text)) == escape(text)  # markup is not escaped twice


def test_emphasis_is_strong_and_escapes_are_literal() -> None:
    assert spans(Markup("Typ **hulp** of \\*niet\\*")) == [
        Span("Typ "),
        Span("hulp", strong=True),
        Span(" of *niet*"),
    ]
    assert spans(Markup("**open tot het eind")) == [Span("open tot het eind", strong=True)]
    assert plain(Markup("a **b** c")) == "a b c"


def test_join_escapes_plain_parts_and_keeps_markup() -> None:
    joined = join(", ", [Markup("**a**"), "*b*"])
    assert joined == "**a**, \\*b\\*"
    assert plain(joined) == "a, *b*"


def test_lines_split_runs_at_line_breaks() -> None:
    assert lines(Markup("**a\nb**\n\nc")) == [
        [Span("a", strong=True)],
        [Span("b", strong=True)],
        [],
        [Span("c")],
    ]


def test_values_filled_into_a_text_are_literal_and_its_own_emphasis_stays() -> None:
    texts = Texts()
    rendered = texts.render("nl", "errors.unknown_command", word="**vet** \\ *x*")

    assert isinstance(rendered, Markup)
    assert "**vet** \\ *x*" in plain(rendered)  # the member's word, as typed
    help_text = texts.render("nl", "help.commands.mine")
    assert any(span.strong for span in spans(help_text))  # the text's own emphasis
