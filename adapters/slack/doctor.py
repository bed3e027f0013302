"""Whether Slack takes the configured tokens, for `inbreng doctor`: `auth.test` with the
bot token (and the scopes it was granted, against the manifest's), `apps.connections.open`
with an app-level token. Only Slack's error codes are reported, never a token."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from adapters.slack.settings import SlackSettings
from bot.doctor import Finding, Level

AREA = "slack"
TIMEOUT_SECONDS = 10
MANIFEST = Path(__file__).with_name("manifest.yaml")


@cache
def required_scopes() -> frozenset[str]:
    """The bot scopes the app manifest asks for: what the features need."""
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return frozenset(manifest["oauth_config"]["scopes"]["bot"])


def slack_findings(settings: SlackSettings) -> list[Finding]:
    if settings.bot_token is None:
        if settings.signing_secret is not None or settings.app_token is not None:
            return [Finding(AREA, Level.FAULT, "token_missing")]
        return [Finding(AREA, Level.INFO, "off")]
    if not settings.enabled:
        return [Finding(AREA, Level.FAULT, "secret_missing")]
    client = WebClient(base_url=settings.api_url, timeout=TIMEOUT_SECONDS)
    try:
        answer = client.auth_test(token=settings.bot_token.get_secret_value())
    except SlackApiError as error:
        return [Finding(AREA, Level.FAULT, "token_refused", {"error": _code(error)})]
    except (SlackClientError, OSError) as error:
        return [_unreachable(settings, error)]
    findings = [
        Finding(
            AREA,
            Level.OK,
            "signed_in",
            {
                "user": answer.get("user"),
                "team": answer.get("team"),
                "socket_mode": settings.socket_mode,
            },
        )
    ]
    granted = _header(answer.headers, "x-oauth-scopes")
    if granted is not None:
        missing = required_scopes() - {scope.strip() for scope in granted.split(",")}
        if missing:
            findings.append(
                Finding(AREA, Level.FAULT, "scopes_missing", {"scopes": ", ".join(sorted(missing))})
            )
    if settings.app_token is not None:
        findings.append(_socket_mode(client, settings, settings.app_token.get_secret_value()))
    return findings


def _socket_mode(client: WebClient, settings: SlackSettings, app_token: str) -> Finding:
    try:
        # Asks for a Socket Mode address without connecting to it: nothing else happens.
        client.apps_connections_open(app_token=app_token)
    except SlackApiError as error:
        return Finding(AREA, Level.FAULT, "app_token_refused", {"error": _code(error)})
    except (SlackClientError, OSError) as error:
        return _unreachable(settings, error)
    return Finding(AREA, Level.OK, "socket_mode")


def _code(error: SlackApiError) -> str:
    return str(error.response.get("error") or f"HTTP {error.response.status_code}")


def _unreachable(settings: SlackSettings, error: BaseException) -> Finding:
    reason = getattr(error, "reason", None) or error
    return Finding(
        AREA, Level.FAULT, "unreachable", {"url": settings.api_url, "error": str(reason)}
    )


def _header(headers: dict[str, object], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value[0] if isinstance(value, list) else value)
    return None
