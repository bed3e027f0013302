"""Adaptive Card rendering and card data, without a server: escaping, Teams' limits,
forms shown again with what was typed, and what Teams sends back read as ours or not."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.teams import card_data, cards, text
from bot.markup import Markup, join
from bot.markup import escape as m
from bot.messages import (
    Button,
    ButtonStyle,
    ChoiceField,
    Field,
    File,
    Form,
    Message,
    Option,
    SelectField,
    TextField,
)
from testing.teams_harness import TEAMS_FIXTURES

WORD_JOINER = "\u2060"
NO_BREAK_SPACE = "\u00a0"
MARKDOWN = set("\\`*_~[]")
HOSTILE = (
    "[Klik hier](https://phish.example/login) **vet** _schuin_ <at>Jan</at> ${secret} "
    '</TextBlock>"}]} {{DATE(2017-02-14T06:00:00Z, SHORT)}} ~~weg~~ `code` &lt; @channel'
)

TOPICS = (Option(value="jeugd", label=m("Jeugdzorg")), Option(value="wmo", label=m("Wmo")))
OPTIONS = (Option(value="a", label=m("Eerste")), Option(value="b", label=m("Tweede")))
ATTRIBUTION = (Option(value="named", label=m("Met naam")), Option(value="anon", label=m("Anoniem")))

JsonObject = dict[str, Any]


# -- helpers --------------------------------------------------------------------------------


def nodes(node: Any) -> Iterator[JsonObject]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from nodes(item)


def of_type(node: Any, kind: str) -> list[JsonObject]:
    return [n for n in nodes(node) if n.get("type") == kind]


def shown(escaped: str) -> str:
    """What Teams shows for escaped text: escapes gone, paragraphs as lines, lookalikes
    read as what they stand for."""
    lines = []
    for paragraph in escaped.split("\n\n"):
        line = "" if paragraph == NO_BREAK_SPACE else re.sub(r"\\(.)", r"\1", paragraph)
        lines.append(
            line.replace(WORD_JOINER, "")
            .replace(NO_BREAK_SPACE, " ")
            .replace("‹", "<")
            .replace("›", ">")
        )
    return "\n".join(lines)


def unescaped_markdown(escaped: str) -> list[str]:
    """Markdown specials in `escaped` that no backslash escapes."""
    found, index = [], 0
    while index < len(escaped):
        if escaped[index] == "\\":
            index += 2
            continue
        if escaped[index] in MARKDOWN:
            found.append(escaped[index])
        index += 1
    return found


def pressed(attachment: JsonObject, title: str, **typed: str) -> JsonObject:
    """What Teams sends as `activity.value` for the button `title`: its data, with the
    card's inputs (prefilled, or as typed) merged in unless it sends none."""
    content = attachment["content"]
    (action,) = [a for a in of_type(content, "Action.Submit") if a["title"] == title]
    if action.get("associatedInputs") == "none":
        return dict(action["data"])
    inputs = {
        n["id"]: str(n.get("value", ""))
        for n in nodes(content)
        if str(n.get("type", "")).startswith("Input.")
    }
    return {**inputs, **typed, **action["data"]}


def load_fixture(name: str) -> JsonObject:
    fixture: JsonObject = json.loads((TEAMS_FIXTURES / name).read_text(encoding="utf-8"))
    return fixture


def answer_form(**changes: Any) -> Form:
    settings: dict[str, Any] = {
        "form_id": "answer",
        "context": "round:7",
        "title": "Jouw inbreng",
        "submit_label": "Versturen",
        "cancel_label": "Annuleren",
        "intro": "Welk vraagstuk speelt er in *jouw* gemeente?",
        "fields": (
            SelectField(
                name="topic",
                label=m("Onderwerp"),
                options=TOPICS,
            ),
            TextField(
                name="text",
                label=m("Vraagstuk"),
                multiline=True,
                max_length=2000,
                hint=m("Bijvoorbeeld: de kosten"),
            ),
            ChoiceField(
                name="options",
                label=m("Opties"),
                options=OPTIONS,
                multiple=True,
                required=False,
            ),
            ChoiceField(
                name="attribution",
                label=m("Naamsvermelding"),
                options=ATTRIBUTION,
            ),
        ),
    }
    return Form(**(settings | changes))


# -- text as it reads ---------------------------------------------------------------------


def runs_of(node: Any) -> list[JsonObject]:
    return of_type(node, "TextRun")


def colour(block: JsonObject) -> str | None:
    """The colour a RichTextBlock's text is shown in (None: the default)."""
    runs = runs_of(block)
    return str(runs[0]["color"]) if runs and "color" in runs[0] else None


def read(node: Any) -> str:
    """Every RichTextBlock as a reader sees it, a line each: its runs joined, the
    invisible word joiners and the no-break space of an empty line left out."""
    return "\n".join(
        "".join(run["text"] for run in block["inlines"])
        .replace(WORD_JOINER, "")
        .replace(NO_BREAK_SPACE, "")
        for block in of_type(node, "RichTextBlock")
    )


@pytest.mark.parametrize(
    "typed",
    [
        "Onze gemeente worstelt met de kosten van de jeugdzorg, vooral sinds 2025.",
        "Financiën, coöperatie en één café in Zeist 😀👍🏽 — “goed” idee?",
        "**vet** _schuin_ `code` ~~weg~~ a\\b <at>Jan</at> &lt; &#60; R&D",
        "1. eerst\n- tweede\n+ derde\n# kop\n> citaat\n===\n    ingesprongen\n\nnieuw",
        '</TextBlock>"}]} <script>x</script> [Klik hier](https://phish.example/login)',
        "${secret} $${x} {{DATE(2017-02-14T06:00:00Z, SHORT)}} {{{y}}} www.example.org",
    ],
    ids=["sentence", "accents-emoji", "markdown-html-entities", "line-starts", "tags-links",
         "templates"],
)  # fmt: skip
def test_member_text_reads_exactly_as_typed_and_is_never_markdown(typed: str) -> None:
    blocks = cards.text_blocks(m(typed))

    assert read(blocks) == typed
    # Rich text only: no TextBlock or FactSet, whose Markdown could change what is shown.
    assert of_type(blocks, "TextBlock") == [] and of_type(blocks, "FactSet") == []
    assert all(run.keys() <= {"type", "text", "weight"} for run in runs_of(blocks))


def test_no_template_function_or_link_can_form_from_member_text() -> None:
    shown_text = "".join(run["text"] for run in runs_of(cards.text_blocks(m(HOSTILE))))

    assert "${" not in shown_text and "{{" not in shown_text and "://" not in shown_text
    assert "${" not in cards.label(m("Knop ${secret}"), 75)


def test_emphasis_of_the_texts_is_bold_and_member_asterisks_stay_asterisks() -> None:
    text_with_emphasis = join(" ", [Markup("Typ **hulp** of"), m("*niet*")])

    runs = runs_of(cards.text_blocks(text_with_emphasis))

    assert [(r["text"], r.get("weight")) for r in runs] == [
        ("Typ ", None), ("hulp", "Bolder"), (" of *niet*", None),
    ]  # fmt: skip


def test_clip_fits_labels_and_marks_the_cut() -> None:
    assert text.clip("Versturen", 75) == "Versturen"
    assert text.clip("x" * 100, 10) == "x" * 9 + "…"


def test_a_long_text_comes_in_blocks_within_their_share_and_holds_all_of_it() -> None:
    source = ("Ravijnjaar *2026* voor [gemeente](x) met <at>Jan</at> en 😀. " * 400).strip()

    blocks = cards.text_blocks(m(source))

    assert len(blocks) > 4
    assert all(text.json_size(b) <= text.TEXT_BLOCK_BYTES for b in blocks)
    assert read(blocks).replace("\n", "") == source


# -- card data ------------------------------------------------------------------------------


def test_a_button_round_trips() -> None:
    data = card_data.button_data("answer", "12")

    assert card_data.parse(json.loads(json.dumps(data))) == card_data.ButtonPressed("answer", "12")


def test_a_cancel_round_trips() -> None:
    assert card_data.parse(card_data.cancel_data("answer")) == card_data.FormCancelled("answer")


def test_form_values_arrive_without_our_keys_and_multi_select_split() -> None:
    value = {
        **card_data.submit_data(answer_form()),
        "topic": "jeugd",
        "text": "Te weinig handen, a,b blijft tekst",
        "options": "a,b",
        "attribution": "anon",
    }

    parsed = card_data.parse(value)

    assert parsed == card_data.FormSubmitted(
        form_id="answer",
        context="round:7",
        values={
            "topic": "jeugd",
            "text": "Te weinig handen, a,b blijft tekst",
            "options": ("a", "b"),
            "attribution": "anon",
        },
        card=value[card_data.CARD],
    )


def test_each_form_card_is_sent_with_a_token_of_its_own() -> None:
    first, second = card_data.submit_data(answer_form()), card_data.submit_data(answer_form())

    assert first[card_data.CARD] and first[card_data.CARD] != second[card_data.CARD]


@pytest.mark.parametrize("chosen", ["", None])
def test_a_multi_select_with_nothing_chosen_is_empty(chosen: str | None) -> None:
    value = card_data.submit_data(answer_form())
    if chosen is not None:
        value["options"] = chosen

    parsed = card_data.parse(value)

    assert isinstance(parsed, card_data.FormSubmitted)
    assert parsed.values["options"] == ()


def test_other_json_in_form_values_is_coerced_or_dropped() -> None:
    value = {
        **card_data.submit_data(answer_form()),
        "number": 5,
        "toggle": True,
        "nested": {"a": 1},
        "listed": ["x"],
        "nothing": None,
        "huge": 10**5000,
        "options": ["a", 3, "b"],
    }

    parsed = card_data.parse(value)

    assert isinstance(parsed, card_data.FormSubmitted)
    assert parsed.values == {"number": "5", "toggle": "true", "options": ("a", "b")}


@pytest.mark.parametrize(
    "value",
    [
        None,
        [],
        ["inbreng", "button"],
        "inbreng",
        42,
        {},
        {"key": "value"},
        {"key": "value", "x": "herocard"},
        {"inbreng": 1},
        {"inbreng": ["button"]},
        {"inbreng": {"kind": "button"}},
        {"inbreng": "unknown", "action": "answer"},
        {"inbreng": "button"},
        {"inbreng": "button", "action": ""},
        {"inbreng": "button", "action": ["answer"]},
        {"inbreng": "button", "action": "answer", "value": 12},
        {"inbreng": "form"},
        {"inbreng": "form", "form": None, "context": "x"},
        {"inbreng": "form", "form": "answer", "context": {"round": 7}},
        {"inbreng": "form", "form": "answer", "multiple": "options"},
        {"inbreng": "form", "form": "answer", "multiple": [1]},
        {"inbreng": "cancel"},
        {"inbreng": "cancel", "form": 3},
        {"msteams": {"type": "messageBack", "text": "hulp"}},
    ],
)
def test_anything_not_ours_is_none(value: object) -> None:
    assert card_data.parse(value) is None


@pytest.mark.parametrize(
    "name",
    ["adaptive_card_action_submit.recording.json", "adaptive_card_messageback.recording.json"],
)
def test_a_foreign_cards_submission_from_teams_is_not_ours(name: str) -> None:
    activity = load_fixture(name)["body"]

    assert activity["value"]  # the foreign card did send data
    assert card_data.parse(activity["value"]) is None


# -- message cards --------------------------------------------------------------------------


def test_a_message_becomes_one_adaptive_card_like_a_published_one() -> None:
    published = load_fixture("outbound_adaptive_card_message.json")["attachments"][0]
    message = Message(
        title=m("Uitvraag *Financiën*"),
        text=m(HOSTILE),
        fields=(
            Field(label=m("Sluit"), value=m("11 december")),
            Field(label=m("<b>"), value=m("_x_")),
        ),
        buttons=(
            Button(label=m("Inbreng geven"), action="answer", value="7", style=ButtonStyle.PRIMARY),
            Button(label=m("Niets"), action="decline", value="7", style=ButtonStyle.DANGER),
            Button(label=m("Later"), action="later"),
        ),
    )

    (attachment,) = cards.render([message])

    content = attachment["content"]
    assert attachment["contentType"] == published["contentType"]
    assert content["type"] == published["content"]["type"] == "AdaptiveCard"
    assert content["version"] and published["content"]["version"]
    assert content["$schema"] == published["content"]["$schema"]
    assert content["msteams"] == {"width": "Full"}
    assert json.loads(json.dumps(attachment)) == attachment
    title, text_block, *rows = content["body"]
    assert runs_of(title)[0]["weight"] == "Bolder"
    assert read(title) == "Uitvraag *Financiën*" and read(text_block) == HOSTILE
    assert [(read(r["columns"][0]), read(r["columns"][1])) for r in rows] == [
        ("Sluit", "11 december"),
        ("<b>", "_x_"),
    ]
    assert [a.get("style") for a in content["actions"]] == ["positive", "destructive", None]
    assert [card_data.parse(a["data"]) for a in content["actions"]] == [
        card_data.ButtonPressed("answer", "7"),
        card_data.ButtonPressed("decline", "7"),
        card_data.ButtonPressed("later", ""),
    ]


def test_member_text_never_becomes_markup_anywhere_in_a_card() -> None:
    message = Message(
        title=m(HOSTILE),
        text=m(HOSTILE),
        fields=(Field(label=m(HOSTILE), value=m(HOSTILE)),),
        buttons=(Button(label=m(HOSTILE), action="answer"),),
        files=(File(filename="a.txt", media_type="text/plain", content=HOSTILE.encode()),),
    )
    form = answer_form(title=HOSTILE, intro=HOSTILE, errors={"_form": HOSTILE})

    attachments = [*cards.render([message]), cards.form_card(form)]

    shown_strings = [run["text"] for run in runs_of(attachments)] + [
        str(node[key])
        for node in nodes(attachments)
        for key in ("title", "label", "placeholder", "errorMessage", "altText")
        if isinstance(node.get(key), str)
    ]
    for string in shown_strings:
        assert "${" not in string and "{{" not in string and "://" not in string
    # Text only in rich text runs, which Teams shows as they are; no Markdown anywhere.
    assert of_type(attachments, "TextBlock") == [] and of_type(attachments, "FactSet") == []
    assert HOSTILE in read(attachments).split("\n")


def test_a_long_text_is_split_over_cards_with_all_of_it_and_buttons_last() -> None:
    sentence = "Het ravijnjaar raakt *onze* gemeente hard, zie [dit](https://x.example). "
    long_text = (sentence * (30_000 // len(sentence) + 1))[:30_000]
    buttons = (Button(label=m("Inbreng geven"), action="answer", value="7"),)

    attachments = cards.render(
        [Message(title=m("Samenvatting"), text=m(long_text), buttons=buttons)]
    )

    assert len(attachments) > 1
    assert all(text.json_size(a) <= text.CARD_BYTES for a in attachments)
    blocks = [b for a in attachments for b in a["content"]["body"]]
    assert read(blocks[0]) == "Samenvatting"
    assert read(blocks[1:]).replace("\n", "") == long_text
    assert [bool(a["content"]["actions"]) for a in attachments] == [False] * (
        len(attachments) - 1
    ) + [True]


def test_every_button_beyond_six_stays_reachable_in_order() -> None:
    buttons = tuple(Button(label=m(f"Ronde {i}"), action="answer", value=str(i)) for i in range(14))

    (attachment,) = cards.render([Message(text=m("Kies een ronde"), buttons=buttons)])

    content = attachment["content"]
    action_sets = of_type(content["body"], "ActionSet")
    assert all(len(s["actions"]) <= cards.SHOWN_ACTIONS for s in action_sets)
    assert len(content["actions"]) <= cards.SHOWN_ACTIONS
    reachable = [a for s in action_sets for a in s["actions"]] + content["actions"]
    assert [card_data.parse(a["data"]) for a in reachable] == [
        card_data.ButtonPressed("answer", str(i)) for i in range(14)
    ]


def test_six_buttons_sit_in_the_action_bar() -> None:
    buttons = tuple(Button(label=m(f"Knop {i}"), action="a", value=str(i)) for i in range(6))

    (attachment,) = cards.render([Message(text=m("Kies"), buttons=buttons)])

    assert len(attachment["content"]["actions"]) == 6
    assert of_type(attachment["content"]["body"], "ActionSet") == []


def test_a_message_without_content_gives_no_card() -> None:
    assert cards.render([Message()]) == []


def test_a_text_file_is_shown_in_full_in_monospace() -> None:
    document = "# Uitvraag 7\n\n- Jeugdzorg: *3* antwoorden\n    ingesprongen\n" * 200
    file = File(filename="uitvraag-7.md", media_type="text/markdown", content=document.encode())

    attachments = cards.render([Message(text=m("Het verslag"), files=(file,))])

    blocks = [b for a in attachments for b in a["content"]["body"]]
    assert read(blocks[1]).startswith("uitvraag-7.md (")
    code = [b for b in blocks if runs_of(b)[0].get("fontType") == "Monospace"]
    assert len(code) > 1 and all(text.json_size(a) <= text.CARD_BYTES for a in attachments)
    assert read(code).replace(NO_BREAK_SPACE, "") == document.rstrip("\n")


def test_a_binary_file_gives_its_name_and_size_only() -> None:
    file = File(filename="export.pdf", media_type="application/pdf", content=b"\x00" * 12_345)

    (attachment,) = cards.render([Message(files=(file,))])

    (heading,) = attachment["content"]["body"]
    assert read(heading) == "export.pdf (12 kB)"


def test_undecodable_bytes_in_a_text_file_are_replaced_not_fatal() -> None:
    file = File(filename="a.json", media_type="application/json", content=b'{"a": "\xff"}')

    (attachment,) = cards.render([Message(files=(file,))])

    assert "\ufffd" in read(attachment["content"]["body"][-1])


# -- form cards -----------------------------------------------------------------------------


def test_a_form_card_has_labelled_inputs_and_both_actions() -> None:
    attachment = cards.form_card(answer_form())

    content = attachment["content"]
    assert json.loads(json.dumps(attachment)) == attachment
    inputs = {n["id"]: n for n in nodes(content) if str(n.get("type")).startswith("Input.")}
    assert inputs["topic"]["type"] == "Input.ChoiceSet" and inputs["topic"]["style"] == "compact"
    assert [c["value"] for c in inputs["topic"]["choices"]] == ["jeugd", "wmo"]
    assert inputs["text"] | {"label": "Vraagstuk"} == inputs["text"]
    assert inputs["text"]["isMultiline"] is True and inputs["text"]["maxLength"] == 2000
    assert inputs["text"]["placeholder"] == "Bijvoorbeeld: de kosten"
    assert inputs["text"]["isRequired"] is True and inputs["text"]["errorMessage"]
    assert inputs["options"]["isMultiSelect"] is True and inputs["options"]["style"] == "expanded"
    assert inputs["options"]["isRequired"] is False and "errorMessage" not in inputs["options"]
    assert inputs["attribution"]["isMultiSelect"] is False
    submit, cancel = content["actions"]
    assert submit["title"] == "Versturen" and submit["style"] == "positive"
    assert cancel["title"] == "Annuleren" and cancel["associatedInputs"] == "none"
    assert card_data.parse(pressed(attachment, "Annuleren")) == card_data.FormCancelled("answer")


def test_a_form_without_cancel_label_has_only_submit() -> None:
    content = cards.form_card(answer_form(cancel_label=""))["content"]

    assert [a["title"] for a in content["actions"]] == ["Versturen"]


def test_what_teams_sends_for_a_form_reads_back_as_its_values() -> None:
    attachment = cards.form_card(answer_form())

    value = pressed(
        attachment, "Versturen", topic="wmo", text=HOSTILE, options="a,b", attribution="named"
    )

    assert card_data.parse(json.loads(json.dumps(value))) == card_data.FormSubmitted(
        form_id="answer",
        context="round:7",
        values={"topic": "wmo", "text": HOSTILE, "options": ("a", "b"), "attribution": "named"},
        card=value[card_data.CARD],
    )


def test_a_form_shown_again_keeps_what_was_typed_and_shows_the_errors() -> None:
    typed = "Te weinig handen. " * 200 + "${niet} <at>weg</at>"
    form = answer_form(
        fields=(
            SelectField(name="topic", label=m("Onderwerp"), options=TOPICS, initial="wmo"),
            TextField(name="text", label=m("Vraagstuk"), multiline=True, initial=typed),
            ChoiceField(
                name="options",
                label=m("Opties"),
                options=OPTIONS,
                multiple=True,
                initial=("a", "b"),
            ),
        ),
        errors={"text": m("Te lang: hooguit 2000 tekens"), "_form": m("De ronde is *gesloten*")},
    )

    attachment = cards.form_card(form)

    body = attachment["content"]["body"]
    ids = [b.get("id") for b in body]
    error_under_text = body[ids.index("text") + 1]
    assert colour(error_under_text) == "attention"
    assert read(error_under_text) == "Te lang: hooguit 2000 tekens"
    general = body[1]
    assert colour(general) == "attention" and read(general) == "De ronde is *gesloten*"
    assert colour(body[ids.index("topic") + 1]) is None  # no error, no red line
    inputs = {b["id"]: b for b in body if "id" in b}
    assert inputs["text"]["value"] == typed  # exactly as typed: it is sent back as shown
    assert inputs["text"]["errorMessage"] == "Te lang: hooguit 2000 tekens"
    assert inputs["topic"]["value"] == "wmo" and inputs["options"]["value"] == "a,b"
    resent = card_data.parse(pressed(attachment, "Versturen"))
    assert isinstance(resent, card_data.FormSubmitted)
    assert resent.values == {"topic": "wmo", "text": typed, "options": ("a", "b")}


@pytest.mark.parametrize(
    "field",
    [
        TextField(name="context", label=m("Context")),
        TextField(name="inbreng", label=m("Inbreng")),
        ChoiceField(
            name="several",
            label=m("Meerdere"),
            options=(Option(value="a,b", label=m("A en B")),),
            multiple=True,
        ),
    ],
)
def test_a_form_that_teams_would_send_back_garbled_is_refused(
    field: TextField | ChoiceField,
) -> None:
    with pytest.raises(ValueError):
        cards.form_card(answer_form(fields=(field,)))


def test_an_image_travels_inline_and_does_not_count_towards_the_card_size() -> None:
    """Teams leaves base64 images out of its message size limit: a summary's two charts
    stay on the summary's card, whole."""
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 120  # some 30 kB, beyond one card
    charts = tuple(
        File(filename=f"grafiek-{n}.png", media_type="image/png", content=png) for n in (1, 2)
    )
    (attachment,) = cards.render([Message(text=m("Samenvatting"), files=charts)])
    images = [e for e in attachment["content"]["body"] if e["type"] == "Image"]
    assert [i["altText"] for i in images] == ["grafiek-1.png", "grafiek-2.png"]
    for image in images:
        media_type, _, data = image["url"].partition(";base64,")
        assert media_type == "data:image/png" and base64.b64decode(data) == png
    assert len(json.dumps(attachment)) > text.CARD_BYTES  # only because of the images
