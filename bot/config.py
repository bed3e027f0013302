"""Settings, read from the environment (and a `.env` file) at start-up."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INBRENG_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = "sqlite:///./inbreng.db"
    timezone: str = "Europe/Amsterdam"
    language: Literal["nl", "en"] = "nl"  # of the command line's own output
    answer_max_chars: int = Field(default=4000, ge=100, le=40000)
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


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
