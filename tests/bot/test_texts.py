"""The prompt catalogues: complete in both languages, and every text renders."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.participation import OrganisationParticipation
from bot.summary.model import Quote
from bot.texts import Texts, available_languages, load_catalogue

ROOT = Path(__file__).resolve().parents[2]
WHEN = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
QUOTE = Quote(
    response_id=7,
    text="Kosten < baten & *onduidelijk*",
    network_help="Kennis delen",
    member="Anna Jansen",
    organisation="Zeist",
)

# Realistic values for every variable a text may use; each text takes what it needs.
VALUES: dict[str, Any] = {
    "name": "Anna Jansen", "email": "a.jansen@zeist.example", "pillars": "Financiën",
    "id": 3, "meeting": "Pijleroverleg Financiën", "status": "open", "place": "Amersfoort",
    "title": "Pijleroverleg Financiën", "starts_at": WHEN, "opens_at": WHEN, "closes_at": WHEN,
    "meeting_at": WHEN, "created_at": WHEN, "edited_at": WHEN, "opened": True, "final": True,
    "answered": 14, "organisations": 19, "rate": 14 / 19, "count": 2, "invitations": 40,
    "question": "Welke vraagstukken spelen er?", "limit": 4000, "length": 4210,
    "members_answered": 20, "members_asked": 38, "open": True, "complete": False,
    "withheld": "Anonieme inbreng wordt niet getoond.", "note": "Per gemeente: met naam.",
    "asked": 3, "declined": 1, "event": "approve",
    "answers": 5, "topic": "Onderwijshuisvesting", "anonymous": 1,
    "quotes": "“Tekst” (Zeist)", "text": "Tekst", "member": "Anna Jansen",
    "organisation": "Zeist", "round_id": 3, "response_id": 12, "known": "a, b",
    "value": "morgen", "pillar": "fiannce", "language": "en", "word": "blabla",
    "what": "round", "command": "close", "anonymised": 2, "deleted": 0, "open_rounds": 1,
    "revision": "0001", "current": None, "head": "0001", "path": "/tmp/x.json",
    "named": ["Soest", "Zeist"], "members": 30, "declines": 4, "reason": "Vul het vraagstuk in.",
    "error": "slack: channel_not_found", "seconds": "1.2", "attempts": 4, "kind": "leden",
    "changes": [("toegevoegd", 3)], "channels": 2, "until": WHEN.date(),
    "themes": [{"title": "Onderwijshuisvesting", "new": True, "answers": 3,
                "organisations": ["Soest", "Zeist"], "anonymous": 1,
                "keywords": ["normbedragen", "bouwkosten"], "theme": "t9", "keys": "t1, t2",
    "where": "slack:C05PMGFIN01", "quotes": [QUOTE]}],
    "synthesis": "Twee gemeenten noemen de bouwkosten.", "new": False,
    "keywords": ["normbedragen", "bouwkosten"], "theme": "t9", "keys": "t1, t2",
    "where": "slack:C05PMGFIN01", "key": "t2", "hidden": True, "action": "verberg",
    "label": "Onderwijshuisvesting: 2 inbreng, 2 gemeenten",
    "rows": [OrganisationParticipation(organisation="Zeist", asked=3, answered=1, declined=0,
                                       answers=2)],
    # inbreng doctor
    "mark": "✓", "area": "Database", "faults": 1, "warnings": 2, "variable": "INBRENG_PORT",
    "problem": "Input should be less than or equal to 65535", "zone": "Europe/Amsterdam",
    "now": WHEN, "hours": "mon-fri 09:00-17:00", "holidays": "NL", "next": WHEN,
    "url": "postgresql://inbreng:***@db:5432/inbreng", "version": "16.4",
    "configured": "Europe/Brussels", "when": WHEN, "minutes": 42, "user": "inbreng",
    "team": "PMG", "socket_mode": False, "scopes": "files:write, users:read.email",
    "app_id": "00000000-0000-0000-0000-000000000001", "tenant": None,
    "missing": "INBRENG_LLM_MODEL", "workspaces": ["T0001"], "host": "0.0.0.0",
    "names": ["Lochem", "Zeist"],
    "model": "llama-3.1-8b", "models": "mistral-7b", "present": ["SLACK_BOT_TOKEN"],
    "absent": ["TEAMS_APP_PASSWORD"],
    # inbreng network export / import
    "line": 3, "table": "members", "column": "emial", "row": 12, "total": 318, "tables": 15,
    "released": 2,
    # erased members left out of an import
    "links": 1, "messages": 3,
    # a chart or a message in parts
    "part": 2, "parts": 4, "posts": 7,
    # a date or a time that is not one, named by its field
    "field_name": "meeting_at",
    # a command typed wrongly
    "option": "--pilar", "suggestions": ["--pillar", "--place"], "suggestion": "show",
    "arguments": "a b",
    # a form that could not be saved after it was acknowledged
    "reasons": "• Dit veld is verplicht.", "typed": True,
}  # fmt: skip


@pytest.mark.parametrize("language", available_languages())
def test_every_language_has_every_key(language: str) -> None:
    assert set(load_catalogue(language)) == set(load_catalogue("nl"))


def test_dutch_and_english_are_available() -> None:
    assert available_languages() == ("en", "nl")


@pytest.mark.parametrize("language", available_languages())
@pytest.mark.parametrize("key", sorted(load_catalogue("nl")))
def test_every_text_renders_with_realistic_values(language: str, key: str) -> None:
    text = Texts().render(language, key, **VALUES)
    assert text.strip()
    assert "{{" not in text and "{%" not in text


def test_dates_follow_the_language_and_the_network_time_zone() -> None:
    texts = Texts(timezone="Europe/Amsterdam")
    dutch = texts.render("nl", "invitation.text", question="Q", meeting_at=WHEN, closes_at=WHEN)
    english = texts.render("en", "invitation.text", question="Q", meeting_at=WHEN, closes_at=WHEN)
    assert "donderdag 10 december 2026 om 14:00" in dutch  # 13:00 UTC is 14:00 in winter
    assert "Thursday 10 December 2026 at 14:00" in english


def test_every_key_the_code_uses_exists() -> None:
    """Literal keys passed to `t(...)`/`render(...)` in the code are all in the catalogue."""
    catalogue = load_catalogue("nl")
    used = set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("adapters/**/*.py")]:
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z_.]+)\"", source))
    assert used, "no keys found: the pattern no longer matches the code"
    assert sorted(used - set(catalogue)) == []
    for prefix in ("status_names", "attribution", "errors"):
        assert any(key.startswith(prefix) for key in catalogue)


def test_missing_values_are_an_error_not_a_gap() -> None:
    with pytest.raises(Exception, match="meeting"):
        Texts().render("nl", "invitation.title")
