"""The benchmarks' input side: synthetic wire articles, publishing them, and reading how far a
consumer group has committed.

The articles are filler news in three-sentence paragraphs, as wire copy is laid out; a chosen
share of them carry 2-3 ceasefire sentences from the labelled corpus, so the relevant share and
the article length are the two knobs that decide how much of the costly analysis runs.
"""

from __future__ import annotations

import json
import random
import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ceasefire_watch.model.corpus import load_examples
from ceasefire_watch.records import IRRELEVANT

SUBJECTS = [
    "The city council",
    "A regional bank",
    "The health ministry",
    "Local farmers",
    "The port authority",
    "A university study",
    "The national railway",
    "Opposition lawmakers",
    "The central bank",
    "Aid groups",
]
VERBS = ["approved", "announced", "criticised", "postponed", "reviewed", "welcomed", "published", "rejected"]
OBJECTS = [
    "a plan to expand the northern highway",
    "new rules for grain exports",
    "a report on water quality",
    "the budget for next year",
    "a tender for hospital equipment",
    "changes to the pension system",
    "a programme to train teachers",
    "the results of the census",
    "a proposal to cut fuel subsidies",
]
TAILS = [
    "on Tuesday",
    "after weeks of debate",
    "despite protests outside the building",
    "in a brief statement",
    "according to officials",
    "amid rising prices",
    "as the rainy season began",
    "late on Friday",
]


def filler_sentence(rng: random.Random) -> str:
    return f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}."


def synthetic_articles(
    count: int, relevant_share: float, words: int, seed: int, prefix: str
) -> list[dict[str, Any]]:
    """``count`` articles of about ``words`` words; each is relevant with probability
    ``relevant_share`` and then carries 2-3 ceasefire sentences from the corpus."""
    rng = random.Random(seed)
    ceasefire_sentences = [e.text for e in load_examples() if e.label != IRRELEVANT]
    articles = []
    for index in range(count):
        sentences: list[str] = []
        length = 0
        while length < words:
            sentences.append(filler_sentence(rng))
            length += len(sentences[-1].split())
        if rng.random() < relevant_share:
            for sentence in rng.sample(ceasefire_sentences, rng.randint(2, 3)):
                sentences.insert(rng.randrange(len(sentences)), sentence)
        articles.append(
            {
                "id": f"{prefix}-{index}",
                "url": f"https://example.org/{prefix}/{index}",
                "title": f"Report {index}",
                "text": "\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)),
                "source": "Benchmark Wire",
                "published_at": "2025-01-01T00:00:00Z",
            }
        )
    return articles


def publish(
    producer: KafkaProducer,
    topic: str,
    articles: list[dict[str, Any]],
    rate: float | None,
    sent_at: dict[str, float] | None = None,
) -> None:
    """Send at ``rate`` articles per second (or as fast as possible), noting each send time."""
    started = time.monotonic()
    for index, article in enumerate(articles):
        if rate:
            time.sleep(max(0.0, started + index / rate - time.monotonic()))
        if sent_at is not None:
            sent_at[article["id"]] = time.time()
        producer.send(topic, key=article["id"].encode(), value=json.dumps(article).encode())
        if rate:
            producer.flush()
    producer.flush()


class CommittedOffsets:
    """The sum of a group's committed offsets over a topic's partitions, read through one consumer
    kept open: a new client every 0.2 s cost the benchmark a tenth of a core, taken from the system
    it measures."""

    def __init__(self, bootstrap: str, topic: str, group: str) -> None:
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
        self._topic = topic

    def total(self) -> int:
        partitions = self._consumer.partitions_for_topic(self._topic) or ()
        return sum(self._consumer.committed(TopicPartition(self._topic, p)) or 0 for p in partitions)

    def close(self) -> None:
        self._consumer.close()
