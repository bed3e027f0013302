"""Settings, read from the environment (and a `.env` file) at start-up."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain import ANSWER_MAX_CHARS
from bot.retention_policy import RetentionPolicy
from bot.sending_window import (
    SendingWindow,
    holiday_country,
    parse_holidays,
    parse_working_hours,
)
from inbreng.logs import LEVELS, LogFormat


class Settings(BaseSettings):
    # The defaults below are known good: checking them would import the holiday registry
    # (30 ms) for every command.
    model_config = SettingsConfigDict(
        env_prefix="INBRENG_", env_file=".env", extra="ignore", frozen=True, validate_default=False
    )

    database_url: str = "sqlite:///./inbreng.db"
    timezone: str = "Europe/Amsterdam"
    language: Literal["nl", "en"] = "nl"  # of the command line's own output
    answer_max_chars: int = Field(default=ANSWER_MAX_CHARS, ge=100, le=ANSWER_MAX_CHARS)
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535)
    working_hours: str = "mon-fri 09:00-17:00"  # direct messages only then; or `always`
    holidays: str = "NL"  # no direct messages on these public holidays; or `none`
    retention: str = "keep"  # or e.g. `anonymise 365d`, `erase 2y` after the meeting
    # How often the scheduler looks for due work, and how long an instance owns a
    # delivery it claimed before another instance may take it over.
    tick_seconds: float = Field(default=5.0, gt=0, le=3600)
    claim_seconds: float = Field(default=300.0, ge=1, le=86400)
    # Bounds on every wait for the database, in seconds (0: none for statements and
    # locks), and how long `serve` waits for it to answer at start-up.
    database_connect_timeout: float = Field(default=5.0, gt=0, le=300)
    database_statement_timeout: float = Field(default=30.0, ge=0, le=86400)
    database_lock_timeout: float = Field(default=5.0, ge=0, le=86400)
    database_start_seconds: float = Field(default=30.0, ge=0, le=3600)
    # Serve POST /api/messages without Bot Framework tokens, for the Bot Framework Emulator:
    # only while the server listens on a loopback address, and never with TEAMS_APP_ID.
    teams_emulator: bool = False
    log_level: str = "INFO"  # DEBUG, INFO, WARNING, ERROR or CRITICAL
    log_format: LogFormat = "auto"  # JSON unless stderr is a terminal; or `json`, `text`

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LEVELS:
            raise ValueError(f"unknown log level {value!r}; expected one of {', '.join(LEVELS)}")
        return level

    @field_validator("working_hours")
    @classmethod
    def _readable_hours(cls, value: str) -> str:
        parse_working_hours(value)
        return value

    @field_validator("holidays")
    @classmethod
    def _known_holidays(cls, value: str) -> str:
        holiday_country(value)
        return value

    @field_validator("retention")
    @classmethod
    def _readable_retention(cls, value: str) -> str:
        RetentionPolicy.parse(value)
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def sending_window(self) -> SendingWindow:
        return SendingWindow(
            zone=self.zone,
            periods=parse_working_hours(self.working_hours),
            holidays=parse_holidays(self.holidays),
        )

    def retention_policy(self) -> RetentionPolicy:
        return RetentionPolicy.parse(self.retention)
