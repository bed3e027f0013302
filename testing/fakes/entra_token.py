"""Entra ID's token endpoint, faked on a loopback port: the client-credentials grant a bot
makes before it sends to Teams, answered as Microsoft documents it.

    with FakeEntraToken(client_id=APP_ID, client_secret=SECRET) as entra:
        settings = TeamsSettings(app_id=APP_ID, app_password=SECRET, login_url=entra.url)

A wrong secret gets `invalid_client` with AADSTS7000215, an unknown client id
`unauthorized_client` with AADSTS700016, each followed by trace and correlation ids.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from testing.fakes.loopback import LoopbackHttpServer, QuietHandler, send_json
from testing.fakes.served import ServedFake

TRACE = " Trace ID: 0c1f3b9e-0000-0000-0000-000000000000 Correlation ID: 5b2d Timestamp: 2026-11-23"


@dataclass(frozen=True)
class TokenRequest:
    path: str
    form: dict[str, str]


class FakeEntraToken(ServedFake):
    def __init__(self, *, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.requests: list[TokenRequest] = []
        self._lock = threading.Lock()
        self._server = LoopbackHttpServer(self._handler_class())

    @property
    def url(self) -> str:
        """The login URL (as TEAMS_LOGIN_URL): tokens at {url}/{tenant}/oauth2/v2.0/token."""
        return f"{self._server.base_url}/"

    def answer(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if form.get("grant_type") != "client_credentials" or not form.get("scope"):
            return 400, _error(
                "invalid_request",
                "AADSTS900144: The request body must contain "
                "the following parameter: 'grant_type'.",
            )
        if form.get("client_id") != self.client_id:
            return 400, _error(
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not "
                "found in the directory 'Bot Framework'.",
            )
        if form.get("client_secret") != self.client_secret:
            return 401, _error(
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in "
                "the request is the client secret value, not the client secret ID.",
            )
        return 200, {
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": "eyJ0eXAiOiJKV1Qi.fake.token",
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8")
                form = {key: values[0] for key, values in parse_qs(raw).items()}
                with fake._lock:
                    fake.requests.append(TokenRequest(self.path, form))
                if self.path.endswith("/oauth2/v2.0/token"):
                    status, answer = fake.answer(form)
                else:
                    status, answer = 404, _error("not_found", "AADSTS90002: Tenant not found.")
                body = json.dumps(answer).encode()
                send_json(self, status, body, content_type="application/json; charset=utf-8")

        return Handler

    def start(self) -> FakeEntraToken:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop()


def _error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": description + TRACE, "error_codes": [0]}
