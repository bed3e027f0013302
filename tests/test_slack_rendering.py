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
            title=HOSTILE,
            text=HOSTILE,
            fields=(Field(label="Naam", value=HOSTILE), Field(label=HOSTILE, value="kort")),
            buttons=(Button(label=HOSTILE, action="answer", value="3"),),
        ),
        Message(  # long fields: label and value as sections of their own
            text="tweede",
            fields=(Field(label=HOSTILE, value=HOSTILE * 3),),
        ),
    ]


# -- escaping ---------------------------------------------------------------------------------


def test_member_text_makes_no_mention_or_link_anywhere_slack_parses_it() -> None:
    posts = blocks.render(hostile_messages())
    mrkdwn = [t for t in text_objects(posts) if t["type"] == "mrkdwn"]
    plain = [t for t in text_objects(posts) if t["type"] == "plain_text"]
    assert len(mrkdwn) >= 5 and plain  # text, both field paths, and header and button
    parsed = [p["text"] for p in posts] + [t["text"] for t in mrkdwn]
    for text in parsed:
        for ping in PINGS:
            assert ping not in text
        assert "<" not in text and ">" not in text
        assert "&" not in ENTITY.sub("", text)  # every & is part of an entity
    assert all(t["verbatim"] is True for t in mrkdwn)
    escaped = (
        "&lt;!channel&gt; &lt;!here&gt; &lt;@U123ABC&gt; &lt;https://evil.example|klik hier&gt;"
    )
    assert all(escaped in text for text in parsed if "channel" in text)
    assert sum(escaped in text for text in parsed) >= 5
    assert any("&amp; @" in text for text in parsed)
    # Header and button labels are plain_text, which Slack shows as typed and never parses
    # into mentions or links, so `<`, `>` and `&` stay as they are there.
    header = posts[0]["blocks"][0]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text"
    button = next(b for b in posts[0]["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["text"]["type"] == "plain_text"
    assert header["text"]["text"].startswith("<!channel> <!here>")


def test_literal_broadcasts_are_defused_with_a_word_joiner_in_every_shown_string() -> None:
    posts = blocks.render(hostile_messages())
    texts = shown(posts)
    for text in texts:
        assert re.search(r"@(channel|here|everyone)\b", text, re.IGNORECASE) is None, text
    assert sum(f"@{WORD_JOINER}channel" in t for t in texts) >= 5
    assert any(f"@{WORD_JOINER}here" in t for t in texts)
    # The button's value is data, not shown: it comes back exactly as given.
    button = next(b for b in posts[0]["blocks"] if b["type"] == "actions")["elements"][0]
    assert button["value"] == "3"


def test_other_broadcast_spellings_are_defused_too() -> None:
    posts = blocks.render([Message(text="@Channel @HERE @everyone", title="@everyone")])
    for text in shown(posts):
        assert re.search(r"@(channel|here|everyone)\b", text, re.IGNORECASE) is None


def test_fallback_text_is_the_escaped_title_or_text() -> None:
    assert blocks.render([Message(text="a < b & c")])[0]["text"] == "a &lt; b &amp; c"
    titled = blocks.render([Message(title="<!here> titel", text="tekst")])[0]
    assert titled["text"] == "&lt;!here&gt; titel"


# -- Slack's limits ---------------------------------------------------------------------------


def long_text(length: int) -> str:
    lines: list[str] = []
    while len("\n".join(lines)) < length:
        i = len(lines)
        lines.append(f"Regel {i}: " + " ".join(f"woord{j}" for j in range(i % 40)))
    return "\n".join(lines)[:length]


@pytest.mark.parametrize(
    "text",
    [long_text(10_000), "x" * 10_000, ("lang " * 2000)[:10_000]],
    ids=["lines", "one-word", "words"],
)
def test_long_text_becomes_several_sections_and_nothing_is_lost(text: str) -> None:
    assert len(text) == 10_000
    posts = blocks.render([Message(text=text)])
    pieces = section_texts(posts)
    assert len(pieces) >= 4
    assert all(0 < len(p) <= blocks.SECTION_TEXT for p in pieces)
    assert without_space("".join(pieces)) == without_space(text)
    if " " in text:  # cut between words, never inside one
        assert " ".join(pieces).split() == text.split()


def test_a_text_with_no_whitespace_is_cut_exactly_at_the_limit() -> None:
    text = "".join(chr(ord("a") + i % 26) for i in range(7_000))
    pieces = section_texts(blocks.render([Message(text=text)]))
    assert [len(p) for p in pieces] == [3000, 3000, 1000]
    assert "".join(pieces) == text


@pytest.mark.parametrize(
    "text",
    ["&" * 600, "a" * 2999 + "&", "x" * 2995 + "@here", "Tom & Jerry\n" * 10],
    ids=["600-ampersands", "one-ampersand-at-the-end", "broadcast-at-the-end", "short"],
)
def test_text_that_grows_when_escaped_still_fits_and_keeps_everything(text: str) -> None:
    with deadline(2.0):
        pieces = section_texts(blocks.render([Message(text=text)]))
    assert all(0 < len(p) <= blocks.SECTION_TEXT for p in pieces)
    assert unescape("".join(pieces)) == text


@pytest.mark.parametrize(
    "text",
    ["&" * 5000, "&" * 601, "Tom & Jerry " * 300, "R&D " * 800, "<b>" * 1000,
     "b" * 2990 + "<>" * 5],
    ids=["5000-ampersands", "601-ampersands", "tom-and-jerry", "r-and-d", "tags", "brackets"],
)  # fmt: skip
def test_text_full_of_ampersands_still_fits(text: str) -> None:
    with deadline(1.0):
        pieces = section_texts(blocks.render([Message(text=text)]))
    assert all(0 < len(p) <= blocks.SECTION_TEXT for p in pieces)
    assert without_space(unescape("".join(pieces))) == without_space(text)


def test_an_answer_full_of_ampersands_renders_as_a_field() -> None:
    answer = "Tom & Jerry " * 300  # 3600 characters
    with deadline(1.0):
        posts = blocks.render([Message(fields=(Field(label="Inbreng", value=answer),))])
    pieces = section_texts(posts)
    assert all(len(p) <= blocks.SECTION_TEXT for p in pieces)
    assert without_space(unescape("".join(pieces[1:]))) == without_space(answer)


def many_blocks(count: int) -> Message:
    """A message of `count` blocks: long fields are a label section and a value section."""
    assert count % 2 == 0
    return Message(
        fields=tuple(Field(label=f"V{i}", value=f"{i} " * 100) for i in range(count // 2))
    )


def test_more_than_fifty_blocks_are_split_over_several_posts() -> None:
    message = many_blocks(120)
    assert len(blocks.message_blocks(message)) == 120
    posts = blocks.render([message])
    assert [len(p["blocks"]) for p in posts] == [50, 50, 20]
    assert [b for p in posts for b in p["blocks"]] == blocks.message_blocks(message)
    assert all(p["text"] == posts[0]["text"] for p in posts)


def test_messages_share_a_post_with_dividers_until_the_block_limit() -> None:
    messages = [Message(title=f"Ronde {i}", text=f"Tekst {i}") for i in range(30)]
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


def test_the_home_tab_allows_a_hundred_blocks() -> None:
    message = many_blocks(80)
    assert len(blocks.render([message])) == 2
    home = blocks.render([message], limit=blocks.HOME_BLOCKS)
    assert [len(p["blocks"]) for p in home] == [80]
    assert [len(p["blocks"]) for p in blocks.render([many_blocks(150)], limit=100)] == [100, 50]


def test_header_and_button_texts_are_clipped_to_slack_limits() -> None:
    message = Message(
        title="T" * 500,
        text="tekst",
        buttons=(Button(label="K" * 200, action="answer", value="v" * 3000),),
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
            Button(label="Ja", action="answer", style=ButtonStyle.PRIMARY),
            Button(label="Nee", action="decline", style=ButtonStyle.DANGER),
        )
    )
    elements = blocks.render([message])[0]["blocks"][0]["elements"]
    assert [e.get("style") for e in elements] == ["primary", "danger"]


def test_thirty_buttons_become_actions_blocks_of_at_most_25_with_unique_ids() -> None:
    buttons = tuple(Button(label=f"Ronde {i}", action="answer", value=str(i)) for i in range(30))
    post = blocks.render([Message(text="Kies", buttons=buttons)])[0]
    action_blocks = [b for b in post["blocks"] if b["type"] == "actions"]
    assert [len(b["elements"]) for b in action_blocks] == [25, 5]
    elements = [e for b in action_blocks for e in b["elements"]]
    ids = [e["action_id"] for e in elements]
    assert len(set(ids)) == 30
    assert all(actions.action_of(i) == "answer" for i in ids)
    assert [e["value"] for e in elements] == [str(i) for i in range(30)]


def test_short_fields_sit_side_by_side_at_most_ten_per_section() -> None:
    fields = tuple(Field(label=f"Label {i}", value=f"waarde {i}") for i in range(12))
    sections = blocks.render([Message(fields=fields)])[0]["blocks"]
    assert [len(s["fields"]) for s in sections] == [10, 2]
    texts = [f["text"] for s in sections for f in s["fields"]]
    assert texts == [f"*Label {i}*\nwaarde {i}" for i in range(12)]
    assert all(
        f["type"] == "mrkdwn" and f["verbatim"] is True for s in sections for f in s["fields"]
    )
    assert all("text" not in s for s in sections)


def test_long_fields_become_sections_of_their_own() -> None:
    fields = (Field(label="Kort", value="ja"), Field(label="Inbreng", value="tekst " * 1000))
    rendered = blocks.render([Message(fields=fields)])[0]["blocks"]
    assert all(b["type"] == "section" and "fields" not in b for b in rendered)
    texts = [b["text"]["text"] for b in rendered]
    assert texts[:3] == ["*Kort*", "ja", "*Inbreng*"]
    assert len(texts) >= 5  # the 6000-character value is split too
    assert all(len(t) <= blocks.SECTION_TEXT for t in texts)
    assert " ".join(texts[3:]).split() == ["tekst"] * 1000


def test_empty_messages_render_nothing() -> None:
    assert blocks.render([]) == []
    assert blocks.render([Message(), Message(text="   \n ")]) == []


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

PILLARS = tuple(Option(value=v, label=v.capitalize()) for v in ("wonen", "zorg", "werk"))
MANY = tuple(Option(value=f"o{i}", label=f"Optie {i}") for i in range(11))


def answer_form(**changes: Any) -> Form:
    values: dict[str, Any] = {
        "form_id": "answer",
        "context": "round:3",
        "title": "Inbreng voor de ronde over wonen en zorg",
        "submit_label": "Versturen naar het secretariaat",
        "cancel_label": "Annuleren en niets bewaren",
        "intro": "Wat vindt u?",
        "fields": (
            SelectField(name="topic", label="Onderwerp", options=PILLARS, initial="zorg"),
            TextField(
                name="text",
                label="Uw inbreng",
                multiline=True,
                max_length=4000,
                initial="Eerder geschreven",
                hint="Hoogstens 4000 tekens",
            ),
            ChoiceField(
                name="attribution",
                label="Naam",
                options=PILLARS,
                initial=("werk",),
                required=False,
            ),
            ChoiceField(
                name="pillars",
                label="Pijlers",
                options=PILLARS,
                initial=("wonen", "werk"),
                multiple=True,
            ),
            ChoiceField(name="many", label="Veel", options=MANY, initial=("o7",)),
            ChoiceField(
                name="many_multi",
                label="Veel, meer",
                options=MANY,
                initial=("o1", "o10"),
                multiple=True,
            ),
        ),
        "errors": {"text": "Te lang: hoogstens 4000 tekens", "ghost": "Er ging iets <mis> & zo"},
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
    assert fields["text"]["hint"]["text"] == "Hoogstens 4000 tekens"

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
    view = modals.modal(answer_form(), reply_to="C0CHANNEL")
    assert json.loads(view["private_metadata"]) == {"context": "round:3", "reply_to": "C0CHANNEL"}
    assert len(view["private_metadata"]) <= modals.PRIVATE_METADATA
    assert modals.metadata(view) == ("round:3", "C0CHANNEL")
    assert modals.metadata(modals.modal(answer_form())) == ("round:3", "")
    with pytest.raises(ValueError, match="too long"):
        modals.modal(answer_form(context="x" * 3000))


def test_errors_of_known_fields_go_under_the_field_and_others_on_top() -> None:
    form = answer_form()
    assert modals.field_errors(form) == {"text": "Te lang: hoogstens 4000 tekens"}
    view = modals.modal(form)
    top = view["blocks"][0]
    assert top["type"] == "section"
    assert "Er ging iets &lt;mis&gt; &amp; zo" in top["text"]["text"]
    assert "Te lang" not in json.dumps(view)
    assert view["blocks"][1]["text"]["text"] == "Wat vindt u?"  # then the intro
    clean = modals.modal(answer_form(errors={}))
    assert clean["blocks"][0]["text"]["text"] == "Wat vindt u?"
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
    assert modals.metadata(submitted_view({}, metadata)) == ("", "")


def test_missing_private_metadata_gives_empty_strings() -> None:
    assert modals.metadata({}) == ("", "")
    assert modals.metadata({"private_metadata": None}) == ("", "")
    assert modals.metadata({"private_metadata": '{"context": "round:3"}'}) == ("round:3", "")
