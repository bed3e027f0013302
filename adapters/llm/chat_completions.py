"""The network's model behind an OpenAI-compatible chat-completions endpoint."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from adapters.llm.settings import LlmSettings
from bot.themes.phrasing import PhrasingError

# A reply is a few titles and a paragraph: anything far larger is not an answer to us.
_REPLY_MAX_BYTES = 256 * 1024


class ChatCompletions:
    """Implements `bot.themes.phrasing.LanguageModel`."""

    def __init__(self, *, base_url: str, model: str, settings: LlmSettings) -> None:
        self.name = model
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._settings = settings

    @classmethod
    def configured(cls, settings: LlmSettings) -> ChatCompletions | None:
        """The model the settings name; None without a base URL and a model."""
        if settings.base_url is None or settings.model is None:
            return None
        return cls(base_url=settings.base_url, model=settings.model, settings=settings)

    def answer(self, system: str, user: str) -> str:
        body = {
            "model": self.name,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": user},
            ],
            "temperature": 0,
            "response_format": {"type": "json_object"},
        }
        content = _path(self._post(body), "choices", 0, "message", "content")
        if not isinstance(content, str):
            raise PhrasingError("reply has no message content")
        return content

    def _post(self, body: dict[str, Any]) -> Any:
        settings = self._settings
        headers = {"Accept": "application/json"}
        if settings.api_key is not None:
            headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
        # httpx's timeout bounds each read; the deadline bounds a reply that trickles in.
        deadline = time.monotonic() + settings.timeout
        try:
            with (
                httpx.Client(timeout=settings.timeout) as client,
                client.stream("POST", self._url, json=body, headers=headers) as response,
            ):
                if not response.is_success:
                    raise PhrasingError(f"HTTP status {response.status_code}")
                raw = bytearray()
                for chunk in response.iter_bytes():
                    raw += chunk
                    if len(raw) > _REPLY_MAX_BYTES:
                        raise PhrasingError(f"reply larger than {_REPLY_MAX_BYTES} bytes")
                    if time.monotonic() > deadline:
                        raise PhrasingError(f"no complete reply within {settings.timeout:g} s")
        except httpx.TimeoutException as error:
            raise PhrasingError(f"no reply within {settings.timeout:g} s") from error
        except httpx.ConnectError as error:
            raise PhrasingError("cannot connect to the endpoint") from error
        # Exception messages may repeat the URL, which can carry credentials: the kind only.
        except (httpx.HTTPError, httpx.InvalidURL) as error:
            raise PhrasingError(f"request failed ({type(error).__name__})") from error
        try:
            return json.loads(raw)
        except ValueError as error:
            raise PhrasingError("reply is not JSON") from error


def _path(value: Any, *steps: str | int) -> Any:
    for step in steps:
        if isinstance(step, int) and isinstance(value, list) and len(value) > step:
            value = value[step]
        elif isinstance(step, str) and isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value
