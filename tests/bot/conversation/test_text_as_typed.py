"""What a member sees of their own answer is what they typed, on every surface.

A member answers with text full of what platforms like to interpret (Slack mrkdwn, Markdown,
HTML, mentions, entities, emoji codes, templates, links, line-start markers), then looks at
the confirmation and at `mijn`: the text each surface shows must equal the typed text,
character for character. The one allowed difference is invisible: a word joiner (U+2060)
that keeps a broadcast (`@here`), a template or a link from forming.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.application.core import Core
from bot.conversation.conversation import Conversation
from bot.domain import Round
from testing.fakes.slack_web_api import FakeSlackWebApi
from testing.slack_harness import MEMBER_ID, SlackServer, shown_strings
from tests import teams_cards
from tests.adapters.teams.test_teams_conversation import (
    PersonalChat,
    answer_form,
    bot,
    submit_label,
)
from tests.support import MEMBER, ScriptedChat

__all__ = ["bot"]  # the Teams bot fixture, shared with test_teams_conversation

WORD_JOINER = "\u2060"
TYPED = (
    "*vet* _schuin_ ~~weg~~ `code` **ook vet** <at>Iedereen</at> <!channel> <@U0LEAD> "
    "@here &lt; &amp; R&D :smile: ${geheim} {{DATE(x)}} a\\b \\*niet vet\\*\n"
    "1. lijst\n- punt\n> citaat\n# kop\n    ingesprongen\n"
    "[klik](https://phish.example/login) www.example.org 😀 “aanhalingstekens”"
)


def visible(text: str) -> str:
    return text.replace(WORD_JOINER, "")


@pytest.fixture
def slack(conversation: Conversation, slack_api: FakeSlackWebApi) -> Iterator[SlackServer]:
    server = SlackServer(conversation, slack_api)
    yield server
    server.stop()


def test_slack_shows_an_answer_exactly_as_typed(
    slack: SlackServer, core: Core, open_round: Round
) -> None:
    slack.command(MEMBER_ID, f"inbreng {open_round.id}")
    view = slack.slack.wait_for("views.open")[-1].params["view"]
    values = {"topic": "onderwijshuisvesting", "text": TYPED, "attribution": "name"}
    assert slack.submit(MEMBER_ID, view, values).status == 200
    confirmation = slack.slack.wait_for("chat.postMessage")[-1]
    slack.command(MEMBER_ID, "mijn")
    mine = slack.slack.wait_for("response_url")[-1]

    for call in (confirmation, mine):
        assert TYPED in [visible(s) for s in shown_strings(call.params["blocks"])]
    stored = core.responses.of_member(member_of(core))
    assert [r.text for r in stored] == [TYPED]


def test_teams_shows_an_answer_exactly_as_typed(bot: Any, core: Core, open_round: Round) -> None:
    chat = PersonalChat(bot, "29:jansen")
    form = answer_form(chat, open_round)
    topic = teams_cards.inputs(form)["topic"]["choices"][0]["value"]
    chat.submit(teams_cards.press(form, submit_label(form), topic=topic, text=TYPED), on="f")
    confirmation = chat.adapter.updated_activities[-1]
    mine = chat.say("mijn")

    for card in [confirmation, *mine[1:]]:
        assert TYPED in reader_lines(teams_cards.card_of(card))
    assert [r.text for r in core.responses.of_member(member_of(core))] == [TYPED]


def test_the_console_shows_an_answer_exactly_as_typed(
    conversation: Conversation, core: Core, open_round: Round, tmp_path: Path
) -> None:
    session = ScriptedChat(conversation, MEMBER, language="nl", files_dir=tmp_path)
    # A multi-line answer ends with an empty line; network help left empty; then attribution.
    session.type("inbreng", "1", *TYPED.split("\n"), "", "", "1")
    shown = session.type("mijn")

    indented = "\n".join("    " + line for line in TYPED.split("\n"))
    assert indented in shown
    assert [r.text for r in core.responses.of_member(member_of(core))] == [TYPED]


def member_of(core: Core) -> Any:
    member = core.members.by_email(MEMBER)
    assert member is not None
    return member


def reader_lines(card: dict[str, Any]) -> str:
    """A card's rich text as its reader sees it: each block's runs joined, blocks that make
    up one text (no spacing between them) joined by line breaks."""
    texts: list[str] = []
    for node in walk(card):
        if node.get("type") == "RichTextBlock":
            line = visible("".join(run["text"] for run in node["inlines"])).replace("\u00a0", "")
            if texts and node.get("spacing") == "None":
                texts[-1] += "\n" + line
            else:
                texts.append(line)
    return "\n\n".join(texts)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)
