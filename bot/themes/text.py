"""Words to comparable terms, Dutch first: stop words, lemmas, compounds, stems.

Dutch glues words together ("omgevingswet", "bedrijfsleven"), so a long word is also split
into the known words it is made of (by their frequency in general Dutch, from wordfreq),
and every part becomes a term of its own: "omgevingswet" then shares "omgeving" with
"omgevingsvisie". Lemmas come from simplemma's dictionaries, so "gemeenten" and "gemeente"
or "bedrijven" and "bedrijf" meet; a Snowball stem after the lemma joins the forms the
dictionary lacks ("afstemmen", "afstemming").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

import simplemma
import snowballstemmer
import stopwordsiso

LANGUAGES = ("nl", "en")
_STEMMERS = {"nl": "dutch_porter", "en": "english"}
_WORD = re.compile(r"[^\W\d_]+")

# A compound part must be a word of its own, at least this long and this common
# (Zipf scale: 3 = once per million words).
_PART_LENGTH = 4
_PART_ZIPF = 3.0
# Dutch links compound parts with -s-, -en-, -e- or a hyphen.
_LINKS = ("s", "en", "e", "-", "")
# Derivational endings that look like words but carry no topic.
_NOT_PARTS = frozenset({"lijk", "heid", "ling", "baar", "zaam", "loos", "schap", "teit"})


@cache
def stop_words(language: str) -> frozenset[str]:
    """Function words of the language, and of English, which Dutch answers borrow from."""
    words = set(stopwordsiso.stopwords(language)) | set(stopwordsiso.stopwords("en"))
    return frozenset(words)


@cache
def _stemmer(language: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(_STEMMERS.get(language, "dutch_porter"))


def words(text: str) -> list[str]:
    """Lower-case words of a text, numbers and punctuation left out."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=65536)
def split_compound(word: str, language: str = "nl") -> tuple[str, ...]:
    """The best split of a word into common words, or the word itself.

    A split counts only when each part is more common than the whole word: "bedrijfsleven"
    splits into "bedrijf" + "leven", but "gemeente" stays whole.
    """
    from wordfreq import zipf_frequency  # its tables load on first use, not at start-up

    if len(word) < 2 * _PART_LENGTH:
        return (word,)
    best: tuple[float, tuple[str, ...]] | None = None
    for cut in range(_PART_LENGTH, len(word) - _PART_LENGTH + 1):
        left = word[:cut]
        left_zipf = zipf_frequency(left, language)
        if left_zipf < _PART_ZIPF or left in _NOT_PARTS:
            continue
        for link in _LINKS:
            rest = word[cut:]
            if not rest.startswith(link):
                continue
            right = rest[len(link) :]
            if len(right) < _PART_LENGTH or right in _NOT_PARTS:
                continue
            right_zipf = zipf_frequency(right, language)
            parts: tuple[str, ...] = (right,)
            if right_zipf < _PART_ZIPF:
                parts = split_compound(right, language)
                if len(parts) == 1:
                    continue
                right_zipf = min(zipf_frequency(p, language) for p in parts)
            score = min(left_zipf, right_zipf)
            if best is None or score > best[0]:
                best = (score, (left, *parts))
    if best is None or best[0] <= zipf_frequency(word, language):
        return (word,)
    return best[1]


@dataclass(frozen=True)
class WordTerms:
    word: str
    stem: str  # the whole word's term
    parts: tuple[str, ...]  # terms of its compound parts; empty when it is not a compound
    part_words: tuple[str, ...] = ()  # those parts as written


@lru_cache(maxsize=131072)
def word_terms(word: str, language: str = "nl") -> WordTerms:
    lemma = simplemma.lemmatize(word, lang=language)
    stem = _stemmer(language).stemWord
    # simplemma marks some compounds itself: "gemeenteraad" -> "gemeente_raad".
    pieces = [p for p in lemma.split("_") if p]
    whole = stem("".join(pieces) or word)
    parts: list[str] = []
    for piece in pieces:
        parts.extend(split_compound(piece, language))
    if len(parts) < 2:
        return WordTerms(word=word, stem=whole, parts=())
    kept = [p for p in parts if p not in stop_words(language)]
    return WordTerms(
        word=word,
        stem=whole,
        parts=tuple(stem(simplemma.lemmatize(p, lang=language)) for p in kept),
        part_words=tuple(kept),
    )


def content_words(text: str, language: str = "nl") -> list[WordTerms]:
    stops = stop_words(language)
    return [word_terms(w, language) for w in words(text) if len(w) > 1 and w not in stops]


def head_terms(text: str, language: str = "nl") -> list[str]:
    """Each content word's stem and, for a compound, its head: Dutch compounds are
    head-final, so a "jeugdzorg" is a kind of "zorg", but "middelgroot" no kind of "middel"."""
    found: list[str] = []
    for item in content_words(text, language):
        found.append(item.stem)
        if item.parts and item.parts[-1] != item.stem:
            found.append(item.parts[-1])
    return found


def terms(text: str, language: str = "nl") -> list[str]:
    """The terms a text is compared by: each content word's stem, then its parts' stems."""
    found: list[str] = []
    for item in content_words(text, language):
        found.append(item.stem)
        found.extend(p for p in item.parts if p != item.stem)
    return found


# The commonest function words of each language, for telling them apart (stop word lists
# are too broad for that: the English one holds "example", the Dutch one "op" and "in" both).
_MARKERS = {
    "nl": frozenset(
        (
            "de",
            "het",
            "een",
            "en",
            "van",
            "zijn",
            "wij",
            "onze",
            "voor",
            "met",
            "dat",
            "dit",
            "niet",
            "er",
            "te",
            "bij",
            "ook",
            "maar",
            "wordt",
            "worden",
            "naar",
            "door",
            "hoe",
            "wat",
        )
    ),
    "en": frozenset(
        (
            "the",
            "and",
            "of",
            "to",
            "are",
            "we",
            "our",
            "for",
            "with",
            "that",
            "this",
            "not",
            "be",
            "have",
            "from",
            "but",
            "by",
            "how",
            "what",
            "which",
            "there",
            "their",
        )
    ),
}


def guess_language(texts: list[str]) -> str:
    """Dutch unless the texts hold clearly more English function words than Dutch ones."""
    counts = {"nl": 0, "en": 0}
    for text in texts:
        for word in words(text):
            for language, markers in _MARKERS.items():
                counts[language] += word in markers
    return "en" if counts["en"] > max(2 * counts["nl"], 2) else "nl"
