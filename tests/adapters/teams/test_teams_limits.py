"""Every kind of message the bot sends in Teams, at the sizes of a 300-answer round of
4,000-character answers, within Teams' published limits (`testing.fakes.teams_limits`).

Through the real routes: members type in their personal chat (POST /api/messages) and the
outbox sends invitations, reminders, summaries for review and posts in a channel. The fake
connector refuses what Teams would refuse or not show, so an excess is a lost message; every
test also checks that nothing was refused and that what should arrive arrived whole.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from adapters.teams import cards
from bot.application.core import Core
from bot.conversation import views
from bot.conversation.conversation import Conversation
from bot.domain import Attribution, DeliveryKind, ResponseData, Round
from bot.markup import escape
from bot.messages import Button, Field, Message
from bot.ports import UnitOfWorkFactory
from bot.services.rounds import MAX_QUESTION_CHARS, MAX_TITLE_CHARS, RoundRequest
from testing.fakes import teams_limits
from testing.fakes.teams_connector import FakeTeamsConnector
from testing.fakes.teams_limits import ADAPTIVE_CARD
from testing.teams_harness import JsonObject, TeamsServer, personal_message, team_install
from tests import teams_cards
from tests.large_round import ANSWER_CHARS, large_round, long_text
from tests.support import LEAD, MEMBER, OPERATOR, SECRETARIAT, FakeClock, answer, teams_tenant_of

USERS = {"29:member": MEMBER, "29:lead": LEAD, "29:secretariat": SECRETARIAT}
FINANCE_CHANNEL = "19:4f1c9a7e5b2d4c6e8a0b1d3f5e7a9c1b@thread.tacv2"
WORD_JOINER = "\u2060"
CONTINUED = re.compile(r", (deel|part) \d+ (van|of) \d+$")
_IDS = itertools.count(1)


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """SQLite only: what is measured here is the messages, not the database."""
    return sqlite_database_url


@pytest.fixture
def connector() -> Iterator[FakeTeamsConnector]:
    with FakeTeamsConnector() as fake:
        teams: dict[str, list[str]] = {}
        for user_id, email in USERS.items():
            tenant = teams_tenant_of(email)
            fake.add_user(user_id, name=email, email=email, tenant_id=tenant)
            teams.setdefault(tenant, []).append(user_id)
        for tenant, members in teams.items():
            fake.add_team(f"19:{tenant}@thread.tacv2", name=tenant, members=members)
        yield fake


@pytest.fixture
def teams(conversation: Conversation, connector: FakeTeamsConnector) -> Iterator[TeamsServer]:
    server = TeamsServer(conversation)
    for tenant in {teams_tenant_of(email) for email in USERS.values()}:
        install = team_install(
            connector.url, team_id=f"19:{tenant}@thread.tacv2", name=tenant, tenant=tenant
        )
        assert server.post(install).status == 201
    yield server
    server.stop()


def say(teams: TeamsServer, connector: FakeTeamsConnector, user_id: str, text: str,
        **extra: Any) -> list[JsonObject]:  # fmt: skip
    """What the bot answers in the user's personal chat to `text` (or to a pressed button)."""
    chat = f"a:{user_id}"
    before = len(connector.activities(chat))
    activity = personal_message(
        connector.url, user_id, text=text or None, tenant=teams_tenant_of(USERS[user_id]), **extra
    )
    assert teams.post(activity).status in (200, 201)
    return connector.activities(chat)[before:]


def within_limits(connector: FakeTeamsConnector) -> None:
    """Nothing refused, and every activity the connector holds measured again."""
    refused = [[str(e) for e in excesses] for _, excesses in connector.refused]
    assert refused == []
    for conversation in connector.conversations():
        for activity in connector.activities(conversation):
            assert teams_limits.excesses(activity) == [], conversation


def runs(activities: list[JsonObject]) -> str:
    """All the text on the cards, run after run, without line breaks or word joiners: a
    long text is whole on them when its lines, joined, are in here."""
    found = []
    for activity in activities:
        for attachment in activity.get("attachments") or []:
            for element in (attachment.get("content") or {}).get("body") or []:
                shown = [
                    str(n.get("text", "")) for n in _walk(element) if n.get("type") == "TextRun"
                ]
                if not CONTINUED.search("".join(shown)):  # not the line saying which part
                    found += shown
    return "".join(found).replace(WORD_JOINER, "")


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def whole(text: str) -> str:
    return text.replace("\n", "")


def answers_of(core: Core, uow_factory: UnitOfWorkFactory, clock: FakeClock, email: str,
               round_: Round, count: int) -> list[str]:  # fmt: skip
    """`count` answers of ANSWER_CHARS characters by one member, as `large_round` stores them."""
    member = core.members.by_email(email)
    assert member is not None
    texts = [long_text(next(_IDS), "jeugdzorg", "Zeist") for _ in range(count)]
    with uow_factory() as uow:
        for text in texts:
            uow.responses.add(
                ResponseData(
                    round_id=round_.id,
                    member_id=member.id,
                    organisation_id=member.organisation_id,
                    topic_id=None,
                    text=text,
                    network_help=long_text(next(_IDS), "lobby", "Den Haag", length=1000),
                    attribution=Attribution.NAME,
                ),
                at=clock.now(),
            )
        uow.commit()
    return texts


@pytest.mark.parametrize("count", [29, 300])
def test_mine_shows_every_answer_whole_within_the_limits(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core,
    uow_factory: UnitOfWorkFactory, clock: FakeClock, open_round: Round, count: int,
) -> None:  # fmt: skip
    texts = answers_of(core, uow_factory, clock, MEMBER, open_round, count)

    shown = say(teams, connector, "29:member", "mijn")

    within_limits(connector)
    on_cards = runs(shown)
    assert all(whole(t) in on_cards for t in texts)
    # As few cards as hold them, each part after the first saying what it continues.
    assert 1 < len(shown) < count
    assert teams_cards.text(shown[0]).splitlines()[1] == f"Uw inbreng, deel 1 van {len(shown)}"
    for number, activity in enumerate(shown[1:], start=2):
        assert teams_cards.text(activity).splitlines()[0] == (
            f"Uw inbreng, deel {number} van {len(shown)}"
        )


def test_a_300_answer_round_in_every_message_within_the_limits(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core,
    uow_factory: UnitOfWorkFactory, clock: FakeClock,
) -> None:  # fmt: skip
    round_ = large_round(core, uow_factory, clock)
    core.rounds.create(
        RoundRequest(
            pillar_slug="financien",
            meeting_title=("Pijleroverleg Financiën, " + "lange titel " * 20)[:MAX_TITLE_CHARS],
            question=("Welke vraagstukken spelen er? " * 60)[:MAX_QUESTION_CHARS],
            meeting_at=clock.now() + timedelta(days=14),
            closes_at=clock.now() + timedelta(days=7),
            reminders=(timedelta(days=2),),
        ),
        actor=OPERATOR,
    )

    # Invitations, then (on the Monday) reminders: from the outbox.
    teams.run_outbox()
    invitations = connector.activities("a:29:member")
    assert len(invitations) == 2
    clock.advance(days=6)
    teams.run_outbox()
    assert len(connector.activities("a:29:member")) == 3
    within_limits(connector)

    # Help, rounds, status, the round's view, the draft summary; the forms for a new
    # round and for editing a 4,000-character answer.
    assert say(teams, connector, "29:member", "hulp")
    assert say(teams, connector, "29:secretariat", "hulp")
    assert say(teams, connector, "29:secretariat", "rondes")
    assert say(teams, connector, "29:lead", "rondes")
    assert say(teams, connector, "29:lead", f"status {round_.id}")
    assert say(teams, connector, "29:secretariat", f"status {round_.id}")
    assert say(teams, connector, "29:secretariat", f"ronde {round_.id}")
    assert say(teams, connector, "29:lead", f"samenvatting {round_.id}")
    assert say(teams, connector, "29:secretariat", "nieuw")
    mine = core.responses.of_member(core.members.by_email(MEMBER))  # type: ignore[arg-type]
    longest = max(mine, key=lambda r: len(r.text))
    assert len(longest.text) == ANSWER_CHARS
    (form,) = say(teams, connector, "29:member", f"wijzig {longest.id}")
    assert teams_cards.inputs(form)["text"]["value"] == longest.text
    within_limits(connector)

    # A confirmation of an answer as long as a form takes.
    limit = teams_cards.inputs(form)["text"].get("maxLength") or ANSWER_CHARS
    submit = next(t for t, d in teams_cards.actions(form).items() if d.get("inbreng") == "form")
    value = teams_cards.press(form, submit, text="Nieuwe tekst. " * (limit // 14))
    confirmation = say(teams, connector, "29:member", "", value=value, replyToId=form["id"])
    within_limits(connector)
    assert "Nieuwe tekst." in runs(connector.activities("a:29:member")[-len(confirmation) - 1 :])

    # The member's own data, with every answer in it.
    exported = say(teams, connector, "29:member", "privacy export")
    within_limits(connector)
    kept = next(r for r in mine if r.id != longest.id)
    assert json.dumps(kept.text, ensure_ascii=False)[1:-1] in runs(exported)

    # Closed: the summary for review, in the lead's chat; posted: one thread in the channel.
    core.rounds.close(round_.id, actor=OPERATOR)
    teams.run_outbox()
    assert say(teams, connector, "29:lead", f"samenvatting {round_.id}")
    say(teams, connector, "29:lead", f"plaats samenvatting {round_.id}")
    teams.run_outbox()
    within_limits(connector)
    posts = [c for c in connector.conversations() if c.startswith(FINANCE_CHANNEL)]
    assert posts, "the summary was posted"
    threads = {c.split(";messageid=")[0] for c in posts}
    assert threads == {FINANCE_CHANNEL}
    started = connector.activities(FINANCE_CHANNEL)
    assert len(started) == 1, "one post in the channel; any further part replies to it"
    thread = [a for c in posts if c != FINANCE_CHANNEL for a in connector.activities(c)]
    images = teams_limits.inline_images(started + thread)
    charts = core.exports.charts(round_.id, language="nl")
    assert [data for _, data in images] == [f.content for f in charts]
    parts = len(thread) + 1
    assert f"deel 1 van {parts}" in teams_cards.text(started[0]).splitlines()[1]
    for number, part in enumerate(thread, start=2):
        assert f"deel {number} van {parts}" in teams_cards.text(part).splitlines()[0]


# -- one card -----------------------------------------------------------------------------


def test_mine_and_rounds_are_one_card_each(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, clock: FakeClock,
    open_round: Round, scheduled_round: Round,
) -> None:  # fmt: skip
    given = [
        answer(core, open_round, MEMBER, "onderwijshuisvesting", f"Vraagstuk {n}: bouwkosten.")
        for n in range(1, 8)
    ]

    (mine,) = say(teams, connector, "29:member", "mijn")
    (rounds,) = say(teams, connector, "29:secretariat", "rondes")

    shown = teams_cards.text(mine)
    assert all(f"Vraagstuk {n}: bouwkosten." in shown for n in range(1, 8))
    edits = [n["data"] for n in _walk(mine["attachments"]) if n.get("type") == "Action.Submit"]
    assert sorted(d["value"] for d in edits if d["action"] == "edit") == sorted(
        str(r.id) for r in given
    )
    listed = teams_cards.text(rounds)
    assert f"Uitvraag {open_round.id}:" in listed and f"Uitvraag {scheduled_round.id}:" in listed
    within_limits(connector)


def test_a_posted_summary_is_one_compact_card_with_the_quotes_in_full_behind_more(
    teams: TeamsServer, connector: FakeTeamsConnector, core: Core, open_round: Round,
) -> None:  # fmt: skip
    long = "De bouwkosten van scholen stijgen sneller dan de normbedragen. " * 12
    answer(core, open_round, MEMBER, "onderwijshuisvesting", long.strip())
    answer(core, open_round, LEAD, "onderwijshuisvesting", "Kort en krachtig.")
    core.rounds.close(open_round.id, actor=OPERATOR)
    teams.run_outbox()
    lead = core.members.by_email(LEAD)
    assert lead is not None and lead.id is not None
    core.deliveries.post_to_channels(open_round, DeliveryKind.SUMMARY, actor=lead)

    teams.run_outbox()

    within_limits(connector)
    (post,) = [a for c in connector.conversations() if c.startswith(FINANCE_CHANNEL)
               for a in connector.activities(c)]  # fmt: skip
    body = teams_cards.card_of(post)["body"]
    folded = [e for e in body if e["type"] != "ActionSet"]  # what shows before "Meer"
    shown = teams_cards.text(
        {"attachments": [{**post["attachments"][0], "content": {"body": folded}}]}
    )
    # The long quote: its beginning, whole words, then "…"; the short one as it is.
    start = views.excerpt(long.strip())
    assert start.endswith(" …") and len(start) <= views.QUOTE_CHARS + 2
    assert long.strip().startswith(start.removesuffix(" …"))
    assert start in shown and long.strip() not in shown
    assert "Kort en krachtig." in shown
    assert "ingekort" in shown  # and who reads every answer in full
    # "Meer" shows the theme with its quotes in full, in the card itself.
    (more,) = [n for n in _walk(body) if n.get("type") == "Action.ShowCard"]
    assert more["title"] == "Meer"
    assert long.strip() in runs([{"attachments": [{"content": more["card"]}]}])


def test_a_quote_is_cut_at_a_word_boundary_only_when_it_is_long() -> None:
    assert views.excerpt("Kort.") == "Kort."
    assert views.excerpt("a" * views.QUOTE_CHARS) == "a" * views.QUOTE_CHARS
    assert views.excerpt("woord " * 100) == ("woord " * 40).strip() + " …"
    unbroken = "x" * (views.QUOTE_CHARS * 2)
    assert views.excerpt(unbroken) == "x" * views.QUOTE_CHARS + " …"


# -- the fake enforces the limits as Teams does ----------------------------------------------


def post_activity(connector: FakeTeamsConnector, activity: JsonObject) -> tuple[int, JsonObject]:
    request = urllib.request.Request(
        connector.url + "v3/conversations/a:29:member/activities",
        data=json.dumps(activity).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def card_activity(body: list[JsonObject]) -> JsonObject:
    card = {"type": "AdaptiveCard", "version": "1.5", "body": body}
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "content": card}]}


def png_of(width: int, height: int) -> bytes:
    figure = Figure(figsize=(width / 100, height / 100), dpi=100)
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def test_the_fake_refuses_a_message_teams_counts_as_too_large_and_keeps_nothing(
    connector: FakeTeamsConnector,
) -> None:
    # In UTF-8 both cards are within 28 KB; Teams counts the message in UTF-16: 38 KB fits,
    # 42 KB does not.
    fits = card_activity([{"type": "TextBlock", "text": "a" * 19_000}])
    too_large = card_activity([{"type": "TextBlock", "text": "a" * 21_000}])

    assert post_activity(connector, fits)[0] == 201
    status, answer_ = post_activity(connector, too_large)

    assert (status, answer_["error"]["code"]) == (413, "MessageSizeTooBig")
    assert len(connector.activities("a:29:member")) == 1
    ((refused, excesses),) = connector.refused
    assert refused == too_large and [e.what for e in excesses] == ["message (UTF-16 bytes)"]


def test_the_fake_leaves_inline_images_out_of_the_size_but_refuses_one_too_large_to_show(
    connector: FakeTeamsConnector,
) -> None:
    def image(png: bytes) -> JsonObject:
        return {"type": "Image", "url": "data:image/png;base64," + base64.b64encode(png).decode()}

    shown = png_of(1024, 1024)
    wide = png_of(1100, 400)
    assert teams_limits.png_size(shown) == (1024, 1024) and len(shown) > 1_000

    assert post_activity(connector, card_activity([image(shown)] * 4))[0] == 201
    status, answer_ = post_activity(connector, card_activity([image(wide)]))

    assert status == 400 and "inline image width (px): 1100 > 1024" in answer_["error"]["message"]
    assert len(connector.activities("a:29:member")) == 1


# -- packing, without the server -------------------------------------------------------------


def test_messages_go_on_in_parts_whole_and_each_message_on_one_card() -> None:
    answers = [
        Message(
            title=escape(f"Inbreng {n}"),
            fields=(Field(label=escape("Tekst"), value=escape(long_text(n, "jeugdzorg", "Ede"))),),
            buttons=(Button(label=escape("Wijzigen"), action="edit", value=str(n)),),
        )
        for n in range(9)
    ]
    header = Message(
        title=escape("Uw inbreng (9)"),
        part_title=lambda part, parts: escape(f"Uw inbreng (9), deel {part} van {parts}"),
    )

    attachments = cards.render([header, *answers])

    assert 1 < len(attachments) < len(answers)
    activities = [{"type": "message", "attachments": [a]} for a in attachments]
    assert all(teams_limits.excesses(a) == [] for a in activities)
    for number, activity in enumerate(activities, start=1):
        lines = teams_cards.text(activity).splitlines()
        label = f"Uw inbreng (9), deel {number} van {len(activities)}"
        assert lines[1 if number == 1 else 0] == label  # the first under its title
    for n in range(9):  # each answer whole, on exactly one card, with its button
        holding = [a for a in activities if f"Inbreng {n}" in teams_cards.text(a).splitlines()]
        assert len(holding) == 1
        assert whole(long_text(n, "jeugdzorg", "Ede")) in runs(holding)


def test_more_than_one_card_can_fold_away_is_shown_in_full_in_place() -> None:
    full = escape("“" + "Lang citaat. " * 1500 + "” (Zeist)")
    theme = Field(
        label=escape("Thema"), value=escape("“Lang citaat. …” (Zeist)"), more=full,
        more_label=escape("Meer"),
    )  # fmt: skip

    attachments = cards.render([Message(title=escape("Samenvatting"), fields=(theme,))])

    activities = [{"type": "message", "attachments": [a]} for a in attachments]
    assert all(teams_limits.excesses(a) == [] for a in activities)
    assert not [n for n in _walk(attachments) if n.get("type") == "Action.ShowCard"]
    assert whole("Lang citaat. " * 1500) in runs(activities)
