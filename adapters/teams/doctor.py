"""Whether Entra ID gives the bot a token with the configured TEAMS_* credentials, for
`inbreng doctor`: the client-credentials request botbuilder makes before it sends, made
directly so that Entra ID's refusal (its AADSTS code) can be shown. Never the secret."""

from __future__ import annotations

import httpx
from botframework.connector.auth import AuthenticationConstants

from adapters.teams.auth import login_authority
from adapters.teams.connection import is_loopback
from adapters.teams.settings import TeamsSettings
from bot.doctor import Finding, Level

AREA = "teams"
TIMEOUT_SECONDS = 10
SCOPE = f"{AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE}/.default"


def token_url(settings: TeamsSettings) -> str:
    return f"{login_authority(settings)}/oauth2/v2.0/token"


def teams_findings(settings: TeamsSettings, *, emulator: bool, host: str) -> list[Finding]:
    """`emulator` and `host`: INBRENG_TEAMS_EMULATOR and INBRENG_HOST."""
    if settings.app_id is None:
        if settings.app_password is not None or settings.app_tenant_id is not None:
            return [Finding(AREA, Level.FAULT, "app_id_missing")]
        if emulator:
            if not is_loopback(host):
                return [Finding(AREA, Level.FAULT, "emulator_exposed", {"host": host})]
            return [Finding(AREA, Level.WARNING, "emulator", {"host": host})]
        return [Finding(AREA, Level.INFO, "off")]
    if emulator:
        return [Finding(AREA, Level.WARNING, "emulator_with_app_id")]
    if settings.app_password is None:
        return [Finding(AREA, Level.FAULT, "password_missing")]
    url = token_url(settings)
    try:
        reply = httpx.post(
            url,
            data={
                "grant_type": "client_credentials",
                "client_id": settings.app_id,
                "client_secret": settings.app_password.get_secret_value(),
                "scope": SCOPE,
            },
            timeout=TIMEOUT_SECONDS,
        )
    except httpx.HTTPError as error:
        return [Finding(AREA, Level.FAULT, "unreachable", {"url": url, "error": str(error)})]
    answer = _json(reply)
    if reply.is_success and "access_token" in answer:
        tenant = settings.app_tenant_id
        return [Finding(AREA, Level.OK, "token", {"app_id": settings.app_id, "tenant": tenant})]
    return [
        Finding(
            AREA,
            Level.FAULT,
            "refused",
            {
                "error": str(answer.get("error") or f"HTTP {reply.status_code}"),
                "reason": _first_line(str(answer.get("error_description") or "")),
            },
        )
    ]


def _json(reply: httpx.Response) -> dict[str, object]:
    try:
        answer = reply.json()
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _first_line(description: str) -> str:
    """Entra ID's description up to its trace and correlation ids."""
    return description.split(" Trace ID:")[0].splitlines()[0].strip() if description else ""
