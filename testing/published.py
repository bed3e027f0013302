"""Where the payloads Slack and Microsoft published are kept (see fixtures/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
