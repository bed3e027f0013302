"""Settings, read from the environment (and a `.env` file) at start-up."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
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
