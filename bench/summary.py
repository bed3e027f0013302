"""How long the theme engine takes for 10,000 answers across four pillars, and its peak
memory, beside a plain TF-IDF baseline (character 3-5-grams, nearest topic description,
k-means within each pillar) in the same run.

The answers are the network's own texts (the PMG demo answers and the 2017 Meet-Up
challenges), each varied by a seeded shuffle of its words and a municipality's name, so that
near-duplicates and real variety both occur; a third choose no topic. Each pillar gets its
own round of 2,500 answers with that pillar's topics from examples/pmg/network.yaml.
Run: `.venv/bin/python -m bench.summary [--answers N]`.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.network_file import load_network_file
from bot.themes.engine import AnswerText, TopicText, find_themes

ROOT = Path(__file__).resolve().parents[1]
MEETUP = ROOT / "examples" / "meetup-2017" / "challenges.jsonl"


def texts() -> list[str]:
    demo = yaml.safe_load((ROOT / "examples" / "pmg" / "answers.yaml").read_text("utf-8"))
    found = [str(a["text"]) for a in demo["answers"]]
    if MEETUP.exists():
        found += [json.loads(line)["text"] for line in MEETUP.read_text("utf-8").splitlines()]
    return found


def rounds(count: int) -> list[tuple[list[TopicText], list[AnswerText]]]:
    network = load_network_file(ROOT / "examples" / "pmg" / "network.yaml")
    places = [o.name for o in network.organisations]
    pool = texts()
    rng = random.Random(7)
    made = []
    per_pillar = count // len(network.pillars)
    for pillar in network.pillars:
        topics = [TopicText(slug=t.slug, name=t.name, description=t.description or "")
                  for t in pillar.topics]  # fmt: skip
        answers = []
        for i in range(per_pillar):
            words = rng.choice(pool).split()
            cut = rng.randrange(len(words))
            varied = " ".join(words[cut:] + words[:cut] + [rng.choice(places)])
            topic = rng.choice(topics).slug if rng.random() > 1 / 3 else None
            answers.append(
                AnswerText(id=i, text=varied, topic=topic, organisation=rng.choice(places))
            )
        made.append((topics, answers))
    return made


def engine(work: list[tuple[list[TopicText], list[AnswerText]]]) -> int:
    return sum(len(find_themes(answers, topics)) for topics, answers in work)


def baseline(work: list[tuple[list[TopicText], list[AnswerText]]]) -> int:
    clusters = 0
    for topics, answers in work:
        descriptions = [f"{t.name}. {t.description}" for t in topics]
        view = TfidfVectorizer(analyzer="char", ngram_range=(3, 5), sublinear_tf=True)
        x = view.fit_transform([a.text for a in answers] + descriptions)
        nearest = np.asarray((x[: len(answers)] @ x[len(answers) :].T).todense()).argmax(axis=1)
        assert len(nearest) == len(answers)
        labels = KMeans(n_clusters=len(topics) * 3, n_init=3, random_state=0).fit_predict(
            x[: len(answers)]
        )
        clusters += len(set(labels.tolist()))
    return clusters


def measure(name: str, run: Callable[[], int]) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    themes = run()
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(f"{name:<34} {seconds:8.2f} s  peak {peak:7.1f} MB  groups {themes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=10_000)
    count = parser.parse_args().answers
    work = rounds(count)
    engine(rounds(40))  # load dictionaries and word frequencies outside the measurement
    print(f"{count} answers, {len(work)} pillars ({len(texts())} source texts)")
    measure("baseline: tf-idf chars + k-means", lambda: baseline(work))
    measure("inbreng theme engine", lambda: engine(work))


if __name__ == "__main__":
    main()
