"""Optional phrasing of a theme summary by a network's own language model.

The summary is computed offline and deterministically; given the network's language model
(`LanguageModel`, in `adapters/llm/`), `phrase_summary` asks it, in one request, for
plainer theme titles and a short synthesis. The model sees only what the
caller puts in `ThemeEvidence` (answer texts, organisation names the members allowed,
topic names, keywords and theme keys): never member names, e-mail addresses or ids.

Whatever the model answers is checked before it is used: titles are single lines of at
most 90 characters, the synthesis at most 1200 characters, and every passage it puts
between quotation marks must occur verbatim in one of the answers. Any failure (network,
timeout, HTTP status, JSON, schema, quotes) returns the summary unchanged and logs one
warning line that says why, without secrets or member text.

    summary = phrase_summary(summary, evidence, model=model, language="nl")
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Protocol

from bot.summary.model import RoundSummary

logger = logging.getLogger(__name__)

TITLE_MAX_CHARS = 90
SYNTHESIS_MAX_CHARS = 1200
QUOTE_MIN_WORDS = 3

_LANGUAGES = {"nl": "Dutch", "en": "English"}

# Not shown to members, so one English text serves every language; the user message
# names the language to answer in.
SYSTEM_PROMPT = """\
You help the secretariat of a network of Dutch municipalities. Before a meeting, member \
municipalities described the challenges they face; a program grouped their answers into \
themes. You receive those themes as JSON: for each theme a key, the title the program \
computed, the topic it belongs to (if any), keywords, and the members' answers (with the \
organisation where the member allowed it).

Write:
- for each theme, a short, plain title that says what the challenge is: one line, at most \
90 characters, without quotation marks;
- a synthesis of at most 1200 characters: what the themes are about, what they have in \
common and what the network could do.

Rules:
- Use only what the answers say; invent nothing. Name no persons.
- Name an organisation only if it appears in the answers you received.
- If you quote an answer, copy its words exactly between quotation marks; do not put \
anything else between quotation marks.
- Write in the language given in "language".
- Keep every theme key exactly as given.

Answer with one JSON object and nothing else:
{"themes": [{"key": "<theme key>", "title": "<title>"}], "synthesis": "<synthesis>"}
"""


@dataclass(frozen=True, kw_only=True)
class ThemeEvidence:
    """What may be sent to the model for one theme; the caller decides what is allowed."""

    key: str
    title: str  # the offline title
    topic_name: str | None
    keywords: list[str]
    # (answer text, organisation name or None when the member did not allow it)
    answers: list[tuple[str, str | None]]


class LanguageModel(Protocol):
    """A chat model of the network's own choosing."""

    name: str  # recorded in the summary as what phrased it

    def answer(self, system: str, user: str) -> str:
        """The model's reply (a JSON object is asked for) to a system and a user message;
        PhrasingError when there is none to use."""
        ...


class PhrasingError(Exception):
    """Why a phrasing was not used; its message goes to the log, so it never holds
    secrets or member text."""


@dataclass(frozen=True, kw_only=True)
class _Phrasing:
    titles: dict[str, str]
    synthesis: str


def phrase_summary(
    summary: RoundSummary,
    evidence: list[ThemeEvidence],
    *,
    model: LanguageModel | None,
    language: str,
) -> RoundSummary:
    """The summary with theme titles and a synthesis phrased by the configured model, and
    `phrased_by` set to the model's name; the summary unchanged when no model is
    configured or anything goes wrong. Themes the model leaves out keep their titles.

    `language` is the summary's language, "nl" or "en" (ValueError otherwise)."""
    if language not in _LANGUAGES:
        raise ValueError(f"no phrasing language {language!r}; expected one of {list(_LANGUAGES)}")
    if model is None:
        return summary
    known = {theme.key for theme in summary.themes}
    sent = [item for item in evidence if item.key in known]
    if not sent:
        return summary
    try:
        content = model.answer(SYSTEM_PROMPT, _user_message(sent, language=language))
        phrasing = _parse(content, keys={item.key for item in sent})
        _check_quotes(phrasing, _answer_texts(summary, sent))
    except PhrasingError as error:
        logger.warning(
            "Keeping the offline summary of round %s: phrasing by %s failed: %s",
            summary.round_id,
            model.name,
            error,
        )
        return summary
    themes = [
        replace(theme, title=phrasing.titles[theme.key]) if theme.key in phrasing.titles else theme
        for theme in summary.themes
    ]
    logger.info("Round %s: summary phrased by %s", summary.round_id, model.name)
    return replace(summary, themes=themes, synthesis=phrasing.synthesis, phrased_by=model.name)


# Typed by a member, an address could slip into an answer; the model never needs one.
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _user_message(evidence: list[ThemeEvidence], *, language: str) -> str:
    themes = [
        {
            "key": item.key,
            "title": item.title,
            "topic": item.topic_name,
            "keywords": item.keywords,
            "answers": [
                {"text": _EMAIL.sub("[e-mail]", text)}
                | ({} if organisation is None else {"organisation": organisation})
                for text, organisation in item.answers
            ],
        }
        for item in evidence
    ]
    return json.dumps({"language": _LANGUAGES[language], "themes": themes}, ensure_ascii=False)


# Some models fence their JSON in Markdown even when asked for a JSON object.
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def _parse(content: str, *, keys: set[str]) -> _Phrasing:
    fenced = _FENCE.match(content)
    try:
        answer = json.loads(fenced.group(1) if fenced else content)
    except ValueError as error:
        raise PhrasingError("message content is not JSON") from error
    if not isinstance(answer, dict):
        raise PhrasingError("message content is not a JSON object")
    themes, synthesis = answer.get("themes"), answer.get("synthesis")
    if not isinstance(themes, list) or not isinstance(synthesis, str):
        raise PhrasingError('message content lacks a "themes" list or a "synthesis" string')
    titles: dict[str, str] = {}
    for number, item in enumerate(themes):
        if not isinstance(item, dict):
            raise PhrasingError(f"theme {number} is not an object")
        key, title = item.get("key"), item.get("title")
        if not isinstance(key, str) or not isinstance(title, str):
            raise PhrasingError(f'theme {number} lacks a "key" or "title" string')
        if key not in keys:
            continue  # a key we did not send: nothing to retitle
        if key in titles:
            raise PhrasingError(f"theme {key!r} appears twice")
        titles[key] = _title(title, key=key)
    return _Phrasing(titles=titles, synthesis=_synthesis(synthesis))


# Line breaks of every kind, so that "one line" means one line on every platform.
_LINE_BREAK = re.compile(r"[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


def _title(text: str, *, key: str) -> str:
    text = text.strip()
    if _LINE_BREAK.search(text):
        raise PhrasingError(f"title of theme {key!r} is not a single line")
    title = " ".join(_without_controls(text).split())
    if not title:
        raise PhrasingError(f"title of theme {key!r} is empty")
    if len(title) > TITLE_MAX_CHARS:
        raise PhrasingError(f"title of theme {key!r} is longer than {TITLE_MAX_CHARS} characters")
    return title


def _synthesis(text: str) -> str:
    lines = _without_controls(text.replace("\r\n", "\n"), keep="\n").split("\n")
    synthesis = "\n".join(" ".join(line.split()) for line in lines).strip()
    synthesis = re.sub(r"\n{3,}", "\n\n", synthesis)
    if not synthesis:
        raise PhrasingError("synthesis is empty")
    if len(synthesis) > SYNTHESIS_MAX_CHARS:
        raise PhrasingError(f"synthesis is longer than {SYNTHESIS_MAX_CHARS} characters")
    return synthesis


def _without_controls(text: str, *, keep: str = "") -> str:
    return "".join(_visible(char, keep=keep) for char in text)


def _visible(char: str, *, keep: str) -> str:
    # Cc: control characters; Cf: invisible format characters such as bidi overrides,
    # which could make a title read differently from what it says.
    if char in keep or unicodedata.category(char) not in {"Cc", "Cf"}:
        return char
    return " " if char.isspace() else ""  # a tab still separates words


# Opening and closing marks; the boundaries keep apostrophes (auto's, ’s avonds) from
# being read as quotation marks.
_QUOTE_MARKS = [("“", "”"), ("„", "”"), ("„", "“"), ('"', '"'), ("‘", "’"), ("'", "'")]
_QUOTES = [
    re.compile(rf"(?<!\w){re.escape(opening)}(?=\S)(.+?)(?<=\S){re.escape(closing)}(?!\w)", re.S)
    for opening, closing in _QUOTE_MARKS
]


def quoted_passages(text: str) -> list[str]:
    """The passages of `text` between quotation marks that are long enough to be quotes
    (three words or more), whitespace normalised."""
    passages = (" ".join(match.split()) for pattern in _QUOTES for match in pattern.findall(text))
    return [passage for passage in passages if len(passage.split()) >= QUOTE_MIN_WORDS]


def _answer_texts(summary: RoundSummary, evidence: Iterable[ThemeEvidence]) -> list[str]:
    texts = [text for item in evidence for text, _ in item.answers]
    texts += [quote.text for theme in summary.themes for quote in theme.quotes]
    return [" ".join(_without_controls(text).split()) for text in texts]


def _check_quotes(phrasing: _Phrasing, answers: list[str]) -> None:
    for text in [*phrasing.titles.values(), phrasing.synthesis]:
        for passage in quoted_passages(text):
            # A quote may end a sentence of its own where the answer goes on.
            words = passage.rstrip(".,;:!?…")
            if not any(words in answer for answer in answers):
                raise PhrasingError("a quoted passage does not occur verbatim in the answers")
