"""TEAMS_*: the Azure bot's registration and where its tokens come from."""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class TeamsSettings(BaseSettings):
    """TEAMS_*: with an app id every request must carry a valid Bot Framework token;
    without one there is no Teams endpoint (unless INBRENG_TEAMS_EMULATOR, see `Settings`)."""

    model_config = SettingsConfigDict(
        env_prefix="TEAMS_", env_file=".env", extra="ignore", frozen=True
    )

    app_id: str | None = None
    app_password: SecretStr | None = None
    app_tenant_id: str | None = None  # set: a single-tenant app registration
    # Where the Bot Framework publishes its signing keys; another cloud's (or a test's).
    openid_metadata_url: str | None = None
    # Entra ID, where the bot gets its tokens for sending; another cloud's (or a test's).
    login_url: str = "https://login.microsoftonline.com/"

    @field_validator(
        "app_id", "app_password", "app_tenant_id", "openid_metadata_url", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def authenticated(self) -> bool:
        return self.app_id is not None
