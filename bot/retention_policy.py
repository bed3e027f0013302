"""How long answers are kept after their meeting (INBRENG_RETENTION): the setting as read.

Apart from the service that applies it, so that reading the settings loads no theme engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

KEEP = "keep"
_POLICY = re.compile(r"^(?P<action>[a-z]+)\s+(?:after\s+)?(?P<count>\d{1,5})\s*(?P<unit>[dwy])$")
_DAYS_PER_UNIT = {"d": 1, "w": 7, "y": 365}
_ACTION_WORDS = {
    "anonymise": "anonymise",
    "anonymize": "anonymise",
    "anonimiseer": "anonymise",
    "erase": "erase",
    "delete": "erase",
    "wis": "erase",
}


class RetentionAction(StrEnum):
    ANONYMISE = "anonymise"  # unlink answers from their authors, keep the texts
    ERASE = "erase"  # delete the answers


@dataclass(frozen=True)
class RetentionPolicy:
    action: RetentionAction | None  # None: keep everything
    after: timedelta = timedelta(0)  # after the meeting

    @classmethod
    def parse(cls, text: str) -> RetentionPolicy:
        """`keep`, or an action and a time after the meeting: `anonymise 365d`,
        `erase after 2y`, `anonymise 26w`."""
        cleaned = " ".join(text.lower().split())
        if cleaned == KEEP:
            return cls(action=None)
        match = _POLICY.match(cleaned)
        action = _ACTION_WORDS.get(match["action"]) if match else None
        if match is None or action is None:
            raise ValueError(f"retention {text!r}: expected 'keep', 'anonymise 365d' or 'erase 2y'")
        days = int(match["count"]) * _DAYS_PER_UNIT[match["unit"]]
        return cls(action=RetentionAction(action), after=timedelta(days=days))
