"""A fake OpenAI-compatible chat-completions endpoint on a loopback port.

It records every request and answers as told; by default with a reply whose message
content the test set with `answer_with`. The server runs in a daemon thread, so plain
synchronous tests can use it:

    with FakeChatCompletions() as llm:
        llm.answer_with({"themes": [{"key": "t1", "title": "Kosten"}], "synthesis": "..."})
        settings = LlmSettings(base_url=llm.url, model="test-model")
        ...
        assert llm.requests[0].json()["temperature"] == 0

`fail_with(500)` answers an HTTP error, `answer_raw(b"...")` any body (e.g. invalid JSON),
and `delay_seconds` makes every answer wait that long first. `GET /v1/models` lists
`models` (as OpenAI's API and the local servers that copy it do).
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any

from testing.fakes.loopback import LoopbackHttpServer, QuietHandler, send_json
from testing.fakes.served import ServedFake

PATH = "/v1/chat/completions"
MODELS_PATH = "/v1/models"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")


class FakeChatCompletions(ServedFake):
    """`url` is the base URL a client is configured with (ending in /v1)."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.delay_seconds = 0.0
        self.models: list[str] = ["fake-model"]
        self._status = HTTPStatus.OK.value
        self._body = self._completion("{}")
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = LoopbackHttpServer(self._handler_class())

    @property
    def url(self) -> str:
        return f"{self._server.base_url}/v1"

    def answer_with(self, content: str | dict[str, Any], *, model: str = "fake-model") -> None:
        """Answer 200 with a completion whose message content is `content` (a dict is sent
        as its JSON text, as a model asked for a JSON object writes it)."""
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        self._set(HTTPStatus.OK.value, self._completion(text, model=model))

    def answer_raw(self, body: bytes, *, status: int = HTTPStatus.OK.value) -> None:
        self._set(status, body)

    def fail_with(self, status: int) -> None:
        self._set(status, json.dumps({"error": {"message": "fake failure"}}).encode())

    def start(self) -> FakeChatCompletions:
        self._server.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # wakes delayed answers, so they end with the server
        self._server.stop()

    def _set(self, status: int, body: bytes) -> None:
        with self._lock:
            self._status, self._body = status, body

    @staticmethod
    def _completion(content: str, *, model: str = "fake-model") -> bytes:
        return json.dumps(
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 0,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
            },
            ensure_ascii=False,
        ).encode()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                headers = {name.lower(): value for name, value in self.headers.items()}
                with fake._lock:
                    fake.requests.append(RecordedRequest("GET", self.path, headers, b""))
                    status = fake._status
                    models = list(fake.models)
                if self.path != MODELS_PATH:
                    status = HTTPStatus.NOT_FOUND.value
                listing = {
                    "object": "list",
                    "data": [
                        {"id": model, "object": "model", "owned_by": "fake"} for model in models
                    ],
                }
                answer = json.dumps(listing).encode() if status == 200 else b'{"error": "x"}'
                send_json(self, status, answer)

            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                with fake._lock:
                    fake.requests.append(RecordedRequest("POST", self.path, headers, body))
                    status, answer = fake._status, fake._body
                if self.path != PATH:
                    status, answer = HTTPStatus.NOT_FOUND.value, b'{"error": "not found"}'
                if fake.delay_seconds and fake._closing.wait(fake.delay_seconds):
                    return
                # The client gave up waiting: that is what a timeout test wants.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    send_json(self, status, answer)

        return Handler
