"""Slack's published limits on what a message, a view and a `response_url` take, and the
check the fake Web API refuses with, as Slack does.

Sources (Slack's reference, December 2026):
- blocks per message / per view, and the limits of each block:
  https://docs.slack.dev/reference/block-kit/blocks (and each block's page, e.g.
  .../blocks/section-block, .../blocks/header-block, .../blocks/actions-block,
  .../blocks/input-block, .../blocks/markdown-block)
- elements and composition objects (button, plain_text_input, select menus, options):
  https://docs.slack.dev/reference/block-kit/block-elements,
  https://docs.slack.dev/reference/block-kit/composition-objects
- views (title, buttons, private_metadata, callback_id):
  https://docs.slack.dev/reference/views
- message text: https://docs.slack.dev/reference/methods/chat.postMessage ("truncating
  text": 40,000 characters; `msg_too_long`, `msg_blocks_too_long`, `invalid_blocks`)
- `response_url`: https://docs.slack.dev/interactivity/handling-user-interaction
  ("up to 5 times within 30 minutes"). Slack refuses a sixth post with an error; the
  fake answers it HTTP 404 `used_url`, which slack_sdk's webhook client returns (it does
  not raise), so the reply is lost as it would be.

Slack does not publish how many characters of block text one message may carry in all;
`msg_blocks_too_long` has been seen from about 13,200 (slackapi/bolt-js#2509), and the
cumulative limit of markdown blocks is 12,000: the fake refuses above 12,000.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

MESSAGE_BLOCKS = 50
MESSAGE_BLOCK_TEXT = 12_000  # characters of text in all of a message's blocks together
MESSAGE_TEXT = 40_000
VIEW_BLOCKS = 100  # modals and App Home alike
RESPONSE_URL_POSTS = 5

SECTION_TEXT = 3000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2000
HEADER_TEXT = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
MARKDOWN_TEXT = 12_000
BLOCK_ID = 255
ACTION_ID = 255
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
INPUT_LABEL = 2000
INPUT_HINT = 2000
TEXT_INPUT = 3000  # a plain_text_input's initial_value and max_length
PLACEHOLDER = 150
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100
RADIO_OPTIONS = 10  # radio_buttons and checkboxes
VIEW_TITLE = 24
VIEW_BUTTON = 24  # submit and close
PRIVATE_METADATA = 3000
CALLBACK_ID = 255

MSG_BLOCKS_TOO_LONG = "msg_blocks_too_long"
INVALID_BLOCKS = "invalid_blocks"
MSG_TOO_LONG = "msg_too_long"
INVALID_ARGUMENTS = "invalid_arguments"
USED_URL = "used_url"


@dataclass(frozen=True)
class Excess:
    """What Slack would refuse: its error code and where (a JSON pointer), as it says."""

    error: str
    message: str


def _text(node: Any) -> str:
    return str(node.get("text", "")) if isinstance(node, dict) else ""


def shown_characters(blocks: list[Any]) -> int:
    """Characters of text a reader is shown in these blocks: text objects, fields and rich
    text elements."""
    return sum(len(text) for text in _shown(blocks))


def _shown(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _shown(item)
    elif isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn", "text", "markdown") and isinstance(
            node.get("text"), str
        ):
            yield node["text"]
            return
        for key, value in node.items():
            if key not in ("action_id", "block_id", "value", "url", "type"):
                yield from _shown(value)


def message_excess(
    params: dict[str, Any], *, block_text: int = MESSAGE_BLOCK_TEXT
) -> Excess | None:
    """Why Slack would refuse these chat.postMessage / chat.update / chat.postEphemeral /
    `response_url` arguments, or None; `block_text`: the characters of block text allowed."""
    text = params.get("text")
    if isinstance(text, str) and len(text) > MESSAGE_TEXT:
        return Excess(MSG_TOO_LONG, f"text is {len(text)} characters, at most {MESSAGE_TEXT}")
    blocks = params.get("blocks")
    if not isinstance(blocks, list):
        return None
    if len(blocks) > MESSAGE_BLOCKS:
        return Excess(
            INVALID_BLOCKS,
            f"no more than {MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]",
        )
    found = next(_block_excesses(blocks), None)
    if found is not None:
        return found
    shown = shown_characters(blocks)
    if shown > block_text:
        return Excess(MSG_BLOCKS_TOO_LONG, f"{shown} characters of block text")
    return None


def view_excess(view: dict[str, Any]) -> Excess | None:
    """Why Slack would refuse this view (views.open / push / update / publish), or None."""
    blocks = view.get("blocks") or []
    if len(blocks) > VIEW_BLOCKS:
        return Excess(
            INVALID_ARGUMENTS,
            f"no more than {VIEW_BLOCKS} items allowed [json-pointer:/view/blocks]",
        )
    for key, limit in (("title", VIEW_TITLE), ("submit", VIEW_BUTTON), ("close", VIEW_BUTTON)):
        if len(_text(view.get(key))) > limit:
            return Excess(INVALID_ARGUMENTS, _over(limit, f"/view/{key}/text"))
    if len(str(view.get("private_metadata") or "")) > PRIVATE_METADATA:
        return Excess(INVALID_ARGUMENTS, _over(PRIVATE_METADATA, "/view/private_metadata"))
    if len(str(view.get("callback_id") or "")) > CALLBACK_ID:
        return Excess(INVALID_ARGUMENTS, _over(CALLBACK_ID, "/view/callback_id"))
    found = next(_block_excesses(blocks, "/view/blocks"), None)
    return None if found is None else Excess(INVALID_ARGUMENTS, found.message)


def _over(limit: int, pointer: str) -> str:
    return f"must be less than {limit + 1} characters [json-pointer:{pointer}]"


def _block_excesses(blocks: list[Any], base: str = "/blocks") -> Iterator[Excess]:
    for index, block in enumerate(blocks):
        if isinstance(block, dict):
            yield from _one_block(block, f"{base}/{index}")


def _longer(value: Any, limit: int, pointer: str) -> Iterator[Excess]:
    if isinstance(value, str) and len(value) > limit:
        yield Excess(INVALID_BLOCKS, _over(limit, pointer))


def _one_block(block: dict[str, Any], at: str) -> Iterator[Excess]:
    kind = block.get("type")
    yield from _longer(block.get("block_id"), BLOCK_ID, f"{at}/block_id")
    if kind == "section":
        yield from _longer(_text(block.get("text")), SECTION_TEXT, f"{at}/text/text")
        fields = block.get("fields") or []
        if len(fields) > SECTION_FIELDS:
            yield Excess(INVALID_BLOCKS, f"no more than {SECTION_FIELDS} items [{at}/fields]")
        for number, field in enumerate(fields):
            yield from _longer(_text(field), SECTION_FIELD_TEXT, f"{at}/fields/{number}/text")
        if isinstance(block.get("accessory"), dict):
            yield from _element(block["accessory"], f"{at}/accessory")
    elif kind == "header":
        yield from _longer(_text(block.get("text")), HEADER_TEXT, f"{at}/text/text")
    elif kind == "markdown":
        yield from _longer(block.get("text"), MARKDOWN_TEXT, f"{at}/text")
    elif kind in ("actions", "context"):
        elements = block.get("elements") or []
        limit = ACTIONS_ELEMENTS if kind == "actions" else CONTEXT_ELEMENTS
        if len(elements) > limit:
            yield Excess(INVALID_BLOCKS, f"no more than {limit} items [{at}/elements]")
        for number, element in enumerate(elements):
            if isinstance(element, dict):
                yield from _element(element, f"{at}/elements/{number}")
    elif kind == "input":
        yield from _longer(_text(block.get("label")), INPUT_LABEL, f"{at}/label/text")
        yield from _longer(_text(block.get("hint")), INPUT_HINT, f"{at}/hint/text")
        if isinstance(block.get("element"), dict):
            yield from _element(block["element"], f"{at}/element")


def _element(element: dict[str, Any], at: str) -> Iterator[Excess]:
    kind = element.get("type")
    yield from _longer(element.get("action_id"), ACTION_ID, f"{at}/action_id")
    yield from _longer(_text(element.get("placeholder")), PLACEHOLDER, f"{at}/placeholder/text")
    if kind == "button":
        yield from _longer(_text(element.get("text")), BUTTON_TEXT, f"{at}/text/text")
        yield from _longer(element.get("value"), BUTTON_VALUE, f"{at}/value")
        yield from _longer(element.get("url"), BUTTON_URL, f"{at}/url")
    elif kind == "plain_text_input":
        yield from _longer(element.get("initial_value"), TEXT_INPUT, f"{at}/initial_value")
        if int(element.get("max_length") or 0) > TEXT_INPUT:
            yield Excess(INVALID_BLOCKS, f"must be at most {TEXT_INPUT} [{at}/max_length]")
    options = element.get("options")
    if isinstance(options, list):
        limit = RADIO_OPTIONS if kind in ("radio_buttons", "checkboxes") else SELECT_OPTIONS
        if len(options) > limit:
            yield Excess(INVALID_BLOCKS, f"no more than {limit} items [{at}/options]")
        for number, option in enumerate(options):
            if isinstance(option, dict):
                yield from _longer(_text(option.get("text")), OPTION_TEXT, f"{at}/options/{number}")
                yield from _longer(option.get("value"), OPTION_VALUE, f"{at}/options/{number}")
