"""Block Kit and modal rendering, without a server: escaping, Slack's limits, ids, modals."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import pytest

from adapters.slack import actions, blocks, modals
from bot.markup import Markup, join
from bot.markup import escape as m
from bot.messages import (
    Button,
    ButtonStyle,
    ChoiceField,
    Field,
    Form,
    Message,
    Option,
    SelectField,
    TextField,
)
from testing.slack_harness import shown_strings

HOSTILE = "<!channel> <!here> <@U123ABC> <https://evil.example|klik hier> & @channel @here *vet*"
PINGS = ("<!channel>", "<!here>", "<@U", "<https")
WORD_JOINER = "\u2060"
ENTITY = re.compile(r"&(amp|lt|gt);")


# -- helpers --------------------------------------------------------------------------------


def text_objects(node: Any) -> Iterator[dict[str, Any]]:
    """Every Block Kit text object (mrkdwn or plain_text) anywhere in `node`."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node
        for value in node.values():
            yield from text_objects(value)
    elif isinstance(node, list):
        for item in node:
            yield from text_objects(item)


def shown(posts: list[dict[str, Any]]) -> list[str]:
    """What members see: the notification text and every text object."""
    return [p["text"] for p in posts] + [t["text"] for t in text_objects(posts)]


def unescape(text: str) -> str:
    return (
        text.replace(WORD_JOINER, "")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def section_texts(posts: list[dict[str, Any]]) -> list[str]:
    return [b["text"]["text"] for p in posts for b in p["blocks"] if b["type"] == "section"]


def without_space(text: str) -> str:
    return re.sub(r"\s+", "", text)


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Turn a hang into a TimeoutError (SIGALRM: Unix, main thread)."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def hostile_messages() -> list[Message]:
    return [
        Message(
            title=m(HOSTILE),
            text=m(HOSTILE),
            fields=(
                Field(label=m("Naam"), value=m(HOSTILE)),
                Field(label=m(HOSTILE), value=m("kort")),
            ),
            buttons=(Button(label=m(HOSTILE), action="answer", value="3"),),
        ),
        Message(  # long fields: label and value as sections of their own
            text=m("tweede"),
            fields=(Field(label=m(HOSTILE), value=m(HOSTILE * 3)),),
        ),
    ]


# -- text as it reads ---------------------------------------------------------------------


def rich_texts(posts: Any) -> list[str]:
    """Every rich_text block as a reader sees it: its text elements joined."""
    return [
        "".join(e["text"] for section in block["elements"] for e in section["elements"])
        for block in nodes_of(posts, "rich_text")
    ]


def nodes_of(node: Any, kind: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == kind:
            found.append(node)
        for value in node.values():
            found += nodes_of(value, kind)
    elif isinstance(node, list):
        for item in node:
            found += nodes_of(item, kind)
    return found


def test_member_text_reads_exactly_as_typed_and_nothing_of_it_is_mrkdwn() -> None:
    posts = blocks.render(hostile_messages())

    # No mrkdwn object in any block: Slack would apply *bold*, _italics_ and more to it.
    assert [t for t in text_objects(posts) if t["type"] == "mrkdwn"] == []
    assert all(t["emoji"] is False for t in text_objects(posts))  # :codes: stay text
    texts = [t.replace(WORD_JOINER, "") for t in rich_texts(posts)]
    assert texts[0] == HOSTILE  # the message's text, *vet* and all
    assert HOSTILE * 3 in "".join(texts)  # the long field's value, split and whole
    plain = [t["text"].replace(WORD_JOINER, "") for t in text_objects(posts)]
    assert plain[0] == HOSTILE  # the header
    assert f"Naam\n{HOSTILE}" in plain and f"{HOSTILE}\nkort" in plain  # short fields
    button = next(b for b in posts[0]["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["text"]["type"] == "plain_text"
    label = button["text"]["text"]
    assert len(label) <= blocks.BUTTON_TEXT and label.endswith("…")
    assert HOSTILE.startswith(label.replace(WORD_JOINER, "")[:-1])


def test_the_notification_text_is_escaped_mrkdwn() -> None:
    posts = blocks.render(hostile_messages())
    for text in [p["text"] for p in posts]:
        for ping in PINGS:
            assert ping not in text
        assert "<" not in text and ">" not in text
        assert "&" not in ENTITY.sub("", text)  # every & is part of an entity
    assert blocks.render([Message(text=m("a < b & c"))])[0]["text"] == "a &lt; b &amp; c"
    titled = blocks.render([Message(title=m("<!here> titel"), text=m("tekst"))])[0]
    assert titled["text"] == "&lt;!here&gt; titel"


def test_emphasis_of_the_texts_is_bold_and_member_asterisks_stay_asterisks() -> None:
    text = join(" ", [Markup("Typ **hulp** of"), m("*niet*")])

    (block,) = nodes_of(blocks.render([Message(text=text)]), "rich_text")

    elements = block["elements"][0]["elements"]
    assert [(e["text"], e.get("style")) for e in elements] == [
        ("Typ ", None), ("hulp", {"bold": True}), (" of *niet*", None),
    ]  # fmt: skip


def test_literal_broadcasts_are_defused_with_a_word_joiner_in_every_shown_string() -> None:
    posts = blocks.render(hostile_messages())
    texts = shown(posts) + rich_texts(posts)
    for text in texts:
        assert re.search(r"@(channel|here|everyone)\b", text, re.IGNORECASE) is None, text
    assert sum(f"@{WORD_JOINER}channel" in t for t in texts) >= 5
    assert any(f"@{WORD_JOINER}here" in t for t in texts)
    # The button's value is data, not shown: it comes back exactly as given.
    button = next(b for b in posts[0]["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["value"] == "3"


def test_other_broadcast_spellings_are_defused_too() -> None:
    posts = blocks.render([Message(text=m("@Channel @HERE @everyone"), title=m("@everyone"))])
    for text in shown(posts) + rich_texts(posts):
        assert re.search(r"@(channel|here|everyone)\b", text, re.IGNORECASE) is None


# -- Slack's limits ---------------------------------------------------------------------------


def long_text(length: int) -> str:
    lines: list[str] = []
    while len("\n".join(lines)) < length:
        i = len(lines)
        lines.append(f"Regel {i}: " + " ".join(f"woord{j}" for j in range(i % 40)))
    return "\n".join(lines)[:length]


@pytest.mark.parametrize(
    "text",
    [long_text(10_000), "x" * 10_000, ("lang " * 2000)[:10_000], "&" * 10_000],
    ids=["lines", "one-word", "words", "ampersands"],
)
def test_long_text_becomes_several_blocks_and_nothing_is_lost(text: str) -> None:
    assert len(text) == 10_000
    with deadline(2.0):
        pieces = rich_texts(blocks.render([Message(text=m(text))]))
    assert len(pieces) >= 4
    assert all(0 < len(p) <= blocks.RICH_TEXT for p in pieces)
    assert "".join(pieces) == text
    if " " in text:  # cut after a space, never inside a word
        assert all(p.endswith((" ", "\n")) for p in pieces[:-1])


def test_a_text_with_no_whitespace_is_cut_exactly_at_the_limit() -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(7_000))
    pieces = rich_texts(blocks.render([Message(text=m(text))]))
    assert [len(p) for p in pieces] == [3000, 3000, 1000]
    assert "".join(pieces) == text


def test_a_broadcast_at_the_end_of_a_full_block_still_fits() -> None:
    text = "x" * 2995 + "@here" + " y" * 10
    pieces = rich_texts(blocks.render([Message(text=m(text))]))
    assert all(len(p) <= blocks.RICH_TEXT for p in pieces)
    assert "".join(pieces).replace(WORD_JOINER, "") == text


def test_a_long_answer_renders_as_a_field_in_full() -> None:
    answer = "Tom & Jerry " * 300  # 3600 characters
    posts = blocks.render([Message(fields=(Field(label=m("Inbreng"), value=m(answer)),))])
    label, *value = rich_texts(posts)
    assert label == "Inbreng" and "".join(value) == answer


def many_blocks(count: int) -> Message:
    """A message of `count` blocks: long fields are a label section and a value section."""
    assert count % 2 == 0
    return Message(
        fields=tuple(Field(label=m(f"V{i}"), value=m(f"{i} " * 100)) for i in range(count // 2))
    )


def test_more_than_fifty_blocks_are_split_over_several_posts() -> None:
    message = many_blocks(120)
    assert len(blocks.message_blocks(message)) == 120
    posts = blocks.render([message])
    assert [len(p["blocks"]) for p in posts] == [50, 50, 23]  # each with its part label
    labels = [p["blocks"][0] for p in posts]
    assert [shown_strings(label) for label in labels] == [["(1/3)"], ["(2/3)"], ["(3/3)"]]
    content = [b for p in posts for b in p["blocks"] if b not in labels]
    assert content == blocks.message_blocks(message)
    assert [p["text"] for p in posts[1:]] == ["(2/3)", "(3/3)"]


def test_long_text_is_divided_on_characters_and_each_part_says_what_it_continues() -> None:
    text = " ".join(f"zin{i:05d}" for i in range(4000))  # 39,999 characters
    titled = Message(
        title=m("Samenvatting"),
        text=m(text),
        buttons=(Button(label=m("Goedkeuren"), action="summary"),),
        part_title=lambda part, parts: m(f"Samenvatting, deel {part} van {parts}"),
    )
    posts = blocks.render([titled])
    assert len(posts) == 4
    for number, post in enumerate(posts, start=1):
        shown = sum(len(piece) for piece in shown_strings(post["blocks"]))
        assert shown <= blocks.MESSAGE_BLOCK_TEXT and len(post["blocks"]) <= blocks.MESSAGE_BLOCKS
        label = next(b for b in post["blocks"] if b.get("block_id", "").startswith("part-"))
        assert shown_strings(label) == [f"Samenvatting, deel {number} van 4"]
    assert posts[0]["blocks"][0]["type"] == "header"  # the title first, then its label
    assert [p["text"] for p in posts[1:]] == [f"Samenvatting, deel {n} van 4" for n in (2, 3, 4)]
    assert posts[-1]["blocks"][-1]["type"] == "actions"  # the buttons end the last part
    rich = [
        "".join(shown_strings(b))
        for p in posts
        for b in p["blocks"]
        if b["type"] == "rich_text" and not b.get("block_id", "").startswith("part-")
    ]
    assert "".join(rich) == text  # divided, nothing cut


def test_a_reply_that_fits_one_post_has_no_part_label() -> None:
    [post] = blocks.render(
        [Message(title=m("Titel"), text=m("Kort."), part_title=lambda p, n: m(f"deel {p}"))]
    )
    assert not any(b.get("block_id", "").startswith("part-") for b in post["blocks"])


def test_messages_share_a_post_with_dividers_until_the_block_limit() -> None:
    messages = [Message(title=m(f"Ronde {i}"), text=m(f"Tekst {i}")) for i in range(30)]
    posts = blocks.render(messages)
    assert len(posts) >= 2
    for post in posts:
        assert len(post["blocks"]) <= blocks.MESSAGE_BLOCKS
        assert post["blocks"][0]["type"] == "header"  # a post never starts with a divider
        assert post["blocks"][-1]["type"] != "divider"
    headers = [b["text"]["text"] for p in posts for b in p["blocks"] if b["type"] == "header"]
    assert headers == [f"Ronde {i}" for i in range(30)]  # none lost, none split apart
    dividers = sum(b["type"] == "divider" for p in posts for b in p["blocks"])
    assert dividers == 30 - len(posts)


def test_the_home_tab_is_one_view_of_every_block() -> None:
    assert len(blocks.render([many_blocks(80)])) == 2
    home = blocks.view_blocks([many_blocks(80), many_blocks(10)])
    assert len(home) == 91 <= blocks.HOME_BLOCKS  # a divider between the two
    assert home[80] == {"type": "divider"}


def test_header_and_button_texts_are_clipped_to_slack_limits() -> None:
    message = Message(
        title=m("T" * 500),
        text=m("tekst"),
        buttons=(Button(label=m("K" * 200), action="answer", value="v" * 3000),),
    )
    post = blocks.render([message])[0]
    header = post["blocks"][0]["text"]["text"]
    assert len(header) == blocks.HEADER_TEXT and header.endswith("…")
    button = post["blocks"][-1]["elements"][0]
    assert len(button["text"]["text"]) == blocks.BUTTON_TEXT
    assert button["text"]["text"].endswith("…")
    assert len(button["value"]) == blocks.BUTTON_VALUE
    assert "style" not in button


def test_button_styles_are_carried() -> None:
    message = Message(
        buttons=(
            Button(label=m("Ja"), action="answer", style=ButtonStyle.PRIMARY),
            Button(label=m("Nee"), action="decline", style=ButtonStyle.DANGER),
        )
    )
    elements = blocks.render([message])[0]["blocks"][0]["elements"]
    assert [e.get("style") for e in elements] == ["primary", "danger"]


def test_thirty_buttons_become_actions_blocks_of_at_most_25_with_unique_ids() -> None:
    buttons = tuple(Button(label=m(f"Ronde {i}"), action="answer", value=str(i)) for i in range(30))
    post = blocks.render([Message(text=m("Kies"), buttons=buttons)])[0]
    action_blocks = [b for b in post["blocks"] if b["type"] == "actions"]
    assert [len(b["elements"]) for b in action_blocks] == [25, 5]
    elements = [e for b in action_blocks for e in b["elements"]]
    ids = [e["action_id"] for e in elements]
    assert len(set(ids)) == 30
    assert all(actions.action_of(i) == "answer" for i in ids)
    assert [e["value"] for e in elements] == [str(i) for i in range(30)]


def test_short_fields_sit_side_by_side_at_most_ten_per_section() -> None:
    fields = tuple(Field(label=m(f"Label {i}"), value=m(f"waarde {i}")) for i in range(12))
    sections = blocks.render([Message(fields=fields)])[0]["blocks"]
    assert [len(s["fields"]) for s in sections] == [10, 2]
    texts = [f["text"] for s in sections for f in s["fields"]]
    assert texts == [f"Label {i}\nwaarde {i}" for i in range(12)]
    assert all(f["type"] == "plain_text" for s in sections for f in s["fields"])
    assert all("text" not in s for s in sections)


def test_long_fields_become_sections_of_their_own() -> None:
    fields = (
        Field(label=m("Kort"), value=m("ja")),
        Field(label=m("Inbreng"), value=m("tekst " * 1000)),
    )
    rendered = blocks.render([Message(fields=fields)])[0]["blocks"]
    assert all(b["type"] == "rich_text" for b in rendered)
    texts = rich_texts(rendered)
    assert texts[:3] == ["Kort", "ja", "Inbreng"]
    labels = [rendered[0], rendered[2]]
    assert all(e["style"] == {"bold": True} for b in labels for e in b["elements"][0]["elements"])
    assert len(texts) >= 5  # the 6000-character value is split too
    assert all(len(t) <= blocks.RICH_TEXT for t in texts)
    assert "".join(texts[3:]) == "tekst " * 1000


def test_empty_messages_render_nothing() -> None:
    assert blocks.render([]) == []
    assert blocks.render([Message(), Message(text=m("   \n "))]) == []


# -- action and callback ids ------------------------------------------------------------------


@pytest.mark.parametrize("action", ["answer", "decline", "privacy", "a-b_c"])
@pytest.mark.parametrize("index", [0, 7, 24])
def test_action_ids_round_trip(action: str, index: int) -> None:
    slack_id = actions.action_id(action, index)
    assert len(slack_id) <= 255
    assert actions.action_of(slack_id) == action
    assert actions.form_of(slack_id) is None


@pytest.mark.parametrize("form_id", ["answer", "round", "erase"])
def test_callback_ids_round_trip(form_id: str) -> None:
    slack_id = actions.callback_id(form_id)
    assert actions.form_of(slack_id) == form_id
    assert actions.action_of(slack_id) is None


@pytest.mark.parametrize(
    "foreign",
    ["", "WaXA", "a", "select-fruit", "inbreng", "inbreng:", "inbreng::0", "other:answer:0",
     "inbreng-form", "inbreng-form:", "modal-callback-id", "INBRENG:answer:0"],
)  # fmt: skip
def test_foreign_ids_are_none(foreign: str) -> None:
    assert actions.action_of(foreign) is None
    assert actions.form_of(foreign) is None


# -- modals -----------------------------------------------------------------------------------

PILLARS = tuple(Option(value=v, label=m(v.capitalize())) for v in ("wonen", "zorg", "werk"))
MANY = tuple(Option(value=f"o{i}", label=m(f"Optie {i}")) for i in range(11))


def answer_form(**changes: Any) -> Form:
    values: dict[str, Any] = {
        "form_id": "answer",
        "context": "round:3",
        "title": "Inbreng voor de ronde over wonen en zorg",
        "submit_label": "Versturen naar het secretariaat",
        "cancel_label": "Annuleren en niets bewaren",
        "intro": "Wat vindt u?",
        "fields": (
            SelectField(name="topic", label=m("Onderwerp"), options=PILLARS, initial="zorg"),
            TextField(
                name="text",
                label=m("Uw inbreng"),
                multiline=True,
                max_length=3000,
                initial="Eerder geschreven",
                hint=m("Hoogstens 3000 tekens"),
            ),
            ChoiceField(
                name="attribution",
                label=m("Naam"),
                options=PILLARS,
                initial=("werk",),
                required=False,
            ),
            ChoiceField(
                name="pillars",
                label=m("Pijlers"),
                options=PILLARS,
                initial=("wonen", "werk"),
                multiple=True,
            ),
            ChoiceField(name="many", label=m("Veel"), options=MANY, initial=("o7",)),
            ChoiceField(
                name="many_multi",
                label=m("Veel, meer"),
                options=MANY,
                initial=("o1", "o10"),
                multiple=True,
            ),
        ),
        "errors": {"text": "Te lang: hoogstens 3000 tekens", "ghost": "Er ging iets <mis> & zo"},
    }
    values.update(changes)
    return Form(**values)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def option_values(options: list[dict[str, Any]]) -> list[str]:
    return [o["value"] for o in options]


def test_a_form_becomes_a_modal_with_the_right_elements() -> None:
    view = modals.modal(answer_form(), reply_to="C0CHANNEL")
    assert view["type"] == "modal"
    assert actions.form_of(view["callback_id"]) == "answer"
    for key in ("title", "submit", "close"):
        assert view[key]["type"] == "plain_text"
        assert 0 < len(view[key]["text"]) <= modals.VIEW_TITLE
        assert view[key]["text"].endswith("…")
    fields = inputs(view)
    assert list(fields) == ["topic", "text", "attribution", "pillars", "many", "many_multi"]
    assert all(f["element"]["action_id"] == modals.VALUE_ACTION for f in fields.values())
    assert [f["optional"] for f in fields.values()] == [False, False, True, False, False, False]

    topic = fields["topic"]["element"]
    assert topic["type"] == "static_select"
    assert option_values(topic["options"]) == ["wonen", "zorg", "werk"]
    assert topic["initial_option"] == topic["options"][1]

    text = fields["text"]["element"]
    assert text["type"] == "plain_text_input"
    assert text["multiline"] is True
    assert text["max_length"] == modals.TEXT_INPUT == 3000
    assert text["initial_value"] == "Eerder geschreven"
    assert fields["text"]["hint"]["text"] == "Hoogstens 3000 tekens"

    radio = fields["attribution"]["element"]
    assert radio["type"] == "radio_buttons"
    assert len(radio["options"]) == 3
    assert radio["initial_option"] == radio["options"][2]
    assert "initial_options" not in radio

    checkboxes = fields["pillars"]["element"]
    assert checkboxes["type"] == "checkboxes"
    assert option_values(checkboxes["initial_options"]) == ["wonen", "werk"]
    assert all(o in checkboxes["options"] for o in checkboxes["initial_options"])

    many = fields["many"]["element"]
    assert many["type"] == "static_select"
    assert len(many["options"]) == 11
    assert many["initial_option"]["value"] == "o7"

    many_multi = fields["many_multi"]["element"]
    assert many_multi["type"] == "multi_static_select"
    assert option_values(many_multi["initial_options"]) == ["o1", "o10"]


def test_the_modal_carries_context_and_reply_channel_in_private_metadata() -> None:
    view = modals.modal(answer_form(), reply_to="C0CHANNEL", language="en")
    assert json.loads(view["private_metadata"]) == {
        "context": "round:3",
        "reply_to": "C0CHANNEL",
        "language": "en",
        "limits": {"text": 3000},
    }
    assert len(view["private_metadata"]) <= modals.PRIVATE_METADATA
    assert modals.metadata(view) == modals.Metadata(
        "round:3", "C0CHANNEL", language="en", limits={"text": 3000}
    )
    assert modals.metadata(modals.modal(answer_form())).reply_to == ""
    sourced = modals.modal(answer_form(), source=("D0DM", "1700000000.000100"))
    assert modals.metadata(sourced).source == ("D0DM", "1700000000.000100")
    with pytest.raises(ValueError, match="too long"):
        modals.modal(answer_form(context="x" * 3000))


def test_errors_of_known_fields_go_under_the_field_and_others_on_top() -> None:
    form = answer_form()
    assert modals.field_errors(form) == {"text": "Te lang: hoogstens 3000 tekens"}
    view = modals.modal(form)
    top = view["blocks"][0]
    assert top["type"] == "rich_text"
    assert rich_texts(top) == ["⚠️ Er ging iets <mis> & zo"]
    assert "Te lang" not in json.dumps(view)
    assert rich_texts(view["blocks"][1]) == ["Wat vindt u?"]  # then the intro
    clean = modals.modal(answer_form(errors={}))
    assert rich_texts(clean["blocks"][0]) == ["Wat vindt u?"]
    assert modals.field_errors(answer_form(errors={"ghost": "x"})) == {}


def test_a_form_without_cancel_label_gets_a_close_cross_and_short_labels_stay() -> None:
    view = modals.modal(answer_form(title="Inbreng", submit_label="Verstuur", cancel_label=""))
    assert view["title"]["text"] == "Inbreng"
    assert view["submit"]["text"] == "Verstuur"
    assert view["close"]["text"] == "×"


def selected(option: str, label: str = "") -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": label or option, "emoji": True}, "value": option}


def submitted_view(state: dict[str, dict[str, Any]], metadata: str = "") -> dict[str, Any]:
    """A submitted view in Slack's published shape: block id -> action id -> element state."""
    return {
        "type": "modal",
        "callback_id": actions.callback_id("answer"),
        "private_metadata": metadata,
        "state": {"values": {block: {"value": element} for block, element in state.items()}},
    }


def test_submitted_values_are_read_from_slack_state() -> None:
    view = submitted_view({
        "topic": {"type": "static_select", "selected_option": selected("zorg", "Zorg")},
        "text": {"type": "plain_text_input", "value": "Mijn inbreng & meer"},
        "network_help": {"type": "plain_text_input", "value": None},
        "empty_text": {"type": "plain_text_input"},
        "attribution": {"type": "radio_buttons", "selected_option": selected("anon")},
        "no_radio": {"type": "radio_buttons", "selected_option": None},
        "pillars": {"type": "checkboxes",
                    "selected_options": [selected("wonen"), selected("werk")]},
        "no_boxes": {"type": "checkboxes", "selected_options": []},
        "many_multi": {"type": "multi_static_select", "selected_options": [selected("o3")]},
        "no_select": {"type": "static_select", "selected_option": None},
        "date": {"type": "datepicker", "selected_date": "2019-09-23"},
    })  # fmt: skip
    assert modals.values(view) == {
        "topic": "zorg",
        "text": "Mijn inbreng & meer",
        "network_help": "",
        "empty_text": "",
        "attribution": "anon",
        "no_radio": "",
        "pillars": ("wonen", "werk"),
        "no_boxes": (),
        "many_multi": ("o3",),
        "no_select": "",
        "date": "2019-09-23",
    }
    assert modals.values({"type": "modal"}) == {}
    assert modals.values({"state": {"values": {}}}) == {}


def test_an_untouched_modal_submits_its_initial_values() -> None:
    """Slack's state for a field nobody changed holds the initial value: a round trip."""
    view = modals.modal(answer_form())
    state: dict[str, dict[str, Any]] = {}
    for block_id, block in inputs(view).items():
        element = block["element"]
        echoed: dict[str, Any] = {"type": element["type"]}
        if "initial_value" in element:
            echoed["value"] = element["initial_value"]
        if "initial_option" in element:
            echoed["selected_option"] = element["initial_option"]
        if "initial_options" in element:
            echoed["selected_options"] = element["initial_options"]
        state[block_id] = echoed
    assert modals.values(submitted_view(state)) == {
        "topic": "zorg",
        "text": "Eerder geschreven",
        "attribution": "werk",
        "pillars": ("wonen", "werk"),
        "many": "o7",
        "many_multi": ("o1", "o10"),
    }


@pytest.mark.parametrize(
    "metadata",
    ["This is for you!", "[1, 2]", '["round:3", "C1"]', "42", "null", '"round:3"', "", "{"],
)
def test_garbage_private_metadata_gives_empty_strings(metadata: str) -> None:
    assert modals.metadata(submitted_view({}, metadata)) == modals.Metadata()


def test_missing_private_metadata_gives_empty_strings() -> None:
    assert modals.metadata({}) == modals.Metadata()
    assert modals.metadata({"private_metadata": None}) == modals.Metadata()
    assert modals.metadata({"private_metadata": '{"context": "round:3"}'}) == modals.Metadata(
        "round:3"
    )
    forged = '{"context": "round:3", "source": ["D0DM", {"ts": 1}]}'
    assert modals.metadata({"private_metadata": forged}).source is None
