"""What the renderers of files need of the texts catalogue: one language's texts as they
read, without markup (`plain(key, **values)`).

`bot.conversation.turn.Voice` fits; the renderers depend on this protocol only.
"""

from __future__ import annotations

from typing import Any, Protocol


class Words(Protocol):
    def plain(self, key: str, /, **values: Any) -> str: ...
