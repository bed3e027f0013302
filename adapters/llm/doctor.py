"""Whether the network's model endpoint (INBRENG_LLM_*) answers and serves the configured
model, for `inbreng doctor`: `GET {base}/models`, which OpenAI-compatible servers offer.
Summaries work without the endpoint, so an unreachable one is a warning, not a fault."""

from __future__ import annotations

import httpx

from adapters.llm.settings import LlmSettings
from bot.doctor import Finding, Level

AREA = "llm"


def llm_findings(settings: LlmSettings) -> list[Finding]:
    if settings.base_url is None and settings.model is None:
        return [Finding(AREA, Level.INFO, "off")]
    if settings.base_url is None or settings.model is None:
        missing = "INBRENG_LLM_MODEL" if settings.model is None else "INBRENG_LLM_BASE_URL"
        return [Finding(AREA, Level.FAULT, "half_configured", {"missing": missing})]
    where = _without_credentials(settings.base_url)
    headers = {"Accept": "application/json"}
    if settings.api_key is not None:
        headers["Authorization"] = f"Bearer {settings.api_key.get_secret_value()}"
    try:
        reply = httpx.get(
            settings.base_url.rstrip("/") + "/models", headers=headers, timeout=settings.timeout
        )
    # An exception's text may repeat the URL with its credentials: name the kind only.
    except (httpx.HTTPError, httpx.InvalidURL) as error:
        return [
            Finding(
                AREA, Level.WARNING, "unreachable", {"url": where, "error": type(error).__name__}
            )
        ]
    if reply.status_code in (401, 403):
        return [Finding(AREA, Level.FAULT, "key_refused", {"url": where})]
    models = _model_ids(reply) if reply.is_success else None
    if models is None:
        # Not every server lists its models: it answers, which is what can be checked.
        return [Finding(AREA, Level.OK, "answers", {"url": where, "model": settings.model})]
    if settings.model not in models:
        return [
            Finding(
                AREA,
                Level.WARNING,
                "model_unknown",
                {"url": where, "model": settings.model, "models": ", ".join(sorted(models)[:10])},
            )
        ]
    return [Finding(AREA, Level.OK, "model_served", {"url": where, "model": settings.model})]


def _model_ids(reply: httpx.Response) -> set[str] | None:
    try:
        data = reply.json().get("data")
    except (ValueError, AttributeError):
        return None
    if not isinstance(data, list):
        return None
    return {str(item["id"]) for item in data if isinstance(item, dict) and "id" in item}


def _without_credentials(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "?"
    return str(parsed.copy_with(username=None, password=None, query=None))
