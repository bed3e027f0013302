"""Phrasing a theme summary by an OpenAI-compatible endpoint (a local fake on a loopback
port): what is sent, what is accepted, and that every failure keeps the offline summary."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from adapters.llm.chat_completions import ChatCompletions
from adapters.llm.settings import LlmSettings
from bot.summary.model import Quote, RoundSummary, Theme
from bot.themes.phrasing import ThemeEvidence, phrase_summary, quoted_passages
from testing.fakes.chat_completions import PATH, FakeChatCompletions

API_KEY = "sk-very-secret-key-123"
MODEL = "gemeente-llm-1"
MEMBER_NAME = "Anna Jansen"
WITHHELD_ORGANISATION = "Bunnik"  # its member answered anonymously
ALLOWED_ORGANISATION = "Zeist"
ANSWER_HOUSING = (
    "De kosten van onderwijshuisvesting stijgen harder dan   de\nrijksvergoeding;\x07 "
    "we moeten scholen uitstellen."
)
ANSWER_HOUSING_2 = "Verduurzaming van schoolgebouwen past niet in de begroting."
ANSWER_JEUGD = "De jeugdzorg vraagt elk jaar meer, contact via j.de.vries@bunnik.example."


def _summary() -> RoundSummary:
    housing = Theme(
        key="onderwijshuisvesting",
        title="onderwijshuisvesting kosten scholen",
        pillar_slug="financien",
        topic_slug="onderwijshuisvesting",
        topic_name="Onderwijshuisvesting",
        keywords=["kosten", "scholen", "verduurzaming"],
        answers=2,
        assigned=0,
        organisations=[ALLOWED_ORGANISATION],
        anonymous_answers=1,
        quotes=[
            Quote(
                response_id=11,
                text=ANSWER_HOUSING,
                network_help="Lobby bij het Rijk.",
                member=MEMBER_NAME,
                organisation=ALLOWED_ORGANISATION,
            )
        ],
        response_ids=[11, 12],
    )
    jeugd = Theme(
        key="jeugdzorg",
        title="jeugdzorg jaar meer",
        pillar_slug="financien",
        topic_slug=None,
        topic_name=None,
        keywords=["jeugdzorg"],
        answers=1,
        assigned=1,
        organisations=[],
        anonymous_answers=1,
        quotes=[
            Quote(
                response_id=13,
                text=ANSWER_JEUGD,
                network_help="",
                member=None,
                organisation=None,
            )
        ],
        response_ids=[13],
    )
    return RoundSummary(
        round_id=7,
        meeting_title="Pijleroverleg Financiën",
        answers=3,
        organisations=1,
        anonymous_answers=2,
        anonymous_withheld=False,
        themes=[housing, jeugd],
    )


def _evidence() -> list[ThemeEvidence]:
    return [
        ThemeEvidence(
            key="onderwijshuisvesting",
            title="onderwijshuisvesting kosten scholen",
            topic_name="Onderwijshuisvesting",
            keywords=["kosten", "scholen", "verduurzaming"],
            answers=[(ANSWER_HOUSING, ALLOWED_ORGANISATION), (ANSWER_HOUSING_2, None)],
        ),
        ThemeEvidence(
            key="jeugdzorg",
            title="jeugdzorg jaar meer",
            topic_name=None,
            keywords=["jeugdzorg"],
            answers=[(ANSWER_JEUGD, None)],
        ),
    ]


def _good_answer() -> dict[str, Any]:
    return {
        "themes": [
            {"key": "onderwijshuisvesting", "title": "Kosten van schoolgebouwen stijgen"},
            {"key": "jeugdzorg", "title": "Groeiende uitgaven\u202e aan jeugdzorg"},
        ],
        "synthesis": "Gemeenten zien hun uitgaven stijgen, voor scholen en voor jeugdzorg.",
    }


@pytest.fixture
def llm() -> Iterator[FakeChatCompletions]:
    with FakeChatCompletions() as fake:
        yield fake


def _settings(url: str, *, timeout: float = 5.0) -> LlmSettings:
    return LlmSettings(_env_file=None, base_url=url, model=MODEL, api_key=API_KEY, timeout=timeout)


def _phrase(
    llm: FakeChatCompletions, *, timeout: float = 5.0, language: str = "nl"
) -> RoundSummary:
    return phrase_summary(
        _summary(),
        _evidence(),
        model=ChatCompletions.configured(_settings(llm.url, timeout=timeout)),
        language=language,
    )


def test_success_replaces_titles_and_sets_synthesis(llm: FakeChatCompletions) -> None:
    llm.answer_with(_good_answer())

    phrased = _phrase(llm)

    offline = _summary()
    assert [t.title for t in phrased.themes] == [
        "Kosten van schoolgebouwen stijgen",
        "Groeiende uitgaven aan jeugdzorg",  # the bidi override stripped
    ]
    assert phrased.synthesis.startswith("Gemeenten zien hun uitgaven stijgen")
    assert phrased.phrased_by == MODEL
    # Titles are replaced, nothing else: the offline title is kept nowhere.
    assert [t.original_title for t in phrased.themes] == [None, None]
    assert [t.quotes for t in phrased.themes] == [t.quotes for t in offline.themes]
    assert phrased.postings == offline.postings


def test_request_carries_model_key_and_settings_and_no_withheld_names(
    llm: FakeChatCompletions,
) -> None:
    llm.answer_with(_good_answer())

    _phrase(llm, language="en")

    assert len(llm.requests) == 1
    request = llm.requests[0]
    assert request.path == PATH
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    body = request.json()
    assert body["model"] == MODEL
    assert body["temperature"] == 0
    assert body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    user = body["messages"][1]["content"]
    assert "English" in user
    assert "kosten van onderwijshuisvesting stijgen" in user  # the answers are the evidence
    assert ALLOWED_ORGANISATION in user
    for absent in (MEMBER_NAME, WITHHELD_ORGANISATION, "j.de.vries@bunnik.example", "response_id"):
        assert absent not in request.text
    assert "11" not in user and "13" not in user  # no response ids


def test_language_is_named_to_the_model(llm: FakeChatCompletions) -> None:
    llm.answer_with(_good_answer())

    _phrase(llm, language="nl")

    assert '"language": "Dutch"' in llm.requests[0].json()["messages"][1]["content"]
    with pytest.raises(ValueError, match="language"):
        _phrase(llm, language="de")


def test_unknown_keys_are_ignored_and_missing_themes_keep_their_titles(
    llm: FakeChatCompletions,
) -> None:
    llm.answer_with(
        {
            "themes": [
                {"key": "jeugdzorg", "title": "  Jeugdzorg\tkost   steeds meer "},
                {"key": "verzonnen", "title": "Bestaat niet"},
            ],
            "synthesis": "Jeugdzorg drukt op de begroting.",
        }
    )

    phrased = _phrase(llm)

    assert phrased.theme("onderwijshuisvesting") == _summary().theme("onderwijshuisvesting")
    jeugd = phrased.theme("jeugdzorg")
    assert jeugd is not None and jeugd.title == "Jeugdzorg kost steeds meer"
    assert phrased.theme("verzonnen") is None


def test_a_verbatim_quote_is_accepted(llm: FakeChatCompletions) -> None:
    # Whitespace and the control character differ from the stored answer; the words don't.
    synthesis = (
        "Een gemeente schrijft: „De kosten van onderwijshuisvesting stijgen harder dan de "
        "rijksvergoeding;” en een andere: 'Verduurzaming van schoolgebouwen past niet in de "
        "begroting.' Auto's en foto's zijn geen citaten."
    )
    llm.answer_with({**_good_answer(), "synthesis": synthesis})

    phrased = _phrase(llm)

    assert phrased.synthesis == synthesis
    assert phrased.phrased_by == MODEL


def test_quoted_passages_skip_apostrophes_and_short_phrases() -> None:
    text = "Auto's en foto's; een 'term' en “twee woorden”; ’s avonds “dit zijn drie woorden”."
    assert quoted_passages(text) == ["dit zijn drie woorden"]


def _invented_quote() -> dict[str, Any]:
    return {**_good_answer(), "synthesis": 'Een gemeente zegt: "het Rijk laat ons in de steek".'}


def _quote_in_title() -> dict[str, Any]:
    answer = _good_answer()
    answer["themes"][0] = {
        "key": "onderwijshuisvesting",
        "title": "“Scholen gaan dicht door kosten”",
    }
    return answer


def _title(title: str) -> dict[str, Any]:
    answer = _good_answer()
    answer["themes"][0] = {"key": "onderwijshuisvesting", "title": title}
    return answer


FAILURES: dict[str, dict[str, Any]] = {
    "title of 300 characters": _title("Kosten " * 42 + "stijgen"),
    "empty title": _title(" \x00 "),
    "title of two lines": _title("Kosten\nstijgen"),
    "invented quote": _invented_quote(),
    "invented quote in a title": _quote_in_title(),
    "synthesis too long": {**_good_answer(), "synthesis": "Tekst. " * 200},
    "no synthesis": {"themes": _good_answer()["themes"]},
    "themes not a list": {"themes": {"jeugdzorg": "Titel"}, "synthesis": "Tekst."},
    "title not a string": _title(42),  # type: ignore[arg-type]
    "duplicate key": {
        "themes": [{"key": "jeugdzorg", "title": "A"}, {"key": "jeugdzorg", "title": "B"}],
        "synthesis": "Tekst.",
    },
}


@pytest.mark.parametrize("content", FAILURES.values(), ids=FAILURES.keys())
def test_an_invalid_phrasing_keeps_the_summary(
    llm: FakeChatCompletions, caplog: pytest.LogCaptureFixture, content: dict[str, Any]
) -> None:
    llm.answer_with(content)

    with caplog.at_level(logging.INFO, logger="bot.themes.phrasing"):
        assert _phrase(llm) == _summary()

    _assert_one_clean_warning(caplog)


def test_content_that_is_not_json_keeps_the_summary(
    llm: FakeChatCompletions, caplog: pytest.LogCaptureFixture
) -> None:
    llm.answer_with("Hier zijn de titels: Kosten, Jeugdzorg.")
    with caplog.at_level(logging.INFO, logger="bot.themes.phrasing"):
        assert _phrase(llm) == _summary()
    _assert_one_clean_warning(caplog, reason="not JSON")


def test_a_reply_that_is_not_json_keeps_the_summary(
    llm: FakeChatCompletions, caplog: pytest.LogCaptureFixture
) -> None:
    llm.answer_raw(b'{"choices": [{"message": ')
    with caplog.at_level(logging.INFO, logger="bot.themes.phrasing"):
        assert _phrase(llm) == _summary()
    _assert_one_clean_warning(caplog, reason="reply is not JSON")


def test_a_server_error_keeps_the_summary(
    llm: FakeChatCompletions, caplog: pytest.LogCaptureFixture
) -> None:
    llm.fail_with(500)
    with caplog.at_level(logging.INFO, logger="bot.themes.phrasing"):
        assert _phrase(llm) == _summary()
    _assert_one_clean_warning(caplog, reason="HTTP status 500")


def test_a_slow_answer_times_out_and_keeps_the_summary(
    llm: FakeChatCompletions, caplog: pytest.LogCaptureFixture
) -> None:
    llm.delay_seconds = 5.0
    llm.answer_with(_good_answer())
    with caplog.at_level(logging.INFO, logger="bot.themes.phrasing"):
        assert _phrase(llm, timeout=0.3) == _summary()
    _assert_one_clean_warning(caplog, reason="no reply within 0.3 s")


def test_a_refused_connection_keeps_the_summary(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nobody listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = _settings(f"http://127.0.0.1:{port}/v1")
    with caplog.at_level(logging.INFO, logger="bot.themes.phrasing"):
        assert phrase_summary(
            _summary(), _evidence(), model=ChatCompletions.configured(settings), language="nl"
        ) == (_summary())
    _assert_one_clean_warning(caplog, reason="cannot connect")


def test_an_unusable_base_url_keeps_the_summary(caplog: pytest.LogCaptureFixture) -> None:
    settings = _settings(f"ftp://user:{API_KEY}@127.0.0.1/v1")
    with caplog.at_level(logging.INFO, logger="bot.themes.phrasing"):
        assert phrase_summary(
            _summary(), _evidence(), model=ChatCompletions.configured(settings), language="nl"
        ) == (_summary())
    _assert_one_clean_warning(caplog, reason="request failed")


def _assert_one_clean_warning(caplog: pytest.LogCaptureFixture, *, reason: str = "") -> None:
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert reason in warnings[0].getMessage()
    assert "\n" not in warnings[0].getMessage()
    assert API_KEY not in caplog.text
    for member_text in ("onderwijshuisvesting stijgen", "jeugdzorg vraagt", MEMBER_NAME):
        assert member_text not in caplog.text


def test_unconfigured_settings_send_nothing(
    llm: FakeChatCompletions, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("BASE_URL", "MODEL", "API_KEY", "TIMEOUT"):
        monkeypatch.delenv(f"INBRENG_LLM_{name}", raising=False)
    assert not LlmSettings(_env_file=None).configured
    assert not LlmSettings(_env_file=None, base_url=llm.url).configured
    assert not LlmSettings(_env_file=None, base_url=llm.url, model="").configured

    with caplog.at_level(logging.INFO, logger="bot.themes.phrasing"):
        unchanged = phrase_summary(
            _summary(),
            _evidence(),
            model=ChatCompletions.configured(LlmSettings(_env_file=None)),
            language="nl",
        )
    assert unchanged == _summary()
    assert llm.requests == []
    assert caplog.records == []


def test_settings_come_from_the_environment_and_hide_the_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INBRENG_LLM_BASE_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("INBRENG_LLM_MODEL", MODEL)
    monkeypatch.setenv("INBRENG_LLM_API_KEY", API_KEY)
    monkeypatch.delenv("INBRENG_LLM_TIMEOUT", raising=False)

    settings = LlmSettings(_env_file=None)

    assert settings.configured
    assert settings.timeout == 20.0
    assert settings.api_key is not None and settings.api_key.get_secret_value() == API_KEY
    assert API_KEY not in repr(settings) and API_KEY not in str(settings)
