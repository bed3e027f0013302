"""Answers and topics as vectors of weighted terms, and keywords read back from them.

Three views of a text, each TF-IDF weighted over the answers and topics at hand, joined
and scaled to unit length:
- its terms (`bot.themes.text.terms`): lemmas and compound parts, so the same words match;
- character 3-5-grams of those terms, so related word forms match partly ("regio",
  "regionaal"; "organisatie", "organiseren");
- the policy fields its terms belong to (`policy_fields.yaml`), so related words match
  ("ondernemers" and "bedrijven" are both economy).
The views are joined twice: for themes and keywords, and for topic assignment, where the
fields weigh less.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from bot.themes.fields import fields_of
from bot.themes.text import content_words, head_terms, terms

# How much the character and field views count beside the term view. A shared policy field
# is good grounds to put two answers in one theme, but the topics of one pillar often share
# their field, so between topics it decides little and shared words must weigh more.
_CHARACTER_WEIGHT = 0.7
_FIELD_WEIGHT = 1.0
_FIELD_WEIGHT_BETWEEN_TOPICS = 0.3


@dataclass(frozen=True)
class Space:
    answers: sparse.csr_matrix  # one unit row per answer, for themes and keywords
    answers_to_topics: sparse.csr_matrix  # one unit row per answer, for topic assignment
    topics: NDArray[np.float64]  # one unit row per topic, for topic assignment
    term_count: int  # the first columns are terms; then character n-grams, then fields
    exact_columns: NDArray[np.bool_]  # term and field columns
    vocabulary: list[str]  # the term of each term column
    shown_as: dict[str, str]  # term -> the word members used most for it

    def keywords(self, centre: NDArray[np.float64], *, limit: int) -> list[str]:
        """The terms that weigh most in a centre, as members wrote them; one word once."""
        weights = centre[: self.term_count]
        order = np.argsort(-weights, kind="stable")
        found: list[str] = []
        for column in order:
            if weights[column] <= 0 or len(found) == limit:
                break
            word = self.shown_as.get(self.vocabulary[column])
            if word is not None and not any(word in kept or kept in word for kept in found):
                found.append(word)
        return found


def build_space(answers: list[str], topics: list[str], *, language: str) -> Space:
    texts = answers + topics

    def analyse(text: str) -> list[str]:
        return terms(text, language)

    term_view = TfidfVectorizer(analyzer=analyse, sublinear_tf=True, lowercase=False)
    term_matrix = term_view.fit_transform(texts)
    character_view = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        sublinear_tf=True,
        preprocessor=lambda text: " ".join(analyse(text)),
    )
    try:
        character_matrix = character_view.fit_transform(texts) * _CHARACTER_WEIGHT
    except ValueError:  # no text has a character n-gram: empty or only stop words
        character_matrix = sparse.csr_matrix((len(texts), 0))
    field_view = TfidfVectorizer(
        analyzer=lambda text: fields_of(head_terms(text, language), language), sublinear_tf=True
    )
    try:
        field_matrix = field_view.fit_transform(texts)
    except ValueError:  # no text touches a policy field
        field_matrix = sparse.csr_matrix((len(texts), 0))

    def joined(field_weight: float) -> sparse.csr_matrix:
        views = [term_matrix, character_matrix, field_matrix * field_weight]
        unit: sparse.csr_matrix = normalize(sparse.hstack(views).tocsr())
        return unit

    between_topics = joined(_FIELD_WEIGHT_BETWEEN_TOPICS)
    vocabulary = [str(t) for t in term_view.get_feature_names_out()]
    exact = np.ones(between_topics.shape[1], dtype=bool)
    exact[len(vocabulary) : len(vocabulary) + character_matrix.shape[1]] = False
    return Space(
        answers=joined(_FIELD_WEIGHT)[: len(answers)],
        answers_to_topics=between_topics[: len(answers)],
        topics=np.asarray(between_topics[len(answers) :].toarray()),
        term_count=len(vocabulary),
        exact_columns=exact,
        vocabulary=vocabulary,
        shown_as=_surface_forms(answers, language),
    )


def _surface_forms(texts: list[str], language: str) -> dict[str, str]:
    """For every term of a whole word, the word the answers used most for it (the first
    such on a tie). Compound parts are left out: a keyword reads as the members wrote it."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for text in texts:
        for item in content_words(text, language):
            seen[item.stem][item.word] += 1
    return {term: words.most_common(1)[0][0] for term, words in seen.items()}
