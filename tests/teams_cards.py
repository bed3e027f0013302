"""Reading Adaptive Cards the way a Teams user sees them: their text, buttons and inputs,
whatever the layout; and what Teams sends back when a button is pressed."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_ESCAPE = re.compile(r"\\(.)")
WORD_JOINER = "\u2060"  # invisible: what keeps a link or template from forming
NO_BREAK_SPACE = "\u00a0"  # an empty line

JsonObject = dict[str, Any]


def card_of(activity: Mapping[str, Any] | Any) -> JsonObject:
    """The Adaptive Card in an activity (a botbuilder Activity or its JSON)."""
    if isinstance(activity, Mapping):
        attachments = activity.get("attachments") or []
        assert len(attachments) == 1, f"expected one card, got {attachments}"
        assert attachments[0]["contentType"] == ADAPTIVE_CARD
        content: JsonObject = attachments[0]["content"]
        return content
    attachments = activity.attachments or []
    assert len(attachments) == 1, f"expected one card, got {attachments}"
    assert attachments[0].content_type == ADAPTIVE_CARD
    card: JsonObject = attachments[0].content
    return card


def _walk(node: Any) -> Iterator[JsonObject]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def unescaped(text: str) -> str:
    """Markdown backslash escapes removed: what Teams shows."""
    return _ESCAPE.sub(r"\1", text)


def text(activity: Mapping[str, Any] | Any) -> str:
    """Everything a reader sees on the card, one piece per line: rich text as it reads,
    Markdown (TextBlocks, facts) with its escapes removed."""
    pieces: list[str] = []
    for node in _walk(card_of(activity)):
        kind = node.get("type")
        if kind == "TextBlock" or (kind is None and "text" in node):
            pieces.append(unescaped(str(node.get("text", ""))))
        elif kind == "RichTextBlock":
            runs = "".join(str(run.get("text", "")) for run in node.get("inlines", []))
            pieces.append(runs.replace(WORD_JOINER, "").replace(NO_BREAK_SPACE, " ").rstrip())
        elif kind == "FactSet":
            pieces += [unescaped(f"{f['title']} {f['value']}") for f in node.get("facts", [])]
        elif str(kind).startswith("Action."):
            pieces.append(str(node.get("title", "")).replace(WORD_JOINER, ""))
        elif str(kind).startswith("Input."):
            pieces.append(str(node.get("label", "")).replace(WORD_JOINER, ""))
    return "\n".join(pieces)


def actions(activity: Mapping[str, Any] | Any) -> dict[str, JsonObject]:
    """Action.Submit buttons: title -> the data Teams sends back."""
    return {
        unescaped(str(node.get("title"))): dict(node.get("data") or {})
        for node in _walk(card_of(activity))
        if node.get("type") == "Action.Submit"
    }


def inputs(activity: Mapping[str, Any] | Any) -> dict[str, JsonObject]:
    return {
        str(node["id"]): node
        for node in _walk(card_of(activity))
        if str(node.get("type", "")).startswith("Input.") and "id" in node
    }


def press(activity: Mapping[str, Any] | Any, title: str, **typed: str) -> JsonObject:
    """What Teams sends as `value` when the button `title` is pressed: the action's data,
    with the card's inputs (as prefilled, or as typed) merged in."""
    buttons = actions(activity)
    assert title in buttons, f"no button {title!r} among {sorted(buttons)}"
    data = buttons[title]
    if data.get("inbreng") == "cancel":
        return data
    values = {name: str(node.get("value", "")) for name, node in inputs(activity).items()}
    unknown = set(typed) - set(values)
    assert not unknown, f"the card has no inputs {unknown}"
    return {**values, **typed, **data}
