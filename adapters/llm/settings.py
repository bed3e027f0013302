"""INBRENG_LLM_*: where the network's language model is."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class LlmSettings(BaseSettings):
    """INBRENG_LLM_*: an OpenAI-compatible chat-completions endpoint of the network's own
    choosing that may phrase theme titles and a synthesis; without a base URL and a model,
    summaries stay as computed offline."""

    model_config = SettingsConfigDict(
        env_prefix="INBRENG_LLM_", env_file=".env", extra="ignore", frozen=True
    )

    base_url: str | None = None  # e.g. http://host:8000/v1; requests go to {base}/chat/completions
    model: str | None = None
    api_key: SecretStr | None = None  # sent as a bearer token; many local servers need none
    timeout: float = Field(default=20.0, gt=0, le=600)  # seconds

    @field_validator("base_url", "model", "api_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def configured(self) -> bool:
        return self.base_url is not None and self.model is not None
