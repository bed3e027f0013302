"""Bot Framework authentication from TEAMS_* settings.

Always the parameterised form of botbuilder's configuration, filled with the public
cloud's values, so that production and tests take the same path; only the OpenID metadata
(where the signing keys of incoming tokens are published) and the sign-in authority (where
the bot gets its own tokens) can point elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import CallerIdConstants
from botframework.connector.auth import AuthenticationConstants

from adapters.teams.settings import TeamsSettings

SINGLE_TENANT = "SingleTenant"
MULTI_TENANT = "MultiTenant"


@dataclass(frozen=True)
class _Configuration:
    """The attribute names botbuilder's configuration classes read."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str
    TO_CHANNEL_FROM_BOT_LOGIN_URL: str
    TO_CHANNEL_FROM_BOT_OAUTH_SCOPE: str
    TO_BOT_FROM_CHANNEL_TOKEN_ISSUER: str
    OAUTH_URL: str
    TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL: str
    TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL: str
    CALLER_ID: str
    VALIDATE_AUTHORITY: bool = True


def login_authority(settings: TeamsSettings) -> str:
    """Entra ID's authority for the app: its own tenant, or the Bot Framework's."""
    tenant = settings.app_tenant_id or AuthenticationConstants.DEFAULT_CHANNEL_AUTH_TENANT
    return f"{settings.login_url.rstrip('/')}/{tenant}"


def authentication(settings: TeamsSettings) -> ConfigurationBotFrameworkAuthentication:
    constants = AuthenticationConstants
    password = settings.app_password.get_secret_value() if settings.app_password else ""
    return ConfigurationBotFrameworkAuthentication(
        _Configuration(
            APP_ID=settings.app_id or "",
            APP_PASSWORD=password,
            APP_TENANTID=settings.app_tenant_id or "",
            APP_TYPE=SINGLE_TENANT if settings.app_tenant_id else MULTI_TENANT,
            TO_CHANNEL_FROM_BOT_LOGIN_URL=login_authority(settings),
            TO_CHANNEL_FROM_BOT_OAUTH_SCOPE=constants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
            TO_BOT_FROM_CHANNEL_TOKEN_ISSUER=constants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
            OAUTH_URL=constants.OAUTH_URL,
            TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL=settings.openid_metadata_url
            or constants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
            TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL=constants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
            CALLER_ID=CallerIdConstants.public_azure_channel,
        )
    )
