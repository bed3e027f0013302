"""Conversation references, serialised for the identities and installations tables."""

from __future__ import annotations

import json

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference


def of(activity: Activity) -> str:
    """The reference to continue the conversation `activity` came from. Without the
    activity's own id, so that it stays the same from one message to the next."""
    reference = TurnContext.get_conversation_reference(activity)
    reference.activity_id = None
    return dump(reference)


def dump(reference: ConversationReference) -> str:
    return json.dumps(reference.serialize(), sort_keys=True, separators=(",", ":"))


def load(address: str) -> ConversationReference:
    """The reference stored by `dump`; ValueError when it is not one."""
    try:
        reference = ConversationReference.deserialize(json.loads(address))
    except (TypeError, json.JSONDecodeError) as error:
        raise ValueError("not a serialised conversation reference") from error
    if reference is None or not reference.service_url or reference.conversation is None:
        raise ValueError("a conversation reference needs a service URL and a conversation")
    return reference
