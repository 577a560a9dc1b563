"""TrackNovelty: mark syndicated repeats, form each article's positions and detect stance shifts.

All DoFn instances of a worker process share one StatementMemory (Beam's Shared handle), first
filled from the statement alerts and positions already published, so a restarted job remembers
what it reported and gives replayed statements and positions the answers they had.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import apache_beam as beam
from apache_beam.utils.shared import Shared

from ceasefire_watch.alerts import (
    decode,
    novelty_from_alert,
    position_sighting,
    sighting_from_alert,
    sighting_from_position,
    sighting_of,
)
from ceasefire_watch.config import DEFAULT_POSITION_MIN_CONFIDENCE, KafkaSettings
from ceasefire_watch.novelty import Novelty, Sighting, StatementMemory
from ceasefire_watch.positions import positions_of
from ceasefire_watch.records import Article, ClassifiedArticle, ClassifiedStatement, Position
from ceasefire_watch.transforms.failures import guarded
from ceasefire_watch.transforms.kafka_io import read_until_end


@dataclass(frozen=True)
class AlertHistory:
    """Where earlier statement alerts and positions are: the memory starts from them."""

    kafka: KafkaSettings
    alerts_topic: str
    positions_topic: str


@dataclass(frozen=True)
class AssessedArticle:
    """An article's relevant statements with their novelty, and its positions with any shift each
    makes from the speaker's previous position (None when there is none)."""

    article: Article
    statements: tuple[tuple[ClassifiedStatement, Novelty], ...]
    positions: tuple[tuple[Position, Sighting | None], ...]


def _memory_from(history: AlertHistory | None) -> StatementMemory:
    memory = StatementMemory()
    if history is None:
        return memory
    for value in read_until_end(history.kafka, history.alerts_topic):
        alert = decode(value)
        sighting = sighting_from_alert(alert) if alert is not None else None
        if alert is not None and sighting is not None:
            memory.restore(sighting, novelty_from_alert(alert))
    for value in read_until_end(history.kafka, history.positions_topic):
        document = decode(value)
        position = sighting_from_position(document) if document is not None else None
        if position is not None:
            memory.observe_position(position)
    return memory


class _TrackNoveltyFn(beam.DoFn):
    def __init__(self, shared: Shared, history: AlertHistory | None, position_min_confidence: float) -> None:
        self._shared = shared
        self._history = history
        self._position_min_confidence = position_min_confidence

    def setup(self) -> None:
        self._memory: StatementMemory = self._shared.acquire(lambda: _memory_from(self._history))

    def process(self, classified: ClassifiedArticle) -> Iterator[AssessedArticle]:
        statements = tuple((item, self._memory.observe(sighting_of(item))) for item in classified.statements)
        positions = tuple(
            (position, self._memory.observe_position(position_sighting(position)))
            for position in positions_of(classified.statements, self._position_min_confidence)
        )
        yield AssessedArticle(classified.article, statements, positions)


class TrackNovelty(beam.PTransform):
    """ClassifiedArticles in; ``articles``: AssessedArticles; ``dead_letters``: articles it raised on."""

    def __init__(
        self,
        history: AlertHistory | None = None,
        position_min_confidence: float = DEFAULT_POSITION_MIN_CONFIDENCE,
    ) -> None:
        super().__init__()
        self._history = history
        self._position_min_confidence = position_min_confidence

    def expand(self, classified: beam.PCollection) -> dict[str, beam.PCollection]:
        fn = _TrackNoveltyFn(Shared(), self._history, self._position_min_confidence)
        assessed, dead_letters = guarded(classified, "Remember", fn)
        return {"articles": assessed["good"], "dead_letters": dead_letters}
