"""Every user-facing text, rendered from the catalogues in `prompts/<language>/texts.yaml`.

Each catalogue entry is a Jinja template, written in the neutral markup of `bot.markup`.
`render` gives that markup, with every value placed in it escaped (member text, names,
topics: data, shown as typed); `document` renders the Markdown documents (the summary as
`inbreng summary` prints it), whose templates escape their values for Markdown themselves
with the `md` filters. Both use `StrictUndefined`, so a missing value is an error rather
than an empty gap; a key missing in a language falls back to the default language (Dutch).
Dates are formatted with Babel in the reader's language and the network's time zone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_percent
from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound, pass_context
from jinja2.runtime import Context

from bot.catalogue_file import read_catalogue_file
from bot.markup import Markup, escape

DEFAULT_LANGUAGE = "nl"


@cache
def load_catalogue(language: str) -> dict[str, str]:
    """The flattened catalogue of one language: `"errors.text_empty" -> template source`."""
    return read_catalogue_file(language, "texts.yaml")


@cache
def available_languages() -> tuple[str, ...]:
    """The languages with a catalogue; read once per process, as the catalogues are."""
    folders = resources.files("prompts").iterdir()
    return tuple(sorted(f.name for f in folders if f.joinpath("texts.yaml").is_file()))


class _CatalogueLoader(BaseLoader):
    """Template names are `language/key`; a key missing in a language uses Dutch."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, None, None]:
        language, _, key = template.partition("/")
        for candidate in (language, DEFAULT_LANGUAGE):
            source = load_catalogue(candidate).get(key)
            if source is not None:
                return source, None, None
        raise TemplateNotFound(template)


@pass_context
def _format_when(context: Context, value: datetime | None, form: str = "medium") -> str:
    if value is None:
        return ""
    patterns = {"medium": "EEEE d MMMM y 'om' HH:mm", "short": "d MMM HH:mm"}
    if context["_language"] == "en":
        patterns = {"medium": "EEEE d MMMM y 'at' HH:mm", "short": "d MMM HH:mm"}
    return format_datetime(
        value, patterns.get(form, form), tzinfo=context["_zone"], locale=context["_language"]
    )


@pass_context
def _format_day(context: Context, value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(context["_zone"]).date()
    return format_date(value, "EEEE d MMMM y", locale=context["_language"])


@pass_context
def _format_percent(context: Context, value: float) -> str:
    return format_percent(value, locale=context["_language"])


_MD_INLINE = re.compile(r"([\\`*_\[\]<>|~#&])")
_MD_LINE_START = re.compile(r"^(\s*(?:\d+)?)([-+=.)])", re.MULTILINE)


def _markdown(value: object) -> str:
    """Escape member text for Markdown so it stays literal text (no links, no markup)."""
    escaped = _MD_INLINE.sub(r"\\\1", str(value))
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def _markdown_quote(value: object) -> str:
    return "\n".join(f"> {_markdown(line)}" for line in str(value).splitlines() or [""])


def _escaped(value: object) -> Markup:
    return escape(value if isinstance(value, str) else str(value))


def _environment(**options: Any) -> Environment:
    environment = Environment(
        loader=_CatalogueLoader(),
        undefined=StrictUndefined,
        autoescape=False,  # noqa: S701 - not HTML: the markup escapes values in `finalize`
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
        # Every template of every language stays compiled: the catalogues hold some 900
        # (keys times languages), where Jinja keeps 400 and would compile most again.
        cache_size=-1,
        **options,
    )
    environment.filters.update(
        when=_format_when,
        day=_format_day,
        percent=_format_percent,
        md=_markdown,
        md_quote=_markdown_quote,
    )
    return environment


@cache
def _text_environment() -> Environment:
    # Every `{{ value }}` in a text is data: escaped, unless it is markup already.
    return _environment(finalize=_escaped)


@cache
def _document_environment() -> Environment:
    return _environment()


class Texts:
    """Renders catalogue keys in a language, with dates in the network's time zone.

    Every instance shares the two environments of the process, so a template is compiled
    once whichever part of the bot renders it first.
    """

    def __init__(self, *, timezone: str = "Europe/Amsterdam") -> None:
        self.zone = ZoneInfo(timezone)
        self._texts = _text_environment()
        self._documents = _document_environment()

    def render(self, language: str, key: str, /, **values: Any) -> Markup:
        """The text in the neutral markup (`bot.markup`), its values escaped."""
        return Markup(self._render(self._texts, language, key, values))

    def document(self, language: str, key: str, /, **values: Any) -> str:
        """A Markdown document; its template escapes values with the `md` filters."""
        return self._render(self._documents, language, key, values)

    def _render(
        self, environment: Environment, language: str, key: str, values: Mapping[str, Any]
    ) -> str:
        language = language if language in available_languages() else DEFAULT_LANGUAGE
        template = environment.get_template(f"{language}/{key}")
        return template.render(_language=language, _zone=self.zone, **values).strip()

    def has(self, key: str) -> bool:
        return key in load_catalogue(DEFAULT_LANGUAGE)
