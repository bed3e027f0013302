"""SLACK_*: the Slack app's tokens and where its Web API is."""

from __future__ import annotations

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SlackSettings(BaseSettings):
    """SLACK_*: without a bot token and a signing secret (or app token), Slack is off."""

    model_config = SettingsConfigDict(
        env_prefix="SLACK_", env_file=".env", extra="ignore", frozen=True
    )

    bot_token: SecretStr | None = None
    signing_secret: SecretStr | None = None
    app_token: SecretStr | None = None  # Socket Mode instead of the HTTP route
    api_url: str = "https://slack.com/api/"

    @field_validator("bot_token", "signing_secret", "app_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def enabled(self) -> bool:
        return self.bot_token is not None and (
            self.signing_secret is not None or self.app_token is not None
        )

    @property
    def socket_mode(self) -> bool:
        return self.app_token is not None
