"""TrackNovelty: mark syndicated repeats and detect stance shifts, before alerts are built.

All DoFn instances of a worker process share one StatementMemory (Beam's Shared handle), first
filled from the alerts already on the alerts topic, so a restarted job remembers what it
reported and gives replayed statements the answers they had.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import apache_beam as beam
from apache_beam.utils.shared import Shared

from ceasefire_watch.alerts import decode, sighting_from_alert, sighting_of
from ceasefire_watch.config import DEFAULT_SHIFT_MIN_CONFIDENCE, KafkaSettings
from ceasefire_watch.novelty import Novelty, StatementMemory
from ceasefire_watch.records import ClassifiedStatement
from ceasefire_watch.transforms.kafka_io import read_until_end


@dataclass(frozen=True)
class AlertHistory:
    """Where earlier alerts are: the memory starts from them."""

    kafka: KafkaSettings
    topic: str


def _memory_from(history: AlertHistory | None, shift_min_confidence: float) -> StatementMemory:
    memory = StatementMemory(shift_min_confidence)
    if history is not None:
        for value in read_until_end(history.kafka, history.topic):
            alert = decode(value)
            sighting = sighting_from_alert(alert) if alert is not None else None
            if sighting is not None:
                memory.observe(sighting)
    return memory


class _TrackNoveltyFn(beam.DoFn):
    def __init__(self, shared: Shared, history: AlertHistory | None, shift_min_confidence: float) -> None:
        self._shared = shared
        self._history = history
        self._shift_min_confidence = shift_min_confidence

    def setup(self) -> None:
        self._memory: StatementMemory = self._shared.acquire(
            lambda: _memory_from(self._history, self._shift_min_confidence)
        )

    def process(self, classified: ClassifiedStatement) -> Iterator[tuple[ClassifiedStatement, Novelty]]:
        yield classified, self._memory.observe(sighting_of(classified))


class TrackNovelty(beam.PTransform):
    """ClassifiedStatements in; (ClassifiedStatement, Novelty) pairs out."""

    def __init__(
        self, history: AlertHistory | None = None, shift_min_confidence: float = DEFAULT_SHIFT_MIN_CONFIDENCE
    ) -> None:
        super().__init__()
        self._history = history
        self._shift_min_confidence = shift_min_confidence

    def expand(self, classified: beam.PCollection) -> beam.PCollection:
        return classified | "Remember" >> beam.ParDo(
            _TrackNoveltyFn(Shared(), self._history, self._shift_min_confidence)
        )
