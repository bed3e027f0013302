"""`inbreng themes eval`: the bot's topic assignment and theme clustering against gold labels,
beside two plain baselines computed in the same run."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, adjusted_rand_score, f1_score

from bot.themes.engine import AnswerText, TopicText, assign_topics, find_themes
from bot.themes.text import guess_language

OTHER = "(other)"
# For the accuracy with members' choices: each fold's answers are open in turn, the rest
# keep their gold topic, as when most members choose a topic and the bot places the others.
FOLDS = 5


class EvaluationInputError(ValueError):
    """A topics or data file that cannot be evaluated; the message says where and why."""


@dataclass(frozen=True, kw_only=True)
class Scores:
    accuracy: float
    macro_f1: float
    ari: float

    def line(self) -> str:
        return f"accuracy={self.accuracy:.3f} macro_f1={self.macro_f1:.3f} ari={self.ari:.3f}"


@dataclass(frozen=True, kw_only=True)
class Evaluation:
    rows: int
    topics: int
    themes: int  # how many themes the bot found
    bot: Scores  # ari: of the bot's themes
    bot_topic_ari: float  # ari of the topic assignment alone
    bot_with_choices: float  # accuracy on each fold with the other answers' topics given
    baseline: Scores  # nearest description by TF-IDF character 3-5-grams; ari: k-means


def load_topics(path: Path) -> list[TopicText]:
    try:
        body = yaml.safe_load(path.read_text("utf-8"))
        entries = body["topics"]
        topics = [
            TopicText(slug=str(t["slug"]), name=str(t["name"]), description=str(t["description"]))
            for t in entries
        ]
    except (OSError, yaml.YAMLError, KeyError, TypeError) as error:
        raise EvaluationInputError(f"{path}: not a topics file ({error})") from error
    if not topics:
        raise EvaluationInputError(f"{path}: no topics")
    return topics


def load_rows(path: Path) -> list[tuple[str, str]]:
    """(text, gold label) per line; the label is `topic`, or else `theme`."""
    rows: list[tuple[str, str]] = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as error:
        raise EvaluationInputError(f"{path}: {error.strerror}") from error
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            label = row.get("topic", row.get("theme"))
            text = row["text"]
        except (json.JSONDecodeError, KeyError, AttributeError) as error:
            raise EvaluationInputError(f"{path}:{number}: not a JSON row with text") from error
        if not isinstance(text, str) or not isinstance(label, str):
            raise EvaluationInputError(f"{path}:{number}: needs text and a topic or theme")
        rows.append((text, label))
    if not rows:
        raise EvaluationInputError(f"{path}: no rows")
    return rows


def evaluate(topics: list[TopicText], rows: list[tuple[str, str]]) -> Evaluation:
    texts = [text for text, _ in rows]
    gold = [label for _, label in rows]
    answers = [
        AnswerText(id=i, text=t, topic=None, organisation=str(i)) for i, t in enumerate(texts)
    ]
    language = guess_language(texts)
    # Gold labels know no "other": every answer gets its nearest topic.
    assigned = assign_topics(answers, topics, language=language, keep_other=False)
    predicted = [assigned[i] or OTHER for i in range(len(rows))]
    theme_of = {
        answer_id: index
        for index, group in enumerate(find_themes(answers, topics, language=language))
        for answer_id in group.answer_ids
    }
    themes = [theme_of[i] for i in range(len(rows))]
    return Evaluation(
        rows=len(rows),
        topics=len(topics),
        themes=len(set(themes)),
        bot=Scores(
            accuracy=float(accuracy_score(gold, predicted)),
            macro_f1=_macro_f1(gold, predicted),
            ari=float(adjusted_rand_score(gold, themes)),
        ),
        bot_topic_ari=float(adjusted_rand_score(gold, predicted)),
        bot_with_choices=_accuracy_with_choices(topics, texts, gold, language),
        baseline=_baseline(topics, texts, gold),
    )


def _accuracy_with_choices(
    topics: list[TopicText], texts: list[str], gold: list[str], language: str
) -> float:
    known = {t.slug for t in topics}
    right = 0
    for fold in range(FOLDS):
        answers = [
            AnswerText(
                id=i,
                text=text,
                topic=None if i % FOLDS == fold or label not in known else label,
                organisation=str(i),
            )
            for i, (text, label) in enumerate(zip(texts, gold, strict=True))
        ]
        assigned = assign_topics(answers, topics, language=language, keep_other=False)
        right += sum(assigned[i] == gold[i] for i in range(fold, len(texts), FOLDS))
    return right / len(texts)


def _macro_f1(gold: list[str], predicted: list[str]) -> float:
    return float(f1_score(gold, predicted, labels=sorted(set(gold)), average="macro"))


def _baseline(topics: list[TopicText], texts: list[str], gold: list[str]) -> Scores:
    descriptions = [f"{t.name}. {t.description}" for t in topics]
    characters = TfidfVectorizer(analyzer="char", ngram_range=(3, 5), sublinear_tf=True)
    characters.fit(texts + descriptions)
    x = characters.transform(texts)
    nearest = np.asarray((x @ characters.transform(descriptions).T).todense()).argmax(axis=1)
    predicted = [topics[i].slug for i in nearest]
    clusters = KMeans(n_clusters=len(set(gold)), n_init=10, random_state=0).fit_predict(x)
    return Scores(
        accuracy=float(accuracy_score(gold, predicted)),
        macro_f1=_macro_f1(gold, predicted),
        ari=float(adjusted_rand_score(gold, clusters)),
    )
