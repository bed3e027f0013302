"""From answers to themes, offline and deterministic.

1. Every answer and every topic (name + description) becomes a vector of weighted terms
   (`bot.themes.vectors`).
2. Answers without a topic, or with "anders/other", are assigned to the nearest topic by a
   seeded k-means: the topics' own texts are the seeds, answers whose member chose a topic
   pull their topic's centre towards the words members actually use, and the open answers
   are assigned softly until nothing changes. An answer that shares no word and no policy
   field with its topic's text or with the answers members gave under it stays "other".
3. Within each topic, and among the answers left in "other", answers are clustered
   (average-linkage on cosine distance): near-duplicates merge, and what stays in "other"
   yet resembles each other surfaces as an emergent theme. A cluster of one answer is no
   theme: such answers stay together as their topic's (or "other"'s) general theme.
4. Each cluster gets keywords (its most distinctive terms, shown as members wrote them) and
   representative answers (nearest its centre, one per organisation first).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from scipy import sparse

    from bot.themes.vectors import Space

# Soft assignment: how sharply the similarity decides (lower: harder assignment).
_TEMPERATURE = 0.05
_ROUNDS = 20
# Average-linkage cut: answers closer than this (cosine distance) form one theme.
_THEME_DISTANCE = 0.85
_THEME_SIZE = 2  # answers a cluster needs to be a theme of its own
_KEYWORDS = 5
_QUOTES = 3


@dataclass(frozen=True, kw_only=True)
class AnswerText:
    id: int
    text: str
    topic: str | None  # the chosen topic's slug; None: none chosen, or "other"
    # Who answered, for choosing quotes from several organisations: any key that tells
    # sources apart (the summary gives each anonymous answer one of its own).
    organisation: str


@dataclass(frozen=True, kw_only=True)
class TopicText:
    slug: str
    name: str
    description: str
    assignable: bool = True  # False: retired; keeps the answers chosen under it, gains none


@dataclass(frozen=True, kw_only=True)
class ThemeGroup:
    topic: str | None  # None: an emergent theme, or what is left in "other"
    answer_ids: tuple[int, ...]
    assigned_ids: tuple[int, ...]  # answers placed under the topic by the bot
    keywords: tuple[str, ...]
    representative_ids: tuple[int, ...]  # best first
    general: bool  # the topic's answers that formed no theme of their own


def assign_topics(
    answers: Sequence[AnswerText],
    topics: Sequence[TopicText],
    *,
    language: str = "nl",
    keep_other: bool = True,
) -> dict[int, str | None]:
    """Each answer's topic: the chosen one, or the one the bot assigns (None: other).
    Without `keep_other` every open answer gets its nearest topic, as when evaluating
    against labels that have no "other"."""
    space = _space(answers, topics, language)
    return _assign(answers, topics, space, keep_other=keep_other)


def find_themes(
    answers: Sequence[AnswerText], topics: Sequence[TopicText], *, language: str = "nl"
) -> list[ThemeGroup]:
    """The themes among the answers, in no particular order (ranking needs organisations)."""
    if not answers:
        return []
    space = _space(answers, topics, language)
    topic_of = _assign(answers, topics, space, keep_other=True)
    by_topic: dict[str | None, list[int]] = defaultdict(list)
    for index, answer in enumerate(answers):
        by_topic[topic_of[answer.id]].append(index)
    groups: list[ThemeGroup] = []
    for topic, indices in sorted(by_topic.items(), key=lambda item: item[0] or "\uffff"):
        clusters = _clusters(space.answers, indices)
        themes = [c for c in clusters if len(c) >= _THEME_SIZE]
        rest = sorted(i for c in clusters if len(c) < _THEME_SIZE for i in c)
        for cluster in [*themes, rest] if rest else themes:
            groups.append(_group(answers, space, topic, cluster, general=cluster is rest))
    return groups


def _topic_texts(topics: Sequence[TopicText]) -> list[str]:
    # The name counts twice: it is what members see and choose by.
    return [f"{t.name}. {t.name}. {t.description}" for t in topics]


def _assign(
    answers: Sequence[AnswerText], topics: Sequence[TopicText], space: Space, *, keep_other: bool
) -> dict[int, str | None]:
    slugs = [t.slug for t in topics]
    known = {slug: i for i, slug in enumerate(slugs)}
    chosen = np.array([known.get(a.topic or "", -1) for a in answers])
    open_rows = np.flatnonzero(chosen < 0)
    result: dict[int, str | None] = {
        a.id: slugs[chosen[i]] if chosen[i] >= 0 else None for i, a in enumerate(answers)
    }
    closed = np.array([not t.assignable for t in topics])
    if closed.all() or open_rows.size == 0:
        return result
    x = space.answers_to_topics
    fixed = np.zeros((len(answers), len(topics)))
    fixed[np.flatnonzero(chosen >= 0), chosen[chosen >= 0]] = 1.0
    weights = fixed.copy()
    centres = space.topics
    for _ in range(_ROUNDS):
        scores = np.where(closed, -np.inf, x[open_rows] @ centres.T)
        soft = np.exp((scores - scores.max(axis=1, keepdims=True)) / _TEMPERATURE)
        soft /= soft.sum(axis=1, keepdims=True)
        if np.allclose(weights[open_rows], soft, atol=1e-6):
            break
        weights[open_rows] = soft
        pulled = np.asarray((x.T @ weights).T) / np.maximum(weights.sum(0), 1)[:, None]
        centres = _normalise(space.topics + pulled)
    best = np.where(closed, -np.inf, x[open_rows] @ centres.T).argmax(axis=1)
    # What each topic is known by for sure: its own text and the answers chosen under it,
    # in words and fields only (a shared character n-gram proves nothing).
    exact = space.exact_columns
    anchors = space.topics[:, exact] + np.asarray((x[:, exact].T @ fixed).T)
    for row, topic in zip(open_rows, best, strict=True):
        related = float((x[int(row)][:, exact] @ anchors[topic])[0]) > 0
        result[answers[int(row)].id] = slugs[topic] if related or not keep_other else None
    return result


def _space(answers: Sequence[AnswerText], topics: Sequence[TopicText], language: str) -> Space:
    # scikit-learn loads when a summary is first built, not when the command line starts.
    from bot.themes.vectors import build_space

    return build_space([a.text for a in answers], _topic_texts(topics), language=language)


def _clusters(x: sparse.csr_matrix, indices: list[int]) -> list[list[int]]:
    from scipy.cluster.hierarchy import fcluster, linkage  # on first use, as scikit-learn
    from scipy.spatial.distance import squareform

    if len(indices) == 1:
        return [indices]
    # Cosine distance of unit rows; an answer without terms is at distance 1 of all.
    distance = np.clip(1.0 - np.asarray((x[indices] @ x[indices].T).toarray()), 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    tree = linkage(squareform(distance, checks=False), method="average")
    labels = fcluster(tree, t=_THEME_DISTANCE, criterion="distance")
    members: dict[int, list[int]] = defaultdict(list)
    for index, label in zip(indices, labels, strict=True):
        members[int(label)].append(index)
    return sorted(members.values(), key=lambda c: (-len(c), c[0]))


def _group(
    answers: Sequence[AnswerText],
    space: Space,
    topic: str | None,
    cluster: list[int],
    *,
    general: bool,
) -> ThemeGroup:
    vectors = space.answers[cluster]
    centre = np.asarray(vectors.mean(axis=0)).ravel()
    keywords = space.keywords(centre, limit=_KEYWORDS)
    closeness = vectors @ centre
    order = sorted(range(len(cluster)), key=lambda i: (-closeness[i], answers[cluster[i]].id))
    picked: list[int] = []
    seen: Counter[str] = Counter()
    # One quote per organisation first, so a quote list shows the breadth of a theme.
    for round_ in (0, 1, 2):
        for i in order:
            answer = answers[cluster[i]]
            fresh = answer.id not in picked and seen[answer.organisation] == round_
            if fresh and len(picked) < _QUOTES:
                picked.append(answer.id)
                seen[answer.organisation] += 1
    chosen_ids = {a.id for a in answers if a.topic is not None}
    ids = tuple(answers[i].id for i in cluster)
    return ThemeGroup(
        topic=topic,
        answer_ids=ids,
        assigned_ids=tuple(i for i in ids if i not in chosen_ids and topic is not None),
        keywords=tuple(keywords),
        representative_ids=tuple(picked),
        general=general,
    )


def _normalise(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
