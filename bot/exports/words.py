"""What the renderers need of the texts catalogue: one language's `t(key, **values)`.

`bot.conversation.turn.Voice` fits; the renderers depend on this protocol only.
"""

from __future__ import annotations

from typing import Any, Protocol


class Words(Protocol):
    def t(self, key: str, /, **values: Any) -> str: ...
