"""Microsoft Teams' published limits on what a bot sends, in one place, and how Teams
measures a message against them. The fake connector refuses what exceeds them, the way
Teams does, and tests check every message the bot makes with `excesses`.

Sources:
- Message size: "The bot message size limit is 40 KB. If the bot message size limit exceeds
  40 KB, bot receives a 413 status code (RequestEntityTooLarge), which contains the error code
  MessageSizeTooBig. The bot message size limit includes the entire message payload encoded
  as UTF-16 and doesn't include Base64 encoded images."
  https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages
  (newer revisions of that page say 100 KB and advise staying within 80 KB; we hold the
  bot to the stricter, older figure, which is what tenants on older rings still enforce).
- Adaptive Card size: some 28 KB per card, the figure Teams refuses cards above in practice
  (webhooks and connectors document it; bots hit it as MessageSizeTooBig too):
  https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
  We count a card as its JSON in UTF-8, base64 images left out as for the message.
- Inline images: PNG, JPEG or GIF, at most 1024x1024 px and 1 MB; a larger one is not shown.
  https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-reference
  (Images, common properties for all cards)
- Actions: Teams shows at most 6 actions in a card's action bar (more are dropped).
  https://learn.microsoft.com/microsoftteams/platform/task-modules-and-cards/cards/cards-format
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
from dataclasses import dataclass
from typing import Any

MESSAGE_BYTES = 40_000  # the serialized activity, UTF-16, without base64 images
CARD_BYTES = 28_000  # one Adaptive Card's JSON, UTF-8, without base64 images
IMAGE_PIXELS = 1024  # the most an inline image may have in width and in height
IMAGE_BYTES = 1_000_000  # the largest inline image, decoded
CARD_ACTIONS = 6  # in a card's own action bar

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
_DATA_URL = re.compile(r"^data:(?P<type>image/[A-Za-z0-9.+-]+);base64,(?P<data>.*)$", re.DOTALL)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Excess:
    """One limit a message goes beyond: what, by how much, and the code Teams answers with."""

    what: str
    size: int
    limit: int
    status: int = 413
    code: str = "MessageSizeTooBig"

    def __str__(self) -> str:
        return f"{self.what}: {self.size} > {self.limit}"


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header (its IHDR chunk comes first)."""
    if not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def inline_images(value: Any) -> list[tuple[str, bytes]]:
    """Every base64 image in a JSON value: (media type, bytes), in order."""
    found: list[tuple[str, bytes]] = []
    for text in _strings(value):
        match = _DATA_URL.match(text)
        if match is None:
            continue
        try:
            found.append((match["type"].lower(), base64.b64decode(match["data"], validate=True)))
        except (binascii.Error, ValueError):
            found.append((match["type"].lower(), b""))
    return found


def without_images(value: Any) -> Any:
    """The JSON value with each base64 image's data left out, as Teams measures it."""
    if isinstance(value, dict):
        return {k: without_images(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_images(v) for v in value]
    if isinstance(value, str):
        match = _DATA_URL.match(value)
        return f"data:{match['type']};base64," if match else value
    return value


def message_size(activity: JsonObject) -> int:
    """The activity as Teams counts it: its JSON in UTF-16, base64 images left out."""
    serialized = json.dumps(without_images(activity), ensure_ascii=False, separators=(",", ":"))
    return len(serialized.encode("utf-16-le"))


def card_size(card: JsonObject) -> int:
    serialized = json.dumps(without_images(card), ensure_ascii=False, separators=(",", ":"))
    return len(serialized.encode("utf-8"))


def excesses(activity: JsonObject) -> list[Excess]:
    """Every limit the activity goes beyond; none for one that Teams shows whole."""
    found: list[Excess] = []
    size = message_size(activity)
    if size > MESSAGE_BYTES:
        found.append(Excess("message (UTF-16 bytes)", size, MESSAGE_BYTES))
    for attachment in activity.get("attachments") or []:
        if not isinstance(attachment, dict):
            continue
        content = attachment.get("content")
        if attachment.get("contentType") == ADAPTIVE_CARD and isinstance(content, dict):
            size = card_size(content)
            if size > CARD_BYTES:
                found.append(Excess("Adaptive Card (UTF-8 bytes)", size, CARD_BYTES))
            actions = content.get("actions") or []
            if len(actions) > CARD_ACTIONS:
                found.append(Excess("card actions", len(actions), CARD_ACTIONS, 400, "BadArgument"))
    for media_type, image in inline_images(activity):
        found += _image_excesses(media_type, image)
    return found


def _image_excesses(media_type: str, image: bytes) -> list[Excess]:
    found: list[Excess] = []
    if len(image) > IMAGE_BYTES:
        found.append(Excess("inline image (bytes)", len(image), IMAGE_BYTES))
    if media_type == "image/png":
        try:
            width, height = png_size(image)
        except ValueError:
            return [*found, Excess("inline image (not a PNG)", 0, 0, 400, "BadArgument")]
        for what, pixels in (("width", width), ("height", height)):
            if pixels > IMAGE_PIXELS:
                found.append(
                    Excess(f"inline image {what} (px)", pixels, IMAGE_PIXELS, 400, "BadArgument")
                )
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []
