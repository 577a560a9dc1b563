"""BuildAlerts and BuildDeadLetters: results in, the published JSON documents out as (key, value).

The documents themselves are defined in ``ceasefire_watch.alerts``; these steps add the
conditions of conditional statements, count what is published, and key each message.
"""

from __future__ import annotations

from collections.abc import Iterator

import apache_beam as beam

from ceasefire_watch import metrics
from ceasefire_watch.alerts import (
    Clock,
    build_alert,
    build_dead_letter,
    build_stance_shift,
    encode,
    utc_now,
)
from ceasefire_watch.novelty import Novelty
from ceasefire_watch.records import ClassifiedStatement
from ceasefire_watch.text.conditions import extract_conditions

KeyedMessage = tuple[bytes, bytes]


class _AlertFn(beam.DoFn):
    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def process(self, element: tuple[ClassifiedStatement, Novelty]) -> Iterator[KeyedMessage]:
        classified, novelty = element
        detected_at = self._clock()
        statement = classified.statement
        stance = classified.prediction.stance
        conditions = extract_conditions(statement.text) if stance == "conditional" else []
        alert = build_alert(classified, novelty, conditions, detected_at)
        article = statement.article
        metrics.ALERTS.labels(stance=stance).inc()
        metrics.CONFLICT_ALERTS.labels(conflict=statement.conflict or "unknown").inc()
        metrics.END_TO_END_LATENCY.labels(reference="published").observe(
            (detected_at - article.published_at).total_seconds()
        )
        if article.ingested_at is not None:
            metrics.END_TO_END_LATENCY.labels(reference="ingested").observe(
                (detected_at - article.ingested_at).total_seconds()
            )
        yield article.id.encode("utf-8"), encode(alert)
        if novelty.previous is not None:
            metrics.STANCE_SHIFTS.inc()
            yield article.id.encode("utf-8"), encode(build_stance_shift(classified, novelty, detected_at))


class BuildAlerts(beam.PTransform):
    """(ClassifiedStatement, Novelty) pairs in; statement and stance-shift alerts out as (key, JSON),
    keyed by article id so an article's alerts share a partition."""

    def __init__(self, clock: Clock = utc_now) -> None:
        super().__init__()
        self._clock = clock

    def expand(self, classified: beam.PCollection) -> beam.PCollection:
        return classified | "ToAlertJson" >> beam.ParDo(_AlertFn(self._clock))


class BuildDeadLetters(beam.PTransform):
    """DeadLetters in; (key, JSON) messages keyed like the original message out."""

    def __init__(self, clock: Clock = utc_now) -> None:
        super().__init__()
        self._clock = clock

    def expand(self, dead_letters: beam.PCollection) -> beam.PCollection:
        clock = self._clock
        return dead_letters | "ToDeadLetterJson" >> beam.Map(
            lambda dead: (dead.record.key or b"", encode(build_dead_letter(dead, clock())))
        )
