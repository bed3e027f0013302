"""The policy fields of local government (`policy_fields.yaml`) as term -> fields."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from bot.themes.text import terms


@cache
def field_index(language: str) -> dict[tuple[str, ...], tuple[str, ...]]:
    """Each entry's terms (one term, or several for a phrase) -> the fields it belongs to."""
    source = resources.files("bot.themes").joinpath("policy_fields.yaml").read_text("utf-8")
    index: dict[tuple[str, ...], set[str]] = {}
    for field, entries in yaml.safe_load(source)["fields"].items():
        for entry in entries:
            # A single word is known by its whole term; a phrase by all its words.
            words = str(entry).split()
            key = tuple(t for word in words for t in terms(word, language)[:1])
            if key:
                index.setdefault(key, set()).add(str(field))
    return {key: tuple(sorted(fields)) for key, fields in index.items()}


def fields_of(text_terms: list[str], language: str) -> list[str]:
    """The fields a text's terms touch, once per matching term or phrase."""
    index = field_index(language)
    present = set(text_terms)
    found: list[str] = []
    for key, fields in index.items():
        if (len(key) == 1 and key[0] in present) or (len(key) > 1 and set(key) <= present):
            found.extend(fields)
    return found
